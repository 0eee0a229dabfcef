"""Small wording helpers the screens share; the grade suggestions live in the core
(`quiz.recall`, `quiz.code_attempt`)."""

from __future__ import annotations


def days_text(count: int) -> str:
    """'1 day', '3 days'."""
    return f"{count} day{'' if count == 1 else 's'}"


def questions_come(count: int) -> str:
    """'question comes' for one, 'questions come' for any other count."""
    return "question comes" if count == 1 else "questions come"
