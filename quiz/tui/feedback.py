"""What the app tells a learner about an answer: key points covered and a suggested grade.

Pure functions with no Textual in sight, so the rules are tested on their own.
The word match is deliberately crude: the learner grades, the app only suggests.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

STOP_WORDS = frozenset(
    """a an the of to in on at by for from with and or but not no is are was were be been
    it its this that these those as into than then so such each e g eg ie i you we they he
    she them their our your can do does if one all any which what how why when where who
    has have had per like would""".split()
)
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ing", "ies", "ied", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """Crude suffix stripping: 'averaging', 'averages' and 'averaged' all become 'averag'."""
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def significant_words(text: str, join_hyphens: bool = True) -> list[str]:
    """Lowercased, punctuation-free, stemmed words of `text`, without stop words.

    Hyphenated words are joined ('2-D' is '2d'); with `join_hyphens` off they are split.
    """
    text = text.lower()
    text = re.sub(r"(?<=[a-z0-9])-(?=[a-z0-9])", "" if join_hyphens else " ", text)
    words = []
    for word in _WORD.findall(text):
        if word in STOP_WORDS or (len(word) == 1 and not word.isdigit()):
            continue
        if word.endswith("our") and len(word) > 5:
            word = word[:-2] + "r"  # colour, behaviour: one spelling
        words.append(stem(word))
    return words


def answer_words(answer: str) -> set[str]:
    """Every form of the answer's words a key point may be matched against."""
    return set(significant_words(answer)) | set(significant_words(answer, join_hyphens=False))


def key_point_covered(point: str, answer_words: set[str]) -> bool:
    """A key point counts as covered when most of its significant words appear in the answer."""
    outside_brackets = re.sub(r"\([^)]*\)", " ", point)
    words = set(significant_words(outside_brackets)) or set(significant_words(point))
    if not words:
        return False
    needed = max(1, math.ceil(0.6 * len(words)))
    return len(words & answer_words) >= needed


def covered_key_points(answer: str, key_points: tuple[str, ...]) -> list[bool]:
    words = answer_words(answer)
    return [key_point_covered(point, words) for point in key_points]


def suggest_recall_grade(answer: str, covered: list[bool]) -> int:
    """5 when every key point is there, down to 0 for a blank answer."""
    if not answer.strip():
        return 0
    share = sum(covered) / len(covered) if covered else 0.0
    if share == 1.0:
        return 5
    if share >= 0.75:
        return 4
    if share >= 0.5:
        return 3
    return 2 if share > 0 else 1


@dataclass(frozen=True)
class CodeAttempt:
    """How a coding question went: every run's outcome, hints taken, whether code changed."""

    runs: tuple[bool, ...] = ()
    best_checks_passed: int = 0
    hints_used: int = 0
    edited: bool = False

    @property
    def passed(self) -> bool:
        return any(self.runs)

    @property
    def first_run_passed(self) -> bool | None:
        return self.runs[0] if self.runs else None

    @property
    def summary(self) -> str:
        """How it went, in words: "passed after 2 runs, 1 hint" or "checks never run"."""
        if not self.runs:
            return "checks never run"
        runs = f"{len(self.runs)} run{'s' if len(self.runs) > 1 else ''}"
        hints = f", {self.hints_used} hint{'s' if self.hints_used != 1 else ''}"
        outcome = "passed" if self.passed else "never passed"
        return f"{outcome} after {runs}{hints if self.hints_used else ''}"


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


def days_text(count: int) -> str:
    """'1 day', '3 days'."""
    return f"{count} day{'' if count == 1 else 's'}"


def questions_come(count: int) -> str:
    """'question comes' for one, 'questions come' for any other count."""
    return "question comes" if count == 1 else "questions come"
