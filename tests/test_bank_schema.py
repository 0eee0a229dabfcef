"""bank.schema.json accepts the banks quiz's validator accepts, and rejects the ones it rejects.

Each case changes one thing in a valid bank. The schema and `load_bank` must each give the
verdict the case expects. What a JSON Schema cannot say (files, uniqueness across questions,
Python syntax...) is listed in SCHEMA_CANNOT_SAY: those cases are skipped by name in the
agreement test, and a test of their own holds each listed gap to what it is said to be.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from quiz import bank as bank_module
from quiz.bank import BankError, load_bank
from quiz.bank_template import write_bank

from .conftest import REPO_ROOT

SCHEMA = json.loads((REPO_ROOT / "bank.schema.json").read_text(encoding="utf-8"))
RECALL, CASES, FILE = 0, 1, 2
"""The positions of the valid bank's questions: a recall question, a code question whose
checks are calls, and a code question whose checks are a file."""

FILES = {
    "solutions/mse.py": "def mse(a, b):\n    return ((a - b) ** 2).mean()\n",
    "solutions/relu.py": "def relu(x):\n    return x.clamp(min=0)\n",
    "checks/relu.py": (
        "from quiz.checks import same_as_reference\n\n\n"
        "def probe(p):\n    import torch\n\n"
        "    p.call('relu', p.function('relu'), torch.tensor([-1.0, 2.0]))\n\n\n"
        "def judge(run, reference):\n    return same_as_reference(run, reference)\n"
    ),
    "examples/mse/right.py": "def mse(a, b):\n    d = a - b\n    return (d * d).mean()\n",
    "examples/mse/wrong.py": "def mse(a, b):\n    return (a - b).abs().mean()\n",
}


def valid_bank() -> dict:
    """A bank that uses every field the format has, and that the validator accepts."""
    common = {"answer": "An answer.", "key_points": ["a first point", "a second point"]}
    return {
        "bank": "schema-test",
        "title": "A bank for the schema's tests",
        "words": {"tensor": ["array", "ndarray"], "loss": ["cost"]},
        "questions": [
            {"id": "what-is-a-tensor", "number": 1, "kind": "recall", "prompt": "What?",
             **common, "tags": ["tensors"], "time_limit": 10},
            {"id": "mse", "number": 2, "kind": "code", "prompt": "Write mse.", **common,
             "tags": [], "contract": ["mse"], "starter": "def mse(a, b):\n    ...\n",
             "hints": ["Square the differences."], "solution": "solutions/mse.py",
             "checks": {"cases": ["mse(torch.ones(3), torch.zeros(3))"], "tolerance": 1e-4,
                        "forbid": ["F.mse_loss"]},
             "examples": {"right": ["examples/mse/right.py"],
                          "wrong": ["examples/mse/wrong.py"]}},
            {"id": "relu", "number": 3, "kind": "code", "prompt": "Write relu.", **common,
             "tags": ["activations"], "contract": ["relu"], "starter": "def relu(x):\n    ...\n",
             "hints": ["Clamp."], "solution": "solutions/relu.py", "checks": "checks/relu.py",
             "time_limit": 20},
        ],
    }  # fmt: skip


Change = Callable[[dict], object]
"""A change of the valid bank: it returns the document to write."""


@dataclass(frozen=True)
class Case:
    name: str
    valid: bool
    change: Change
    edit_text: Callable[[str], str] | None = None
    """An edit of the YAML text, for what a parsed document cannot hold (a key twice)."""


def put(*path, value) -> Change:
    """Set the field at path (keys and list positions) to value; () replaces the document."""

    def change(doc):
        if not path:
            return value
        *parents, last = path
        place = doc
        for step in parents:
            place = place[step]
        place[last] = copy.deepcopy(value)
        return doc

    return change


def drop(*path) -> Change:
    def change(doc):
        *parents, last = path
        place = doc
        for step in parents:
            place = place[step]
        del place[last]
        return doc

    return change


def both(*changes: Change) -> Change:
    def change(doc):
        for each in changes:
            doc = each(doc)
        return doc

    return change


def unchanged(doc):
    return doc


def texts(count: int) -> list[str]:
    return [f"entry {i}" for i in range(count)]


def counted(field: str, question: int, least: int, most: int) -> list[Case]:
    """A list field with none, too few, the fewest, the most and one too many entries."""
    counts = sorted({0, least - 1, least, most, most + 1} - {-1})
    name = field.replace("_", " ")
    return [
        Case(
            f"{count} {name}",
            least <= count <= most,
            put("questions", question, field, value=texts(count)),
        )
        for count in counts
    ]


RECALL_FIELDS = ("id", "number", "kind", "prompt", "answer", "key_points", "tags")
CODE_FIELDS = ("contract", "starter", "hints", "solution", "checks")

CASE_LIST = [
    Case("the valid bank", True, unchanged),
    # the document and its top-level fields
    Case("document is a list", False, put(value=[1, 2])),
    Case("document is empty", False, put(value=None)),
    *[Case(f"missing {key}", False, drop(key)) for key in ("bank", "title", "questions")],
    Case("bank is blank", False, put("bank", value="  ")),
    Case("bank is a number", False, put("bank", value=5)),
    Case("title is blank", False, put("title", value="")),
    Case("title is a list", False, put("title", value=["a"])),
    Case("unknown top-level field", False, put("author", value="me")),
    Case("top-level field name is a number", False, put(1, value="x")),
    Case(
        "a field given twice",
        False,
        unchanged,
        lambda text: text.replace("title: ", "title: First\ntitle: ", 1),
    ),
    Case("questions is empty", False, put("questions", value=[])),
    Case("questions is a mapping", False, put("questions", value={"a": 1})),
    # words
    Case("no words", True, drop("words")),
    Case("words is empty", True, put("words", value={})),
    Case("words is null", False, put("words", value=None)),
    Case("words is a list", False, put("words", value=["tensor"])),
    Case("a word maps to text", False, put("words", "tensor", value="array")),
    Case("a word maps to an empty list", False, put("words", "tensor", value=[])),
    Case("a word maps to a blank word", False, put("words", "tensor", value=["array", " "])),
    Case("a word maps to a number", False, put("words", "tensor", value=[3])),
    Case("a blank word", False, put("words", " ", value=["array"])),
    Case("a word that is a number", False, put("words", 1, value=["one"])),
    # every question's fields
    Case("a question is text", False, put("questions", RECALL, value="what-is-a-tensor")),
    *[
        Case(f"recall question missing {key}", False, drop("questions", RECALL, key))
        for key in RECALL_FIELDS
    ],
    *[
        Case(f"code question missing {key}", False, drop("questions", FILE, key))
        for key in CODE_FIELDS
    ],
    Case("kind is not recall or code", False, put("questions", RECALL, "kind", value="essay")),
    Case("unknown question field", False, put("questions", RECALL, "author", value="me")),
    Case("question field name is a boolean", False, put("questions", RECALL, True, value=1)),
    Case("contract on a recall question", False, put("questions", RECALL, "contract", value=["f"])),
    Case("examples on a recall question", False, put("questions", RECALL, "examples", value={})),
    Case("id with digits and dashes", True, put("questions", RECALL, "id", value="ch-4-q1")),
    *[
        Case(f"id {value!r}", False, put("questions", RECALL, "id", value=value))
        for value in ("My-Question", "my_question", "-lead", "trail-", "two--dashes", "a b", "", 7)
    ],
    Case("two questions share an id", False, put("questions", FILE, "id", value="mse")),
    Case("number is large", True, put("questions", RECALL, "number", value=10_000)),
    *[
        Case(f"number {value!r}", False, put("questions", RECALL, "number", value=value))
        for value in (0, -1, "1", True, 2.5)
    ],
    Case("number written as 1.0", False, put("questions", RECALL, "number", value=1.0)),
    Case("two questions share a number", False, put("questions", FILE, "number", value=1)),
    Case("prompt is blank", False, put("questions", RECALL, "prompt", value=" \n")),
    Case("prompt is a number", False, put("questions", RECALL, "prompt", value=4)),
    Case("answer is blank", False, put("questions", CASES, "answer", value="")),
    Case("answer is null", False, put("questions", CASES, "answer", value=None)),
    *counted("key_points", RECALL, 2, 5),
    Case("a blank key point", False, put("questions", RECALL, "key_points", value=["a", " "])),
    Case("a key point is a number", False, put("questions", RECALL, "key_points", value=["a", 1])),
    Case("key_points is text", False, put("questions", RECALL, "key_points", value="a, b")),
    *[
        Case(f"{count} tags", count <= 20, put("questions", RECALL, "tags", value=texts(count)))
        for count in (0, 20, 21)
    ],
    *counted("mistakes", RECALL, 1, 20),
    Case("mistakes on a code question", True, put("questions", CASES, "mistakes", value=["a"])),
    Case("a blank mistake", False, put("questions", RECALL, "mistakes", value=["a", " "])),
    Case("a mistake is a number", False, put("questions", RECALL, "mistakes", value=[3])),
    Case("mistakes is text", False, put("questions", RECALL, "mistakes", value="a")),
    Case("a blank tag", False, put("questions", RECALL, "tags", value=[""])),
    Case("tags is text", False, put("questions", RECALL, "tags", value="tensors")),
    *[
        Case(
            f"time_limit {value!r}",
            valid,
            put("questions", CASES, "time_limit", value=value),
        )
        for value, valid in (
            (600, True),
            (0.5, True),
            (600.5, False),
            (0, False),
            (-1, False),
            (True, False),
            ("10", False),
            (None, False),
        )
    ],
    Case(
        "time_limit is not a number (.nan)",
        False,
        put("questions", CASES, "time_limit", value=float("nan")),
    ),
    # a code question's own fields
    *[
        Case(
            f"{count} contract names",
            1 <= count <= 10,
            put("questions", FILE, "contract", value=[f"f{i}" for i in range(count)]),
        )
        for count in (0, 1, 10, 11)
    ],
    *[
        Case(f"contract name {name!r}", valid, put("questions", FILE, "contract", value=[name]))
        for name, valid in (
            ("_private", True),
            (" relu ", True),
            ("1relu", False),
            ("leaky relu", False),
            ("torch.relu", False),
            ("", False),
            (3, False),
        )
    ],
    Case("contract name not ASCII", True, put("questions", FILE, "contract", value=["größe"])),
    Case("contract is text", False, put("questions", FILE, "contract", value="relu")),
    *counted("hints", FILE, 1, 3),
    Case("a blank hint", False, put("questions", FILE, "hints", value=[" "])),
    Case("starter is empty", True, put("questions", FILE, "starter", value="")),
    Case("starter is a number", False, put("questions", FILE, "starter", value=1)),
    Case("starter is null", False, put("questions", FILE, "starter", value=None)),
    Case("starter is not Python", False, put("questions", FILE, "starter", value="def relu(:\n")),
    Case("solution is blank", False, put("questions", FILE, "solution", value=" ")),
    Case("solution is a list", False, put("questions", FILE, "solution", value=["a.py"])),
    Case("solution file missing", False, put("questions", FILE, "solution", value="nowhere.py")),
    # checks given as a file
    Case("checks file missing", False, put("questions", FILE, "checks", value="checks/none.py")),
    Case("checks is blank", False, put("questions", FILE, "checks", value="")),
    Case("checks is null", False, put("questions", FILE, "checks", value=None)),
    Case("checks is a list", False, put("questions", FILE, "checks", value=["relu(1)"])),
    # checks given as calls
    Case("checks without cases", False, drop("questions", CASES, "checks", "cases")),
    Case("no cases", False, put("questions", CASES, "checks", "cases", value=[])),
    Case("cases is text", False, put("questions", CASES, "checks", "cases", value="mse(1, 2)")),
    Case("a blank case", False, put("questions", CASES, "checks", "cases", value=[" "])),
    Case("a case is a number", False, put("questions", CASES, "checks", "cases", value=[1])),
    Case(
        "a case is not a Python expression",
        False,
        put("questions", CASES, "checks", "cases", value=["mse(1,"]),
    ),
    Case("unknown field in checks", False, put("questions", CASES, "checks", "timeout", value=1)),
    Case("checks field name is a number", False, put("questions", CASES, "checks", 1, value=1)),
    Case(
        "only cases",
        True,
        both(
            drop("questions", CASES, "checks", "tolerance"),
            drop("questions", CASES, "checks", "forbid"),
        ),
    ),
    *[
        Case(
            f"tolerance {value!r}",
            valid,
            put("questions", CASES, "checks", "tolerance", value=value),
        )
        for value, valid in (
            (0, True),
            (1e-6, True),
            (2, True),
            ("1e-6", True),
            (" 2.5E-3 ", True),
            (None, True),
            (-1e-6, False),
            (True, False),
            ("small", False),
            ("-1e-6", False),
            ([1e-6], False),
        )
    ],
    Case(
        "tolerance written 1e-6, which YAML 1.1 reads as text",
        True,
        unchanged,
        lambda text: text.replace("tolerance: 0.0001", "tolerance: 1e-6"),
    ),
    *[
        Case(
            f"tolerance {value!r}",
            False,
            put("questions", CASES, "checks", "tolerance", value=value),
        )
        for value in ("nan", "inf")
    ],
    Case("forbid is empty", True, put("questions", CASES, "checks", "forbid", value=[])),
    Case(
        "forbid names several",
        True,
        put("questions", CASES, "checks", "forbid", value=["torch.softmax", "F.relu", " nn.ReLU "]),
    ),
    *[
        Case(
            f"forbid {value!r}",
            False,
            put("questions", CASES, "checks", "forbid", value=value),
        )
        for value in (["softmax"], ["torch..softmax"], ["torch.soft max"], [""], "torch.exp", None)
    ],
    # examples
    Case("examples is empty", True, put("questions", CASES, "examples", value={})),
    Case("only right examples", True, drop("questions", CASES, "examples", "wrong")),
    Case("only wrong examples", True, drop("questions", CASES, "examples", "right")),
    Case("no examples", True, drop("questions", CASES, "examples")),
    Case("examples is null", False, put("questions", CASES, "examples", value=None)),
    Case("examples is a list", False, put("questions", CASES, "examples", value=["a.py"])),
    Case(
        "examples has an unknown verdict",
        False,
        put("questions", CASES, "examples", "maybe", value=[]),
    ),
    Case(
        "right examples is text",
        False,
        put("questions", CASES, "examples", "right", value="examples/mse/right.py"),
    ),
    Case("right examples is null", False, put("questions", CASES, "examples", "right", value=None)),
    Case("an example is a number", False, put("questions", CASES, "examples", "wrong", value=[1])),
    Case("an example is blank", False, put("questions", CASES, "examples", "wrong", value=[" "])),
    Case(
        "example file missing",
        False,
        put("questions", CASES, "examples", "wrong", value=["examples/none.py"]),
    ),
]
CASES_BY_NAME = {case.name: case for case in CASE_LIST}

FILES_EXIST = "whether a file exists beside the bank"
PYTHON = "whether text is valid Python"
SCHEMA_CANNOT_SAY = {
    "two questions share an id": "uniqueness of one field across questions (uniqueItems "
    "compares whole items)",
    "two questions share a number": "uniqueness of one field across questions",
    "solution file missing": FILES_EXIST,
    "checks file missing": FILES_EXIST,
    "example file missing": FILES_EXIST,
    "starter is not Python": PYTHON,
    "a case is not a Python expression": PYTHON,
    "a field given twice": "a key given twice in one mapping: YAML's reading keeps one value",
    "number written as 1.0": "JSON has one kind of number, so 1.0 is the integer 1 to a schema",
    "contract name not ASCII": "any Python identifier: a portable pattern knows ASCII letters only",
    "time_limit is not a number (.nan)": "NaN, which JSON lacks: it compares false with any "
    "bound, so the schema's bounds let it through",
}


def verdicts(case: Case, folder: Path) -> tuple[bool, list[str], bool, list[str]]:
    """(validator accepts, its problems, schema accepts, its errors) for the case's bank."""
    doc = case.change(valid_bank())
    for relative, text in FILES.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    if case.edit_text is not None:
        edited = case.edit_text(text)
        assert edited != text, "the case's edit found nothing to change"
        text = edited
    bank_file = folder / "questions.yaml"
    bank_file.write_text(text, encoding="utf-8")
    try:
        load_bank(bank_file)
        problems: list[str] = []
    except BankError as exc:
        problems = exc.problems
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in Draft202012Validator(SCHEMA).iter_errors(yaml.safe_load(text))
    ]
    return not problems, problems, not errors, errors


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


