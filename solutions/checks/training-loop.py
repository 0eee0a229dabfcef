"""training-loop: `train_epoch(model, dl, opt, loss_func)` runs one epoch of mini-batch SGD.

What matters is judged directly: the harness's optimizer records, at every step(), the
gradient it was handed, along with the gradient of each mini-batch at the current weights
(computed by the harness itself). Each step must use exactly one batch's gradient (so a loop
that never zeroes them fails, even though its loss may still fall), every batch must be used
once per epoch, and the loss must fall over three epochs on a fixed-seed regression task.
"""

from __future__ import annotations

from quiz.checks import CheckResult, close, number_text, raised

NEEDS_REFERENCE = False
EPOCHS = 3
BATCHES = 6
BATCH_SIZE = 8
ORDER = (
    "call loss.backward() before opt.step(), and zero the gradients after the step "
    "(or before backward()), never between backward() and step()"
)


def probe(p) -> None:
    import torch
    import torch.nn.functional as F

    train_epoch = p.function("train_epoch")
    generator = torch.Generator().manual_seed(10)
    x = torch.randn(BATCHES * BATCH_SIZE, 3, generator=generator)
    y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 0.3
    y += 0.05 * torch.randn(y.shape, generator=generator)
    batches = [(x[i : i + BATCH_SIZE], y[i : i + BATCH_SIZE]) for i in range(0, len(x), BATCH_SIZE)]
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    params = list(model.parameters())

    def flat(tensors) -> list[float]:
        return torch.cat([t.detach().reshape(-1) for t in tensors]).tolist()

    class RecordingSGD:
        """Plain SGD that notes, at each step(), the gradients it was given and each batch's own."""

        def __init__(self) -> None:
            self.inner = torch.optim.SGD(params, lr=0.1)
            self.param_groups = self.inner.param_groups
            self.steps: list[dict] = []

        def zero_grad(self, set_to_none: bool = True) -> None:
            self.inner.zero_grad(set_to_none=set_to_none)

        def step(self, closure=None) -> None:
            given = None if any(q.grad is None for q in params) else flat(q.grad for q in params)
            with torch.enable_grad():
                own = [
                    flat(torch.autograd.grad(F.mse_loss(model(xb), yb), params))
                    for xb, yb in batches
                ]
            self.steps.append({"given": given, "batches": own})
            self.inner.step()

    opt = RecordingSGD()

    def loss() -> float:
        with torch.no_grad():
            return F.mse_loss(model(x), y).item()

    losses = [loss()]
    for epoch in range(1, EPOCHS + 1):
        opt.steps = []
        p.call(
            f"train_epoch(model, dl, opt, loss_func), epoch {epoch}",
            train_epoch,
            model,
            list(batches),
            opt,
            F.mse_loss,
            record=False,
        )
        p.record(f"epoch {epoch} steps", opt.steps)
        losses.append(loss())
    p.record("losses", losses)


def judge(run, reference) -> list[CheckResult]:
    for observation in run.observations.values():
        if observation.error:
            return [raised(observation.call, observation.error)]
    epochs = [run.value(f"epoch {e} steps") or [] for e in range(1, EPOCHS + 1)]
    return [_gradients_check(epochs), _batches_check(epochs), _loss_check(run.value("losses"))]


def _same(a, b) -> bool:
    return len(a) == len(b) and all(
        close(x, y, rtol=1e-3, atol=1e-5) for x, y in zip(a, b, strict=True)
    )


def _batch_of(step: dict) -> int | None:
    return next((j for j, own in enumerate(step["batches"]) if _same(step["given"], own)), None)


def _gradients_check(epochs: list[list[dict]]) -> CheckResult:
    name = "each step uses its own mini-batch's gradient"
    previous = None
    for e, steps in enumerate(epochs, start=1):
        if not steps:
            return CheckResult(name, False, f"opt.step() was never called in epoch {e}")
        for k, step in enumerate(steps, start=1):
            where = f"at step {k} of epoch {e}"
            given = step["given"]
            if given is None:
                return CheckResult(name, False, f"{where} there were no gradients: {ORDER}")
            if _batch_of(step) is None:
                return CheckResult(name, False, f"{where}, {_why_not(given, previous, step)}")
            previous = given
    return CheckResult(name, True, "every step used exactly the current mini-batch's gradient")


def _why_not(given: list, previous: list | None, step: dict) -> str:
    if all(g == 0 for g in given):
        return f"the gradients were all zero when opt.step() ran: {ORDER}"
    if previous is not None:
        change = [g - q for g, q in zip(given, previous, strict=True)]
        if any(_same(change, own) for own in step["batches"]):
            return (
                "the gradient was this batch's plus the ones before it: backward() adds to "
                ".grad, so call opt.zero_grad() after every opt.step()"
            )
    return (
        "the gradient was not any single mini-batch's: compute loss_func(model(xb), yb) "
        "for the current batch, call backward() once, then step"
    )


def _batches_check(epochs: list[list[dict]]) -> CheckResult:
    name = "every batch used once per epoch"
    for e, steps in enumerate(epochs, start=1):
        used = [_batch_of(step) for step in steps if step["given"] is not None]
        if sorted(b for b in used if b is not None) != list(range(BATCHES)):
            return CheckResult(
                name,
                False,
                f"epoch {e} made {len(steps)} steps using batches "
                f"{[b + 1 if b is not None else '?' for b in used]}; "
                f"it should step once for each of the {BATCHES} batches",
            )
    return CheckResult(name, True, f"{BATCHES} steps per epoch, one per batch")


def _loss_check(losses) -> CheckResult:
    name = f"the loss falls over {EPOCHS} epochs"
    if not losses or len(losses) != EPOCHS + 1:
        return CheckResult(name, False, "the loss was not measured: an epoch failed")
    first, last = losses[0], losses[-1]
    message = f"mean squared error went from {number_text(first)} to {number_text(last)}"
    return CheckResult(name, last < first / 2, message)
