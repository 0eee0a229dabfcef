"""weight-update: `sgd_step(params, lr)`: p -= lr * p.grad in place, untracked; then zero grads."""

from __future__ import annotations

from quiz.checks import Array, CheckResult, as_floats, close, compare, not_reached, raised

RATES = (0.1, 0.01)  # the second catches a learning rate written into the code


def probe(p) -> None:
    import torch

    from quiz.checks import CallFailed

    sgd_step = p.function("sgd_step")
    generator = torch.Generator().manual_seed(8)
    for lr in RATES:
        weights = torch.randn(4, 3, generator=generator).requires_grad_()
        bias = torch.randn(3, generator=generator).requires_grad_()
        x = torch.randn(5, 4, generator=generator)
        ((x @ weights + bias) ** 2).mean().backward()
        step = f"sgd_step([weights, bias], lr={lr})"
        p.record(
            f"{step} before",
            [
                weights.detach().clone(),
                bias.detach().clone(),
                weights.grad.clone(),
                bias.grad.clone(),
            ],
        )
        try:
            p.call(step, sgd_step, [weights, bias], lr, record=False)
        except CallFailed:
            continue
        for name, param in (("weights", weights), ("bias", bias)):
            p.record(f"{step}: {name} after", param.detach())
            p.record(f"{step}: {name}.grad after", param.grad)
            p.record(
                f"{step}: {name} still a leaf requiring grad", param.is_leaf and param.requires_grad
            )


def judge(run, reference) -> list[CheckResult]:
    results = []
    for lr in RATES:
        step = f"sgd_step([weights, bias], lr={lr})"
        call = run.observations.get(step)
        names = [
            f"{step}: {check} {name}" if check == "new" else f"{step}: {name}{check}"
            for name in ("weights", "bias")
            for check in ("new", ".grad", " still a parameter")
        ]
        if call is None or call.error:
            results += [not_reached(name) for name in names]
            if call is not None:
                results[-len(names)] = raised(step, call.error, _error_hint(call.error))
        else:
            for index, name in enumerate(("weights", "bias")):
                results += _parameter_checks(run, reference, step, lr, index, name)
    return results


def _parameter_checks(run, reference, step: str, lr: float, index: int, name: str):
    key = f"{step}: {name} after"
    if key not in run.observations:
        return [
            not_reached(f"{step}: new {name}"),
            not_reached(f"{step}: {name}.grad"),
            not_reached(f"{step}: {name} still a parameter"),
        ]
    before = run.value(f"{step} before")
    moved = compare(
        reference.observations[key],
        run.observations[key],
        hint=lambda expected, got: _value_hint(before, index, got.value, lr),
    )
    moved.name = f"{step}: new {name}"
    zeroed = _grad_zeroed(f"{step}: {name}.grad", run.value(f"{step}: {name}.grad after"))
    leaf = run.value(f"{step}: {name} still a leaf requiring grad") is True
    still = CheckResult(
        f"{step}: {name} still a parameter",
        leaf,
        "still a leaf tensor that requires grad"
        if leaf
        else f"{name} is no longer a leaf tensor requiring grad: update it in place "
        "under torch.no_grad() instead of replacing it",
    )
    return [moved, zeroed, still]


def _grad_zeroed(name: str, grad) -> CheckResult:
    if grad is None:
        return CheckResult(name, True, "cleared (None)")
    values = as_floats(grad)
    if values is not None and all(v == 0 for v in values):
        return CheckResult(name, True, "zeroed")
    return CheckResult(
        name,
        False,
        "the gradient was not zeroed: backward() adds to .grad, so "
        "reset it after the step with p.grad.zero_()",
    )


def _value_hint(before, index: int, got, lr: float) -> str | None:
    if not isinstance(got, Array) or before is None:
        return None
    old, grad = as_floats(before[index]), as_floats(before[index + 2])
    new = as_floats(got)
    if new is None or old is None or len(new) != len(old):
        return None
    if all(close(o, n) for o, n in zip(old, new, strict=True)):
        return (
            "The parameter did not change: p = p - lr * p.grad only rebinds the name p; "
            "change the tensor in place with p -= lr * p.grad (inside torch.no_grad())."
        )
    if all(close(o + lr * g, n) for o, g, n in zip(old, grad, strict=True)):
        return "It moved uphill: subtract lr * p.grad, don't add it."
    return None


def _error_hint(error) -> str | None:
    if "leaf Variable that requires grad" in error.message:
        return "Wrap the update in `with torch.no_grad():` so autograd doesn't track it."
    if "NoneType" in error.message:
        return (
            "p.grad is None until backward() runs; here it is set, so check which tensor you read."
        )
    return None
