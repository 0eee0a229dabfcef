"""matmul-operator: `linear1(xb, weights, bias)` = xb @ weights + bias."""

from __future__ import annotations

from quiz.checks import CheckResult, same_as_reference

MISTAKES = {
    "no bias": "Add the bias: xb @ weights + bias.",
    "elementwise": "* multiplies element by element; @ is matrix multiplication.",
}


def probe(p) -> None:
    import torch

    linear1 = p.function("linear1")
    generator = torch.Generator().manual_seed(5)
    for n, features, outputs in ((4, 6, 1), (3, 5, 2)):
        xb = torch.randn(n, features, generator=generator)
        weights = torch.randn(features, outputs, generator=generator)
        bias = torch.randn(outputs, generator=generator)
        mistakes = {"no bias": xb @ weights}
        if outputs == 1:
            mistakes["elementwise"] = xb * weights.T + bias
        p.call_each("linear1", linear1, [(xb, weights, bias)], mistakes=mistakes)


def judge(run, reference) -> list[CheckResult]:
    return same_as_reference(run, reference, mistakes=MISTAKES, error_hint=_error_hint)


def _error_hint(error) -> str | None:
    if "cannot be multiplied" in error.message or "size mismatch" in error.message:
        return "Order matters: xb @ weights is (N, features) @ (features, outputs)."
    return None