def test_every_listed_exception_names_a_case():
    assert set(SCHEMA_CANNOT_SAY) <= set(CASES_BY_NAME)
    assert len(CASES_BY_NAME) == len(CASE_LIST), "two cases share a name"


@pytest.mark.parametrize("case", CASE_LIST, ids=lambda case: case.name)
def test_schema_and_validator_agree(case: Case, tmp_path):
    if case.name in SCHEMA_CANNOT_SAY:
        pytest.skip(f"the schema cannot say {SCHEMA_CANNOT_SAY[case.name]}")
    accepted, problems, matches, errors = verdicts(case, tmp_path)
    assert accepted == case.valid, problems or "the validator accepted it"
    assert matches == case.valid, errors or "the schema accepted it"


@pytest.mark.parametrize("name", sorted(SCHEMA_CANNOT_SAY))
def test_each_exception_is_a_gap_of_that_kind(name, tmp_path):
    """Only the validator can tell these apart: if the schema ever agrees, drop the exception."""
    case = CASES_BY_NAME[name]
    accepted, problems, matches, errors = verdicts(case, tmp_path)
    assert accepted == case.valid, problems or "the validator accepted it"
    assert matches != case.valid, errors or "the schema accepted it"


def test_schema_names_every_field_the_validator_knows():
    """A field added to the validator without the schema fails here, not in an editor."""
    defs = SCHEMA["$defs"]
    assert set(SCHEMA["properties"]) == bank_module._BANK_FIELDS
    assert set(defs["recallQuestion"]["properties"]) == bank_module._ALLOWED[False]
    assert set(defs["codeQuestion"]["properties"]) == bank_module._ALLOWED[True]
    assert set(defs["recallQuestion"]["required"]) == bank_module._REQUIRED[False]
    assert set(defs["codeQuestion"]["required"]) == bank_module._REQUIRED[True]
    assert set(defs["cases"]["properties"]) == bank_module._CASE_FIELDS
    assert defs["id"]["pattern"] == bank_module.ID_PATTERN.pattern


def test_chapter_4_bank_matches_the_schema():
    text = (REPO_ROOT / "questions.yaml").read_text(encoding="utf-8")
    errors = [e.message for e in Draft202012Validator(SCHEMA).iter_errors(yaml.safe_load(text))]
    assert errors == []
    assert len(load_bank(REPO_ROOT / "questions.yaml")) > 30


def test_a_new_bank_from_the_template_matches_the_schema(tmp_path):
    file = write_bank(tmp_path / "course", "course")
    errors = [
        e.message
        for e in Draft202012Validator(SCHEMA).iter_errors(yaml.safe_load(file.read_text()))
    ]
    assert errors == []
