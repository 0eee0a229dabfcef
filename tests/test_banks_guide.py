"""BANKS.md's examples work as written: its checks file and its calls make a bank that
`quiz validate` passes, its field tables name every field, its packaging snippet names the
entry point group quiz reads."""

from __future__ import annotations

import re
import textwrap
import tomllib

import pytest
import yaml
from click.testing import CliRunner

from quiz import bank as bank_module
from quiz.bank import load_bank
from quiz.banks import ENTRY_POINT_GROUP
from quiz.cli import main
from quiz.grader import Checker
from quiz.recall import suggest

from .conftest import REPO_ROOT

GUIDE = (REPO_ROOT / "BANKS.md").read_text(encoding="utf-8")
SOLUTION = "def softmax(x):\n    e = x.exp()\n    return e / e.sum(dim=-1, keepdim=True)\n"
RIGHT = "import torch\n\n\ndef softmax(x):\n    e = torch.exp(x)\n    return e / e.sum(-1, keepdim=True)\n"
WRONG_AXIS = "def softmax(x):\n    return x.exp() / x.exp().sum(0)\n"
LOOP = """\
import torch


def softmax(x):
    return torch.stack([row.exp() / row.exp().sum() for row in x.reshape(-1, x.shape[-1])])
"""


def blocks(language: str) -> list[str]:
    """The guide's fenced code blocks in language ("" for those that name none), dedented."""
    found, current, inside = [], [], None
    for line in GUIDE.splitlines(keepends=True):
        if inside is None and line.startswith("```"):
            inside, current = line[3:].strip(), []
        elif inside is not None and line.strip() == "```":
            if inside == language:
                found.append(textwrap.dedent("".join(current)))
            inside = None
        elif inside is not None:
            current.append(line)
    return found


def block(language: str, containing: str) -> str:
    """The guide's first code block in language that contains the given text."""
    found = [text for text in blocks(language) if containing in text]
    assert found, f"BANKS.md has no {language or 'plain'} block with {containing!r}"
    return found[0]


@pytest.fixture
def guide_bank(tmp_path):
    """A bank of the guide's pieces: its softmax question checked by its checks file, with
    its example answers, and the same question checked by its calls."""
    folder = tmp_path / "course"
    files = {
        "solutions/softmax.py": SOLUTION,
        "checks/softmax.py": block("python", "def probe"),
        "examples/softmax/right.py": RIGHT,
        "examples/softmax/wrong-axis.py": WRONG_AXIS,
        "examples/softmax/loop.py": LOOP,
    }
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    common = {
        "kind": "code", "prompt": "Write softmax(x) over the last axis.", "answer": "exp, then divide.",
        "key_points": ["exponentiate every value", "divide by the sum of its row"], "tags": [],
        "starter": "def softmax(x):\n    ...\n", "hints": ["x.exp()"],
    }  # fmt: skip
    by_file = {
        "id": "softmax", "number": 1, **common, "contract": ["softmax"],
        "solution": "solutions/softmax.py", "checks": "checks/softmax.py",
        **yaml.safe_load(block("yaml", "examples:")),
    }  # fmt: skip
    by_calls = {"id": "softmax-by-calls", "number": 2, **common}
    by_calls.update(yaml.safe_load(block("yaml", "cases:")))
    bank = {"bank": "guide", "title": "The guide's examples", "questions": [by_file, by_calls]}
    (folder / "questions.yaml").write_text(yaml.safe_dump(bank, sort_keys=False))
    return folder


def test_the_guides_bank_validates_with_every_reference_and_example_run(guide_bank):
    result = CliRunner().invoke(main, ["validate", str(guide_bank)])
    assert result.exit_code == 0, result.output
    assert "ok, 2 questions (2 with executable answers, 3 example answers); every" in result.output


def test_the_guides_checks_file_names_the_mistake_it_shows(guide_bank):
    bank = load_bank(guide_bank / "questions.yaml")
    with Checker(bank) as checker:
        verdict = checker.check("softmax", WRONG_AXIS)
    failed = [c for c in verdict.checks if not c.passed]
    assert [c.name for c in failed] == ["two rows"]
    assert "Each row must sum to 1: sum over dim=-1." in failed[0].message
    assert "got element [0, 0] = 0.5, not 0.09003" in failed[0].message


def test_the_field_tables_name_every_field():
    fields = bank_module._BANK_FIELDS | bank_module._ALLOWED[True] | bank_module._CASE_FIELDS
    named = set(re.findall(r"^\| `(\w+)` \|", GUIDE, re.M)) | set(re.findall(r"- `(\w+)`", GUIDE))
    assert fields - named == set()


def test_the_packaging_snippet_declares_a_bank_where_quiz_looks():
    pyproject = tomllib.loads(block("toml", "entry-points"))
    entries = pyproject["project"]["entry-points"][ENTRY_POINT_GROUP]
    package = entries["course-ch5"]
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [package]
    layout = block("", f"{package}/")
    assert "questions.yaml" in layout.split(f"{package}/", 1)[1]


def test_the_guides_mistakes_example_validates_and_catches_its_mistake(tmp_path):
    fields = yaml.safe_load(block("yaml", "mistakes:"))
    question = {
        "id": "rank", "number": 1, "kind": "recall", "prompt": "What is a tensor's rank?",
        "answer": "The number of its axes.", "tags": [], **fields,
    }  # fmt: skip
    path = tmp_path / "questions.yaml"
    path.write_text(yaml.safe_dump({"bank": "guide", "title": "Guide", "questions": [question]}))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    said = suggest(load_bank(path).get("rank"), "It is how many elements the tensor has.")
    assert said.mistakes == (fields["mistakes"][0],) and said.grade <= 2
