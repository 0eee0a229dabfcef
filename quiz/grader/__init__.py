"""Runs a learner's code in a sandboxed child process and judges its values in the parent.

    with Checker() as checker:
        verdict = checker.check("list-comprehension", source)

Importing this package loads neither torch nor numpy: only the worker process does.
"""

from quiz.grader.checker import Checker
from quiz.grader.verdict import CheckResult, GraderError, Verdict

__all__ = ["Checker", "CheckResult", "GraderError", "Verdict"]
