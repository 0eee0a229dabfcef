"""relu: `relu(x)` = max(x, 0) elementwise, without torch's own relu (clamp is fine)."""

from __future__ import annotations

from quiz.checks import CheckResult, curve_plot, forbidden_check, same_as_reference

PLOT = "relu over -2..2"
FORBIDDEN = {"relu", "relu_", "ReLU"}
MISTAKES = {
    "abs": "That is the absolute value; ReLU turns negatives into 0 instead.",
    "zeroes positives": "Keep positive values as they are and replace only the negatives with 0.",
}
OWN = frozenset({"relu", "relu_", "threshold", "threshold_"})  # torch's own, as aten names it


def probe(p) -> None:
    import torch

    relu = p.function("relu")
    x = torch.linspace(-2, 2, 41)
    p.record("plot x", x)
    p.call(
        PLOT,
        relu,
        x.clone(),
        mistakes={"abs": x.abs(), "zeroes positives": x.clamp(max=0)},
        watch=OWN,
    )
    m = torch.randn(4, 5, generator=torch.Generator().manual_seed(2))
    mistakes = {"abs": m.abs(), "zeroes positives": m.clamp(max=0)}
    p.call_each("relu", relu, [(m,)], mistakes=mistakes, watch=OWN)


def judge(run, reference) -> list[CheckResult]:
    keys = [k for k in reference.observations if k != "plot x"]
    return [
        forbidden_check(run, FORBIDDEN, "x.clamp(min=0) or torch.where(x > 0, x, 0.0) work."),
        *same_as_reference(run, reference, keys=keys, mistakes=MISTAKES),
    ]


def plot(run, reference) -> dict:
    return curve_plot(run, reference, PLOT, "plot x", "relu")
