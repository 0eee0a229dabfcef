"""backward: `square_sum_grad(x)` returns d/dx of (x**2).sum(), computed with .backward()."""

from __future__ import annotations

from quiz.checks import CheckResult, parse, same_as_reference

MISTAKES = {
    "x itself": "That is x itself; the gradient of (x**2).sum() is 2 * x, read from x.grad."
}


def probe(p) -> None:
    import torch

    square_sum_grad = p.function("square_sum_grad")
    cases = [
        torch.tensor([3.0, 4.0, 10.0]),
        torch.randn(2, 3, generator=torch.Generator().manual_seed(6)),
    ]
    for x in cases:
        p.call_each("square_sum_grad", square_sum_grad, [(x.clone(),)], mistakes={"x itself": x})


def judge(run, reference) -> list[CheckResult]:
    return [
        _uses_backward(run.source),
        *same_as_reference(run, reference, mistakes=MISTAKES, hint=_hint, error_hint=_error_hint),
    ]


def _uses_backward(source: str) -> CheckResult:
    import ast

    tree = parse(source)
    calls = (
        [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "backward"]
        if tree
        else []
    )
    if calls:
        return CheckResult("uses .backward()", True, "lets autograd compute the gradient")
    return CheckResult(
        "uses .backward()",
        False,
        "compute the gradient with autograd: (x ** 2).sum().backward(), then read x.grad",
    )


def _hint(expected, got) -> str | None:
    if got.value is None:
        return "x.grad is None: call requires_grad_() on x before computing (x ** 2).sum()."
    return None


def _error_hint(error) -> str | None:
    if "does not require grad" in error.message:
        return (
            "x must track gradients first: x = x.detach().clone().requires_grad_(), "
            "then (x ** 2).sum().backward()."
        )
    return None
