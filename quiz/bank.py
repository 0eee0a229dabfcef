"""Load a question bank (YAML) into validated `Question` objects.

PyYAML's safe loader is the reference reading, and its node positions let every problem
name the file and line a person must fix. A large bank is first read by `quick_yaml`,
which gives the same document in a fraction of the time or declines; a bank it declines,
or one with any problem, is read by PyYAML.
"""

from __future__ import annotations

import ast
import difflib
import gc
import hashlib
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from quiz import quick_yaml
from quiz.errors import QuizError
from quiz.inputs import MiB, read_capped
from quiz.paths import data_dir, default_bank_path

DEFAULT_TIME_LIMIT = 10.0
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = ("recall", "code")

_BANK_FIELDS = {"bank", "title", "words", "questions"}
_COMMON_FIELDS = frozenset({"id", "number", "kind", "prompt", "answer", "key_points", "tags"})
_CODE_FIELDS = frozenset({"contract", "starter", "hints", "solution", "checks"})
_OPTIONAL_FIELDS = frozenset({"time_limit", "mistakes"})
_CODE_OPTIONAL_FIELDS = frozenset({"examples"})
_REQUIRED = {False: _COMMON_FIELDS, True: _COMMON_FIELDS | _CODE_FIELDS}
"""The fields a question must have, by whether it is a coding question."""
_ALLOWED = {
    False: _REQUIRED[False] | _OPTIONAL_FIELDS,
    True: _REQUIRED[True] | _OPTIONAL_FIELDS | _CODE_OPTIONAL_FIELDS,
}
_CASE_FIELDS = frozenset({"cases", "tolerance", "forbid"})
DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")
# libyaml's safe loader keeps the same node positions and parses ten times faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BANK_LIMIT = 64 * MiB
"""The largest bank file read: 50,000 questions take about 25 MiB."""


def _validator_version() -> bytes:
    """Part of every cache key: this module's own source, so any change to a rule or to
    `Question` re-validates every bank, even one that passed before."""
    try:
        return hashlib.sha256(Path(__file__).read_bytes()).digest()
    except OSError:
        return b"quiz-bank-unversioned"


_VALIDATOR_VERSION = _validator_version()


class BankError(QuizError):
    """A bank that cannot be used; `problems` holds every one found, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)


@dataclass(frozen=True)
class CaseChecks:
    """Checks given as calls: each case runs on the answer's functions and on the reference's,
    and the two values must agree (floats within `tolerance` when the bank sets one)."""

    cases: tuple[str, ...]
    tolerance: float | None = None
    forbid: tuple[str, ...] = ()


@dataclass(frozen=True)
class Example:
    """An answer kept beside a question, with the verdict `quiz validate` expects it to get."""

    path: Path
    passes: bool


@dataclass(frozen=True)
class Question:
    id: str
    number: int
    kind: str
    prompt: str
    answer: str
    key_points: tuple[str, ...]
    tags: tuple[str, ...]
    contract: tuple[str, ...] = ()
    starter: str = ""
    hints: tuple[str, ...] = ()
    solution: Path | None = None
    time_limit: float = DEFAULT_TIME_LIMIT
    checks: CaseChecks | Path | None = None
    """A code question's checks: calls to compare, or a checks file (see quiz.checks)."""
    examples: tuple[Example, ...] = ()
    mistakes: tuple[str, ...] = ()
    """Wrong answers learners often give, each a sentence: an answer that says one is
    suggested a fail (see quiz.recall)."""

    @property
    def is_code(self) -> bool:
        return self.kind == "code"


