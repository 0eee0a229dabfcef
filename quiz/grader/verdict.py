"""What a check found, as plain dataclasses that turn into JSON with `to_dict()`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# The kinds of GraderError, each a way the learner's code can stop short of a result.
SYNTAX = "syntax"  # the code does not parse
EXCEPTION = "exception"  # the code raised while loading
MISSING_NAME = "missing-name"  # the code defines no `double_odds`, or not as a function
TIMEOUT = "timeout"  # wall-clock or CPU time limit reached
MEMORY = "memory"  # an allocation went past the memory limit
EXITED = "exited"  # sys.exit(), os._exit() or similar before a result
OUTPUT_LIMIT = "output-limit"  # printed (or returned) far more than can be kept
CRASHED = "crashed"  # killed by a signal such as SIGSEGV
INTERNAL = "internal"  # the grader itself failed: a bug, not the learner's doing


@dataclass
class CheckResult:
    """One thing that was checked, e.g. one call of the learner's function."""

    name: str
    passed: bool
    message: str
    expected: str | None = None
    got: str | None = None


@dataclass
class GraderError:
    """Why the learner's code produced no result, worded for the learner.

    `line` is the line of their code it points at; `detail` holds the caret text of a
    syntax error or the traceback trimmed to their own frames."""

    kind: str
    message: str
    line: int | None = None
    detail: str | None = None


@dataclass
class Verdict:
    """The outcome of checking one answer to one code question."""

    question_id: str
    passed: bool
    checks: list[CheckResult] = field(default_factory=list)
    error: GraderError | None = None
    output: str = ""
    duration_s: float = 0.0
    plot: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Verdict:
        error = data.get("error")
        return cls(
            question_id=data["question_id"],
            passed=data["passed"],
            checks=[CheckResult(**check) for check in data.get("checks", [])],
            error=GraderError(**error) if error else None,
            output=data.get("output", ""),
            duration_s=data.get("duration_s", 0.0),
            plot=data.get("plot"),
        )
