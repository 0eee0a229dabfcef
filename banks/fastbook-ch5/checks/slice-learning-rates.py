"""slice-learning-rates: `lrs_from_slice(lr, n_groups)`, each parameter group's learning rate
as fastai derives it from a number or a slice."""

from __future__ import annotations

from quiz.checks import CheckResult, Probe, Run, same_as_reference

# Learning rates are small: compare them relative to their size, with no absolute slack that
# would let 1e-6 pass for 1e-5.
RTOL, ATOL = 1e-6, 0.0
MISTAKES = {
    "evenly spaced": (
        "Those rates are evenly spaced, adding the same amount each step. fastai spaces them "
        "multiplicatively: each group's rate is the one before times the same factor, "
        "(stop / start) ** (1 / (n_groups - 1)), so slice(1e-5, 1e-3) over 3 groups gives "
        "1e-5, 1e-4, 1e-3."
    ),
    "stop everywhere": (
        "slice(stop) with no start gives the last group stop and every other group stop / 10, "
        "so the pretrained layers move more slowly than the head."
    ),
    "reversed": (
        "The first group holds the earliest, pretrained layers and gets the smallest rate; "
        "the last group (the new head) gets stop."
    ),
}
CASES = [
    (1e-3, 3),
    (slice(1e-5, 1e-3), 2),  # two groups: evenly and geometrically spaced agree here
    (slice(1e-5, 1e-3), 3),
    (slice(1e-6, 1e-2), 5),
    (slice(3e-5, 3e-3), 4),
    (slice(None, 1e-3), 3),
    (slice(None, 2e-2), 1),
    (slice(1e-4, 1e-2), 1),
]


def probe(p: Probe) -> None:
    lrs_from_slice = p.function("lrs_from_slice")
    for lr, n in CASES:
        p.call_each("lrs_from_slice", lrs_from_slice, [(lr, n)], mistakes=_mistakes(lr, n))


def _mistakes(lr, n: int) -> dict:
    if not isinstance(lr, slice):
        return {}
    if lr.start is None:
        return {"stop everywhere": [lr.stop] * n}
    if n < 2:
        return {}
    even = [lr.start + (lr.stop - lr.start) * i / (n - 1) for i in range(n)]
    factor = (lr.stop / lr.start) ** (1 / (n - 1))
    return {"evenly spaced": even, "reversed": [lr.stop / factor**i for i in range(n)]}


def judge(run: Run, reference: Run) -> list[CheckResult]:
    return same_as_reference(run, reference, mistakes=MISTAKES, hint=_hint, rtol=RTOL, atol=ATOL)


def _hint(expected, got) -> str | None:
    if not isinstance(got.value, list):
        return "Return a plain Python list of floats, one per parameter group."
    if len(got.value) != len(expected.value):
        return "Return one rate per parameter group: n_groups of them, whatever lr is."
    return None
