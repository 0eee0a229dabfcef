"""sigmoid: `sigmoid(x)` = 1 / (1 + exp(-x)) elementwise, written by hand, stable for large |x|."""

from __future__ import annotations

from quiz.checks import Array, CheckResult, curve_plot, forbidden_check, same_as_reference

PLOT = "sigmoid over -6..6"
FORBIDDEN = {"sigmoid", "sigmoid_", "Sigmoid", "expit", "logistic"}
OWN = frozenset({"sigmoid", "sigmoid_", "log_sigmoid_forward"})  # torch's own, as aten names it


def probe(p) -> None:
    import torch

    sigmoid = p.function("sigmoid")
    x = torch.linspace(-6, 6, 121)
    p.record("plot x", x)
    p.call(PLOT, sigmoid, x.clone(), watch=OWN)
    large = torch.tensor([-1000.0, -100.0, -30.0, -10.0, 0.0, 10.0, 30.0, 100.0, 1000.0])
    p.call_each(
        "sigmoid",
        sigmoid,
        [(large,), (torch.randn(3, 4, generator=torch.Generator().manual_seed(1)),)],
        watch=OWN,
    )


def judge(run, reference) -> list[CheckResult]:
    keys = [k for k in reference.observations if k != "plot x"]
    return [
        forbidden_check(run, FORBIDDEN, "Use torch.exp: 1 / (1 + torch.exp(-x))."),
        *same_as_reference(run, reference, keys=keys, hint=_hint),
    ]


def _hint(expected, got) -> str | None:
    if isinstance(got.value, Array) and got.value.values is not None:
        if any(v != v for v in got.value.values):
            return (
                "Some values are nan: exp(x) overflows to inf for large x, and inf / inf is nan. "
                "1 / (1 + torch.exp(-x)) stays finite."
            )
    return None


def plot(run, reference) -> dict:
    return curve_plot(run, reference, PLOT, "plot x", "sigmoid")
