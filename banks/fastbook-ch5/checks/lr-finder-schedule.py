"""lr-finder-schedule: `lr_finder_schedule(start_lr, end_lr, n)`, the learning rate finder's n
rates from start_lr to end_lr, each the one before times the same factor."""

from __future__ import annotations

from quiz.checks import CheckResult, Probe, Run, same_as_reference

RTOL, ATOL = 1e-6, 0.0  # relative only: the first rates are as small as 1e-7
MISTAKES = {
    "evenly spaced": (
        "Those rates grow by the same amount each step, so nearly all of them sit near end_lr "
        "and the small rates are skipped. The finder multiplies the rate by the same factor "
        "each step, (end_lr / start_lr) ** (1 / (n - 1)), giving as many steps from 1e-6 to "
        "1e-5 as from 0.1 to 1."
    ),
    "stops short": (
        "The last rate should be end_lr itself: with n rates there are n - 1 steps between "
        "them, so raise the ratio to i / (n - 1), not i / n."
    ),
}
CASES = [
    (1e-3, 1e-1, 2),  # two rates: any spacing gives start and end
    (1e-7, 10.0, 9),  # fastai's lr_find default range
    (1e-5, 1e-1, 5),
    (1e-4, 3.0, 12),
]


def probe(p: Probe) -> None:
    lr_finder_schedule = p.function("lr_finder_schedule")
    for start, end, n in CASES:
        ratio = end / start
        mistakes = {
            "evenly spaced": [start + (end - start) * i / (n - 1) for i in range(n)],
            "stops short": [start * ratio ** (i / n) for i in range(n)],
        }
        p.call_each("lr_finder_schedule", lr_finder_schedule, [(start, end, n)], mistakes=mistakes)


def judge(run: Run, reference: Run) -> list[CheckResult]:
    return same_as_reference(run, reference, mistakes=MISTAKES, hint=_hint, rtol=RTOL, atol=ATOL)


def _hint(expected, got) -> str | None:
    if not isinstance(got.value, list):
        return "Return a plain Python list of floats."
    if len(got.value) != len(expected.value):
        return "Return exactly n rates, the first start_lr and the last end_lr."
    return None
