"""softmax: `softmax(x)` along the last axis of a tensor of any rank, written by hand and
finite for large activations."""

from __future__ import annotations

import math

from quiz.checks import (
    CallFailed,
    CheckResult,
    Probe,
    Run,
    forbidden_check,
    same_as_reference,
)

FORBIDDEN = {"softmax", "Softmax", "log_softmax", "LogSoftmax"}
OWN = frozenset({"_softmax", "_log_softmax"})  # torch's own, as aten names them
INSTEAD = "Use exp and sum: e = x.exp(), then e / e.sum(dim=-1, keepdim=True)."
MISTAKES = {
    "whole tensor": (
        "Those values sum to 1 over the whole tensor. Softmax normalises each row on its own: "
        "sum the exps along the last axis, .sum(dim=-1, keepdim=True)."
    ),
    "first axis": (
        "That normalises along the first axis. The classes are on the last axis, so sum with "
        "dim=-1, which also works whatever the tensor's rank."
    ),
    "axis 1": (
        "That normalises along axis 1, which is the last axis only for a 2-D tensor. Use "
        "dim=-1 so the sum runs over the classes whatever the tensor's rank."
    ),
    "no exp": (
        "Dividing the activations by their sum is not softmax: take exp first, so that every "
        "value is positive and the largest activation stands out."
    ),
}


def probe(p: Probe) -> None:
    import torch

    softmax = p.function("softmax")
    rank_3 = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(5))
    cases = [
        ("softmax of the bear activations, [0.02, -2.49, 1.25]", torch.tensor([0.02, -2.49, 1.25])),
        (
            "softmax of two rows, [[0.02, -2.49, 1.25], [1.0, 1.0, 1.0]]",
            torch.tensor([[0.02, -2.49, 1.25], [1.0, 1.0, 1.0]]),
        ),
        ("softmax of a rank-3 tensor, torch.randn(2, 3, 4)", rank_3),
        (
            "softmax of large activations, [[1000, 1001, 1002, 1003], [-1000, 0, 1000, 10]]",
            torch.tensor([[1000.0, 1001.0, 1002.0, 1003.0], [-1000.0, 0.0, 1000.0, 10.0]]),
        ),
    ]
    for label, x in cases:
        mistakes = {
            "whole tensor": _stable(x.flatten()).reshape(x.shape),
            "first axis": _stable(x.movedim(0, -1)).movedim(-1, 0),
            "no exp": x / x.sum(dim=-1, keepdim=True),
        }
        if x.dim() > 2:
            mistakes["axis 1"] = _stable(x.movedim(1, -1)).movedim(-1, 1)
        try:
            p.call(label, softmax, x.clone(), mistakes=mistakes, watch=OWN)
        except CallFailed:
            pass  # recorded; the other inputs are independent of this one


def _stable(x):
    exps = (x - x.max(dim=-1, keepdim=True).values).exp()
    return exps / exps.sum(dim=-1, keepdim=True)


def judge(run: Run, reference: Run) -> list[CheckResult]:
    return [
        forbidden_check(run, FORBIDDEN, INSTEAD),
        *same_as_reference(run, reference, mistakes=MISTAKES, hint=_hint, error_hint=_error_hint),
    ]


def _hint(expected, got) -> str | None:
    values = getattr(got.value, "values", None)
    if values and any(isinstance(v, float) and not math.isfinite(v) for v in values):
        return (
            "Some values are nan: exp(1000) overflows to inf, and inf / inf is nan. Subtract each "
            "row's largest value first (x - x.max(dim=-1, keepdim=True).values); the result is "
            "the same, since the factor cancels above and below the line."
        )
    return None


def _error_hint(error) -> str | None:
    if "out of range" in error.message:
        return "A 1-D tensor has only one axis: dim=-1 names the last axis whatever the rank."
    return None
