"""tensor-3x3: module-level `t` (1 to 9 as 3x3), `doubled`, and `bottom_right` (a 2x2 of doubled).

Torch tensors and NumPy arrays both count; values and shapes must match.
"""

from __future__ import annotations

import re

from quiz.checks import Array, CheckResult, as_floats, compare, not_reached

NAMES = ("t", "doubled", "bottom_right")
ARANGE_TO_9 = re.compile(r"arange\(\s*1\s*,\s*9\s*[,)]")
ROWS_TWICE = re.compile(r"\[[^\[\]]*:[^\[\]]*\]\s*\[[^\[\]]*:[^\[\]]*\]")


def probe(p) -> None:
    for name in NAMES:
        p.record(name, p.value(name))


def judge(run, reference) -> list[CheckResult]:
    results = []
    for name in NAMES:
        got = run.observations.get(name)
        if got is None:
            results.append(not_reached(name))
            continue
        results.append(
            compare(
                reference.observations[name], got, hint=lambda e, g, n=name: _hint(n, g, run.source)
            )
        )
    return results


def _hint(name: str, got, source: str) -> str | None:
    values = as_floats(got.value)
    if (
        values is not None
        and [int(v) for v in values[:8]] == list(range(1, 9))
        and len(values) == 8
    ):
        return "torch.arange's end is exclusive: arange(1, 9) stops at 8; use arange(1, 10)."
    if name == "bottom_right" and ROWS_TWICE.search(source):
        return (
            "x[1:][1:] slices rows twice (the second [1:] picks rows again, not columns); "
            "index both dimensions in one bracket: doubled[1:, 1:]."
        )
    if name == "bottom_right" and isinstance(got.value, Array) and got.value.shape == (1, 3):
        return "That is one row; the bottom-right four numbers are rows 1: and columns 1:."
    return None


def explain(error, source: str) -> str | None:
    if "input of size 8" in error.message or ARANGE_TO_9.search(source):
        return (
            "torch.arange's end is exclusive: arange(1, 9) holds only 8 numbers; use arange(1, 10)."
        )
    return None
