"""A bank's own synonyms for the recall marker: word -> words meaning the same in that bank,
layered over quiz's general English ones (`quiz.wording.vocabulary`)."""

from __future__ import annotations

import yaml

from quiz.bank import Bank
from quiz.errors import QuizError

WORDS_FILE = "words.yaml"
"""Where a bank's words sit beside its questions while the bank file cannot carry them."""


def bank_words(bank: Bank) -> dict[str, tuple[str, ...]]:
    """A bank's own synonyms for the marker (word -> words meaning the same there): its
    `words:` where the bank carries them, else the `words:` of a `words.yaml` beside it."""
    carried = getattr(bank, "words", None)
    if carried is not None:
        return {word: tuple(same) for word, same in carried.items()}
    path = bank.path.with_name(WORDS_FILE)
    if not path.is_file():
        return {}
    try:
        words = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("words")
    except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError):
        raise QuizError(f"{path}: cannot read it as YAML with a 'words:' mapping") from None
    if not isinstance(words, dict) or not all(
        isinstance(w, str) and isinstance(same, list) and all(isinstance(s, str) for s in same)
        for w, same in words.items()
    ):
        raise QuizError(f"{path}: 'words' must map each word to a list of words")
    return {word: tuple(same) for word, same in words.items()}
