"""Runs a learner's code in a sandboxed child process and judges its values in the parent.

    with Checker() as checker:
        verdict = checker.check("my-question", source)

Importing this package loads neither torch nor numpy: only the worker process does. Nor does
it load the Checker until asked, so the background worker's thin client stays quick to start.
"""

from quiz.grader.verdict import CheckResult, GraderError, Verdict

__all__ = ["Checker", "CheckResult", "GraderError", "Verdict"]


def __getattr__(name: str):
    if name == "Checker":
        from quiz.grader.checker import Checker

        return Checker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
