"""A code question's checks as its bank gives them: one object to judge with in quiz's process,
and what the sandboxed child needs to build the same probe, sent with every request as text.

The child never reads a bank: the checks file's text travels in the request, as does the
reference solution's, so the sandbox can keep every bank out of the child's reach."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quiz.bank import CaseChecks, Question
from quiz.errors import QuizError
from quiz.grader.cases import CasesChecks
from quiz.grader.limits import DEFAULT_MEMORY_BUDGET
from quiz.inputs import read_capped

CHECKS_LIMIT = 1 << 20  # bytes of a checks file


@dataclass(frozen=True)
class QuestionChecks:
    module: Any
    """`judge(run, reference)`, and optionally `explain`, `plot`, `NEEDS_REFERENCE`..."""
    spec: dict
    """What the child builds the probe from (see `probe_module`)."""

    @property
    def needs_reference(self) -> bool:
        return getattr(self.module, "NEEDS_REFERENCE", True)

    @property
    def memory_budget(self) -> int:
        return getattr(self.module, "MEMORY_BUDGET", DEFAULT_MEMORY_BUDGET)


def checks_for(question: Question) -> QuestionChecks:
    """The question's checks; a QuizError naming the file when they cannot be loaded."""
    checks = question.checks
    if isinstance(checks, CaseChecks):
        spec = {
            "cases": list(checks.cases),
            "forbid": list(checks.forbid),
            "tolerance": checks.tolerance,
            "names": list(question.contract),
        }
        return QuestionChecks(probe_module(spec), spec)
    if isinstance(checks, Path):
        source = read_capped(checks, CHECKS_LIMIT, "a checks file").decode("utf-8", "replace")
        spec = {"file": str(checks), "source": source}
        return QuestionChecks(probe_module(spec), spec)
    raise QuizError(f"code question '{question.id}' has no checks: give it `checks:` in its bank")


def probe_module(spec: dict):
    """The checks module a spec describes; the same call builds it in the child and the parent."""
    if "cases" in spec:
        return CasesChecks(spec["cases"], spec["forbid"], spec["tolerance"], spec["names"])
    return module_from_source(spec["source"], spec["file"])


def module_from_source(source: str, filename: str) -> types.ModuleType:
    """Run a checks file's text as a fresh module, kept out of sys.modules afterwards."""
    name = "quiz_bank_checks_" + "".join(c if c.isalnum() else "_" for c in Path(filename).stem)
    module = types.ModuleType(name)
    module.__file__ = filename
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        message = f"{filename}:{exc.lineno}: the checks file is not valid Python: {exc.msg}"
        raise QuizError(message) from None
    sys.modules[name] = module  # dataclasses look their module up while a class is made
    try:
        exec(code, module.__dict__)
    except Exception as exc:  # noqa: BLE001 - a bank's file may raise anything
        raise QuizError(f"{filename}: the checks file failed to load: {exc!r}") from None
    finally:
        sys.modules.pop(name, None)
    if not callable(getattr(module, "judge", None)) or not callable(getattr(module, "probe", None)):
        raise QuizError(f"{filename}: a checks file must define probe(p) and judge(run, reference)")
    return module
