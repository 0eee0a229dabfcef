"""Reference for `zip-pairs`: pair two sequences element by element."""


def pair_up(a, b):
    return list(zip(a, b))  # noqa: B905 - zip stops at the shorter, as the book shows
