"""How a coding attempt went, and the grade it suggests on SM-2's scale."""

from __future__ import annotations

from dataclasses import dataclass

from quiz.counts import counted


@dataclass(frozen=True)
class CodeAttempt:
    """How a coding question went: every run's outcome, hints taken, whether code changed."""

    runs: tuple[bool, ...] = ()
    best_checks_passed: int = 0
    hints_used: int = 0
    edited: bool = False
    could_not_run: bool = False
    """The checks were asked for but could not run here (the MNIST files missing, say)."""

    @property
    def passed(self) -> bool:
        return any(self.runs)

    @property
    def first_run_passed(self) -> bool | None:
        return self.runs[0] if self.runs else None

    @property
    def summary(self) -> str:
        """How it went, in words: "passed after 2 runs, 1 hint", "checks never run", or, when
        later runs came after the first pass, "passed on run 1; the last of 3 runs failed"."""
        if not self.runs:
            return "the checks could not run here" if self.could_not_run else "checks never run"
        hints = f", {counted(self.hints_used, 'hint')}" if self.hints_used else ""
        runs = counted(len(self.runs), "run")
        if not self.passed:
            return f"never passed after {runs}{hints}"
        first_pass = self.runs.index(True) + 1
        if first_pass == len(self.runs):
            return f"passed after {runs}{hints}"
        last = "passed" if self.runs[-1] else "failed"
        return f"passed on run {first_pass}{hints}; the last of {runs} {last}"


def suggest_code_grade(attempt: CodeAttempt) -> int:
    """SM-2's scale for code: 5 passed first time unaided, 4 or 3 with help, 2 or lower gave up."""
    if attempt.passed:
        failed_before = attempt.runs.index(True)
        help_needed = failed_before + attempt.hints_used
        if help_needed == 0:
            return 5
        return 4 if help_needed == 1 else 3
    if attempt.best_checks_passed > 0:
        return 2
    return 1 if attempt.runs or attempt.edited else 0
