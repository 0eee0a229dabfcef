"""rmse-l1: `rmse(a, b)` and `l1(a, b)` on float tensors, each returning a 0-d tensor."""

from __future__ import annotations

from quiz.checks import Array, CheckResult, same_as_reference

MISTAKES = {
    "no square root": "That is the mean squared error; RMSE takes its square root: .sqrt().",
    "l1 instead": "That is the L1 value; RMSE squares the differences, means, then takes the root.",
    "no abs": "Without .abs() the positive and negative differences cancel out.",
    "rmse instead": "That is RMSE; L1 is the mean absolute difference, (a - b).abs().mean().",
    "sum instead": "Take the mean of the differences, not their sum.",
}


def probe(p) -> None:
    import torch

    rmse, l1 = p.function("rmse"), p.function("l1")
    generator = torch.Generator().manual_seed(7)
    pairs = [
        (torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.5, 2.0, 1.0])),
        (torch.randn(4, 5, generator=generator), torch.randn(4, 5, generator=generator)),
        (torch.full((2, 3), 0.25), torch.full((2, 3), 0.25)),
    ]
    for a, b in pairs:
        d = a - b
        squared = (d**2).mean()
        for name, fn, mistakes in (
            (
                "rmse",
                rmse,
                {
                    "no square root": squared,
                    "l1 instead": d.abs().mean(),
                    "sum instead": (d**2).sum().sqrt(),
                },
            ),
            (
                "l1",
                l1,
                {"no abs": d.mean(), "rmse instead": squared.sqrt(), "sum instead": d.abs().sum()},
            ),
        ):
            p.call_each(name, fn, [(a.clone(), b.clone())], mistakes=mistakes)


def judge(run, reference) -> list[CheckResult]:
    return same_as_reference(run, reference, mistakes=MISTAKES, hint=_hint)


def _hint(expected, got) -> str | None:
    if isinstance(got.value, float):
        return "Return the 0-d tensor itself; .item() turns it into a Python float."
    if isinstance(got.value, Array) and got.value.shape != ():
        return "Average over every element with .mean() so the result is a single number."
    return None
