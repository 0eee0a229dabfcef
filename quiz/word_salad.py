"""Which sentences of an answer are words without a sentence: the key points' own words in
an order that says nothing, or a run that no grammar allows ("the of and").

A learner who paraphrases brings words of their own and keeps some of the key points'
phrases whole; a shuffle or a list of the key points' words does neither. So a sentence of
six words or more counts as saying nothing when at least nine in ten of its words come from
the key points yet fewer than a third of its word pairs stand together in any key point, or
when three of its word pairs break English's order of little words (an article before a
preposition, a preposition at the end). Shorter sentences ("the validation set") count, unless
every word comes from the key points and they keep none of a key point's word pairs but turn
one round ("values random" for "random values").
"""

from __future__ import annotations

import re

from quiz.wording import GENERAL, Vocabulary, sentences, spelling, stem

SHORTEST = 6
SHORT = 2
BORROWED_AT = 0.9
KEPT_BELOW = 0.35
BROKEN_AT = 3

_ARTICLES = frozenset("the a an each every its their this these those".split())
_PREPOSITIONS = frozenset("of to in on at by for from with into over between than per".split())
_CONJUNCTIONS = frozenset("and or but nor".split())
_VERBS = frozenset("is are was were can could must would will should does do has have".split())
_WORD = re.compile(r"[a-z0-9_]+")


def _key(word: str) -> str:
    return stem(spelling(word))


def _broken_pairs(words: list[str]) -> int:
    """Word pairs that no English sentence has: "the of", "a is", "for and", "to" at the end."""
    broken = 0
    for first, then in zip(words, [*words[1:], ""], strict=True):
        after_article = _ARTICLES | _PREPOSITIONS | _CONJUNCTIONS | _VERBS | {""}
        if first in _ARTICLES and then in after_article:
            broken += 1
        elif first in _PREPOSITIONS and then in _PREPOSITIONS | _CONJUNCTIONS | _VERBS | {""}:
            broken += 1
        elif first in _CONJUNCTIONS and then in _CONJUNCTIONS | {""}:
            broken += 1
    return broken


def salad_sentences(
    answer: str, key_points: tuple[str, ...], words: Vocabulary = GENERAL
) -> frozenset[int]:
    """The indexes (as `quiz.wording.terms` numbers sentences) of the answer's sentences that
    are words without a sentence."""
    points = [
        [_key(w) for w in _WORD.findall(text)]
        for p in key_points
        for text in (p.lower(), re.sub(r"\([^)]*\)", " ", p.lower()), " ".join(sentences(p, words)))
    ]
    point_words = {w for point in points for w in point}
    point_pairs = {pair for point in points for pair in zip(point, point[1:], strict=False)}
    found = set()
    for index, text in enumerate(sentences(answer, words)):
        said = _WORD.findall(text)
        if len(said) < SHORT:
            continue
        keys = [_key(w) for w in said]
        borrowed = sum(k in point_words for k in keys) / len(keys)
        # A list's items are read apart: a pair across a comma is no phrase kept whole.
        items = [[_key(w) for w in _WORD.findall(item)] for item in text.split(",")]
        pairs = [pair for item in items for pair in zip(item, item[1:], strict=False)]
        kept = sum(pair in point_pairs for pair in pairs) / max(1, len(keys) - 1)
        if len(said) < SHORTEST:
            # A short sentence of the key points' words alone that turns one of their phrases
            # round and keeps none ("values random"), keeps none of their sense either.
            turned = any((then, first) in point_pairs for first, then in pairs)
            if borrowed == 1.0 and kept == 0.0 and turned:
                found.add(index)
        elif (borrowed >= BORROWED_AT and kept < KEPT_BELOW) or _broken_pairs(said) >= BROKEN_AT:
            found.add(index)
    return frozenset(found)