@dataclass
class Bank:
    name: str
    title: str
    path: Path
    questions: list[Question]
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The bank's own synonyms for the recall marker: a word, and words meaning the same."""
    _by_id: dict[str, Question] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {q.id: q for q in self.questions}

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self):
        return iter(self.questions)

    def __contains__(self, question_id: str) -> bool:
        return question_id in self._by_id

    def get(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise QuizError(f"no question '{question_id}' in bank {self.name}") from None

    def find(self, reference: str) -> Question:
        """The question a person named: its id, or its number as the app shows it (`4`, `#4`).

        A miss names the closest ids, so a typo costs one more try, not a trip to `quiz list`.
        """
        text = reference.strip()
        if text in self._by_id:
            return self._by_id[text]
        digits = text.removeprefix("#")
        if digits.isdigit():
            for question in self.questions:
                if question.number == int(digits):
                    return question
            numbers = [q.number for q in self.questions]
            known = f" (numbers {min(numbers)}-{max(numbers)})" if numbers else ""
            raise QuizError(f"no question #{digits} in bank {self.name}{known}")
        close = difflib.get_close_matches(text, list(self._by_id), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else "; `quiz list` shows them all"
        raise QuizError(f"no question '{text}' in bank {self.name}{hint}")


def load_bank(path: Path | str | None = None) -> Bank:
    """Read and validate a bank file; raise `BankError` listing every problem.

    A bank that validated before is read back from a JSON copy keyed by the file's
    content: parsing YAML costs about 40 ms for 500 questions, the copy about 2 ms.
    """
    path = Path(path) if path is not None else default_bank_path()
    try:
        raw = read_capped(path, BANK_LIMIT, "a question bank")
    except QuizError as exc:
        message = str(exc).replace(": file not found", ": bank file not found")
        raise BankError([message]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BankError([f"{path}: cannot read bank: not UTF-8 text (byte {exc.start})"]) from None
    cache = _cache_path(raw)
    bank = _read_cached(cache, path)
    if bank is None:
        with _collector_paused():
            bank = _parse(path, text)
        _write_cached(cache, bank)
    return bank


@contextmanager
def _collector_paused():
    """Reading a bank builds a million small objects that all live on, and the cyclic
    collector would walk the growing heap again and again for nothing: 10 of the 13 s that
    parsing 50,000 questions took went there. None of these objects forms a cycle."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _cache_path(raw: bytes) -> Path:
    digest = hashlib.sha256(_VALIDATOR_VERSION + raw).hexdigest()
    return data_dir() / "bank-cache" / f"{digest}.json"


def _read_cached(cache: Path, path: Path) -> Bank | None:
    """The bank as last validated, if this exact text was validated and its solutions remain."""
    # Many questions share a solution file: each is resolved and checked once.
    solutions: dict[str, Path | None] = {}

    def solution(name: str | None) -> Path | None:
        if name is None:
            return None
        if name not in solutions:
            found = (path.parent / name).resolve()
            solutions[name] = found if found.is_file() else None
        if solutions[name] is None:  # gone since: parse again, which says so
            raise FileNotFoundError(name)
        return solutions[name]

    try:
        with _collector_paused():
            data = json.loads(cache.read_text(encoding="utf-8"))
            questions = [_question_of(row, solution) for row in data["questions"]]
        name, title = data["name"], data["title"]
        words = {word: tuple(same) for word, same in data["words"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Bank(name=name, title=title, path=path, questions=questions, words=words)


def _write_cached(cache: Path, bank: Bank) -> None:
    """Best effort: a bank that cannot be cached is only parsed again next time."""
    folder = bank.path.resolve().parent
    relative: dict[Path, str] = {}  # many questions share a solution file

    def solution(path: Path | None) -> str | None:
        if path is None:
            return None
        if path not in relative:
            relative[path] = os.path.relpath(path, folder)
        return relative[path]

    data = {
        "name": bank.name,
        "title": bank.title,
        "words": bank.words,
        "questions": [_row_of(q, solution) for q in bank],
    }
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data, check_circular=False), encoding="utf-8")
        os.replace(partial, cache)
    except OSError:
        pass


def _row_of(q: Question, relative) -> tuple:
    """A question as the cache keeps it: its fields in order, its files as paths relative to
    the bank. A row, not a mapping: 50,000 questions write and read back a third faster."""
    if isinstance(q.checks, CaseChecks):
        checks = ["cases", q.checks.cases, q.checks.tolerance, q.checks.forbid]
    else:
        checks = ["file", relative(q.checks)] if q.checks is not None else None
    examples = [[relative(e.path), e.passes] for e in q.examples]
    return (q.id, q.number, q.kind, q.prompt, q.answer, q.key_points, q.tags, q.contract,
            q.starter, q.hints, relative(q.solution), q.time_limit, checks, examples,
            q.mistakes)  # fmt: skip


def _question_of(row: list, solution) -> Question:
    """The question a cached row holds, its files resolved by `solution(name)`."""
    (qid, number, kind, prompt, answer, key_points, tags, contract, starter, hints, name, limit,
     checks, examples, mistakes) = row  # fmt: skip
    if checks is None:
        resolved_checks = None
    elif checks[0] == "cases":
        resolved_checks = CaseChecks(tuple(checks[1]), checks[2], tuple(checks[3]))
    else:
        resolved_checks = solution(checks[1])
    return Question(
        id=qid,
        number=number,
        kind=kind,
        prompt=prompt,
        answer=answer,
        key_points=tuple(key_points),
        tags=tuple(tags),
        contract=tuple(contract),
        starter=starter,
        hints=tuple(hints),
        solution=solution(name),
        time_limit=limit,
        checks=resolved_checks,
        examples=tuple(Example(solution(path), passes) for path, passes in examples),
        mistakes=tuple(mistakes),
    )


def _parse(path: Path, text: str) -> Bank:
    """The quick reading where it vouches for the document and finds no problem in it;
    otherwise PyYAML's, whose nodes give every problem its line."""
    try:
        return _Validator(path, positions=False).bank(None, quick_yaml.read(text))
    except (quick_yaml.Declined, _NeedsPositions):
        pass  # read again below, once this exception no longer holds the first reading
    return _parse_with_positions(path, text)


def _parse_with_positions(path: Path, text: str) -> Bank:
    """PyYAML's reading, which keeps every node's line for the messages."""
    try:
        loader = _SafeLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BankError([f"{path}{line}: invalid YAML: {problem}"]) from None
    except RecursionError:
        raise BankError([f"{path}: invalid YAML: nested too deeply"]) from None
    try:
        return _Validator(path).bank(root, data)
    except BankError as exc:
        problems = exc.problems
    # A fresh error, raised once the nodes are gone: the first one's traceback keeps them,
    # and the collector would walk all of them when it resumes.
    del loader, root, data
    raise BankError(problems)


def _number(text: str) -> float | str:
    """text as a float where Python reads it as one (`1e-6`), else text unchanged."""
    try:
        return float(text)
    except ValueError:
        return text


def _expression_error(text: str) -> str | None:
    """Why text is not one Python expression, or None if it is."""
    try:
        ast.parse(text, mode="eval")
    except SyntaxError as exc:
        return f"is not a Python expression: {exc.msg}"
    return None


def _stripped_texts(values: list) -> tuple[str, ...] | None:
    """Each of `values` stripped, or None if any is not text."""
    if not all(map(_is_text, values)):
        return None
    return tuple([value.strip() for value in values])


_is_text = str.__instancecheck__
"""`isinstance(value, str)` as a function that `map` calls without a Python frame."""


class _NeedsPositions(Exception):
    """A validator without the document's nodes met a problem it cannot place."""


class _Validator:
    """Checks the parsed document against the schema, collecting every problem.

    Without `positions` no nodes are given (every node argument is None), and the first
    problem raises `_NeedsPositions`: the caller reads the file again with PyYAML's nodes
    and validates once more, so every message still names its line.
    """

    def __init__(self, path: Path, positions: bool = True):
        self.path = path
        self.positions = positions
        self.problems: list[str] = []
        # Many questions share a starter or a solution file: each is checked once.
        self._starter_errors: dict[str, str | None] = {}
        self._solutions: dict[str, Path | None] = {}

    def fail(self, node: yaml.Node | None, message: str) -> None:
        if not self.positions:
            raise _NeedsPositions(message)
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        self.problems.append(f"{self.path}{line}: {message}")

    def bank(self, root: yaml.Node | None, data) -> Bank:
        if not isinstance(data, dict):
            self.fail(root, "a bank is a mapping with keys bank, title and questions")
            raise BankError(self.problems)
        value_nodes: dict[str, yaml.Node] = {}
        fields = self._keys(root, value_nodes)
        if not self._text_keys(data, root, "the bank"):
            raise BankError(self.problems)
        for key in sorted(set(data) - _BANK_FIELDS):
            self.fail(fields.get(key, root), f"unknown top-level field '{key}'")
        for key in ("bank", "title"):
            if not isinstance(data.get(key), str) or not data.get(key, "").strip():
                self.fail(fields.get(key, root), f"'{key}' must be a non-empty string")
        items = data.get("questions")
        items_node = value_nodes.get("questions")
        listed = not self.positions or isinstance(items_node, yaml.SequenceNode)
        if not isinstance(items, list) or not items or not listed:
            self.fail(fields.get("questions", root), "'questions' must be a non-empty list")
            raise BankError(self.problems)
        words = self._words(data.get("words", {}), fields.get("words", root))
        item_nodes = items_node.value if self.positions else [None] * len(items)
        questions: list[Question] = []
        seen: dict[str, yaml.Node | None] = {}
        numbers: dict[int, yaml.Node | None] = {}
        for item, node in zip(items, item_nodes, strict=True):
            question = self.question(item, node)
            if question is None:
                continue
            for key, first_seen, what in (
                (question.id, seen, f"duplicate id '{question.id}'"),
                (question.number, numbers, f"question '{question.id}': number {question.number}"
                 " is already used"),
            ):  # fmt: skip
                if key in first_seen:
                    if not self.positions:
                        raise _NeedsPositions(what)
                    first = first_seen[key].start_mark.line + 1
                    self.fail(node, f"{what} (first at line {first})")
                    break
            else:
                seen[question.id] = node
                numbers[question.number] = node
                questions.append(question)
        if self.problems:
            raise BankError(self.problems)
        return Bank(
            name=data["bank"].strip(),
            title=data["title"].strip(),
            path=self.path,
            questions=questions,
            words=words,
        )

    def _words(self, words, node) -> dict[str, tuple[str, ...]]:
        """The bank's synonyms: each word maps to a list of words that mean the same here."""
        if not isinstance(words, dict) or not all(map(_is_text, words)):
            self.fail(node, "'words' must map each word to a list of words meaning the same")
            return {}
        found = {}
        for word, same in words.items():
            stripped = _stripped_texts(same) if isinstance(same, list) else None
            if not word.strip() or not stripped or not all(stripped):
                self.fail(node, f"words: '{word}' must map to a list of non-empty words")
                continue
            found[word.strip()] = stripped
        return found

    def _text_keys(self, data: dict, node: yaml.Node, label: str) -> bool:
        """Report each field name YAML read as something other than text (`yes:`, `1:`, `~:`)."""
        if all(map(_is_text, data)):
            return True
        pairs = node.value if isinstance(node, yaml.MappingNode) else []
        odd = [key for key, _ in pairs if key.tag != "tag:yaml.org,2002:str"]
        for key in odd:
            self.fail(key, f"{label}: field name '{key.value}' is not text; quote it")
        if not odd:
            self.fail(node, f"{label}: every field name must be text")
        return False

    def _keys(self, node: yaml.Node, values: dict | None = None) -> dict[str, yaml.Node]:
        """Map each key of a mapping node to its key node, reporting duplicated keys.

        `values`, when given, receives each key's value node."""
        keys: dict[str, yaml.Node] = {}
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value in keys:
                    self.fail(key_node, f"field '{key_node.value}' appears twice")
                keys[key_node.value] = key_node
                if values is not None:
                    values[key_node.value] = value_node
        return keys

    def question(self, item, node: yaml.Node) -> Question | None:
        if not isinstance(item, dict):
            self.fail(node, "each question must be a mapping of fields")
            return None
        fields = self._keys(node)
        before = len(self.problems)
        label = f"question '{item['id']}'" if isinstance(item.get("id"), str) else "question"
        if not self._text_keys(item, node, label):
            return None
        kind = item.get("kind")
        if kind not in KINDS:
            self.fail(fields.get("kind", node), f"{label}: 'kind' must be recall or code")
        allowed = _ALLOWED[kind == "code"]
        if not item.keys() <= allowed:
            for key in item:
                if key not in allowed:
                    where = "on a recall question" if key in _CODE_FIELDS else ""
                    message = f"{label}: unknown field '{key}' {where}".rstrip()
                    self.fail(fields.get(key, node), message)
        for key in sorted(_REQUIRED[kind == "code"] - item.keys()):
            self.fail(node, f"{label}: missing field '{key}'")
        if len(self.problems) > before:
            return None

        def at(key: str) -> yaml.Node:
            return fields.get(key, node)

        qid = item["id"]
        if not isinstance(qid, str) or not ID_PATTERN.fullmatch(qid):
            self.fail(at("id"), f"{label}: id must be a lowercase slug like 'my-question'")
        number = item["number"]
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            self.fail(at("number"), f"{label}: 'number' must be a positive integer")
        for key in ("prompt", "answer"):
            if not isinstance(item[key], str) or not item[key].strip():
                self.fail(at(key), f"{label}: '{key}' must be non-empty text")
        key_points = self._strings(item, "key_points", at, label, 2, 5)
        tags = self._strings(item, "tags", at, label, 0, 20)
        mistakes = self._strings(item, "mistakes", at, label, 1, 20) if "mistakes" in item else ()
        time_limit = item.get("time_limit", DEFAULT_TIME_LIMIT)
        if (
            isinstance(time_limit, bool)
            or not isinstance(time_limit, int | float)
            or not (0 < time_limit <= 600)
        ):
            self.fail(at("time_limit"), f"{label}: 'time_limit' must be seconds, 0 < t <= 600")
        code: dict = {}
        if kind == "code":
            code = self._code_fields(item, at, label)
        if len(self.problems) > before:
            return None
        return Question(
            id=qid,
            number=number,
            kind=kind,
            prompt=item["prompt"].strip(),
            answer=item["answer"].strip(),
            key_points=key_points,
            tags=tags,
            time_limit=float(time_limit),
            mistakes=mistakes,
            **code,
        )

    def _strings(self, item, key, at, label, least, most) -> tuple[str, ...]:
        values = item[key]
        stripped = _stripped_texts(values) if isinstance(values, list) else None
        if stripped is None or not all(stripped):
            self.fail(at(key), f"{label}: '{key}' must be a list of non-empty strings")
            return ()
        if not least <= len(values) <= most:
            self.fail(
                at(key), f"{label}: '{key}' needs {least} to {most} entries, has {len(values)}"
            )
        return stripped

    def _code_fields(self, item, at, label) -> dict:
        contract = self._strings(item, "contract", at, label, 1, 10)
        for name in contract:
            if not name.isidentifier():
                self.fail(at("contract"), f"{label}: contract name '{name}' is not an identifier")
        hints = self._strings(item, "hints", at, label, 1, 3)
        starter = item["starter"]
        if not isinstance(starter, str):
            self.fail(at("starter"), f"{label}: 'starter' must be text")
            starter = ""
        else:
            error = self._starter_error(starter)
            if error is not None:
                self.fail(at("starter"), f"{label}: starter code is not valid Python: {error}")
        return {
            "contract": contract,
            "hints": hints,
            "starter": starter,
            "solution": self._file(item, "solution", at, label),
            "checks": self._checks(item, at, label),
            "examples": self._examples(item, at, label),
        }

    def _file(self, item, key, at, label, name=None) -> Path | None:
        """The file a field names, beside the bank; a problem if it is not there."""
        name = item[key] if name is None else name
        if not isinstance(name, str) or not name.strip():
            self.fail(at(key), f"{label}: '{key}' must be a path relative to the bank")
            return None
        resolved = self._solution(name.strip())
        if resolved is None:
            self.fail(at(key), f"{label}: {key} file {name} not found")
        return resolved

    def _checks(self, item, at, label) -> CaseChecks | Path | None:
        """A checks file, or calls to compare with the reference's (`cases`, `forbid`...)."""
        checks = item["checks"]
        if isinstance(checks, str):
            return self._file(item, "checks", at, label)
        if not isinstance(checks, dict) or not all(map(_is_text, checks)):
            self.fail(at("checks"), f"{label}: 'checks' must be a file or a mapping with cases")
            return None
        for key in sorted(set(checks) - _CASE_FIELDS):
            self.fail(at("checks"), f"{label}: unknown field '{key}' in checks")
        cases = checks.get("cases")
        stripped = _stripped_texts(cases) if isinstance(cases, list) else None
        if not stripped or not all(stripped):
            self.fail(at("checks"), f"{label}: checks: 'cases' must be a list of calls")
            return None
        for case in stripped:
            problem = _expression_error(case)
            if problem:
                self.fail(at("checks"), f"{label}: checks: case '{case}' {problem}")
        tolerance = checks.get("tolerance")
        if isinstance(tolerance, str):  # YAML 1.1 reads 1e-6 (no dot) as text
            tolerance = _number(tolerance)
        if tolerance is not None and (
            isinstance(tolerance, bool)
            or not isinstance(tolerance, int | float)
            or not 0 <= tolerance < float("inf")  # also false for nan
        ):
            self.fail(at("checks"), f"{label}: checks: 'tolerance' must be a finite number >= 0")
            tolerance = None
        forbid = checks.get("forbid", [])
        names = _stripped_texts(forbid) if isinstance(forbid, list) else None
        if names is None or not all(DOTTED_NAME.match(name) for name in names):
            self.fail(
                at("checks"), f"{label}: checks: 'forbid' must list dotted names like torch.softmax"
            )
            names = ()
        return CaseChecks(
            stripped, float(tolerance) if tolerance is not None else None, tuple(names)
        )

    def _examples(self, item, at, label) -> tuple[Example, ...]:
        """Answers kept beside the question: `right` ones must pass its checks, `wrong` fail."""
        examples = item.get("examples", {})
        if not isinstance(examples, dict) or not set(examples) <= {"right", "wrong"}:
            self.fail(at("examples"), f"{label}: 'examples' must map right and wrong to files")
            return ()
        found = []
        for verdict, passes in (("right", True), ("wrong", False)):
            names = examples.get(verdict, [])
            if not isinstance(names, list):
                self.fail(at("examples"), f"{label}: examples: '{verdict}' must be a list of files")
                continue
            for name in names:
                path = self._file(item, "examples", at, label, name=name)
                if path is not None:
                    found.append(Example(path, passes))
        return tuple(found)

    def _starter_error(self, starter: str) -> str | None:
        if starter not in self._starter_errors:
            try:
                compile(starter, "<starter>", "exec")
                self._starter_errors[starter] = None
            except SyntaxError as exc:
                self._starter_errors[starter] = exc.msg
        return self._starter_errors[starter]

    def _solution(self, name: str) -> Path | None:
        """The solution file `name` resolved beside the bank, or None if there is none."""
        if name not in self._solutions:
            found = (self.path.parent / name).resolve()
            self._solutions[name] = found if found.is_file() else None
        return self._solutions[name]
