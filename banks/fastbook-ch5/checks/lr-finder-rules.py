"""lr-finder-rules: `lr_suggestions(lrs, losses)`, the learning rate finder's two rules of thumb:
the rate at the lowest loss divided by 10, and the rate where the loss falls most steeply."""

from __future__ import annotations

from quiz.checks import CallFailed, CheckResult, Probe, Run, same_as_reference

RTOL, ATOL = 1e-4, 0.0  # learning rates go down to 1e-7: compare them relative to their size
MISTAKES = {
    "minimum itself": (
        "The first value is the learning rate at the lowest loss itself. That rate is already "
        "too high to train with: divide it by 10, one order of magnitude less."
    ),
    "biggest drop": (
        "That is where the loss drops most from one point to the next. The steepest point is "
        "the largest fall per step of log(lr): divide each drop by the change in log(lr), "
        "which differs from step to step when the rates are not evenly spaced on a log scale."
    ),
    "slope against lr": (
        "That slope divides by the change in lr itself, so the tiny steps at the smallest "
        "rates dominate. The finder's plot has a log scale: divide by the change in log(lr)."
    ),
    "end of the fall": (
        "That is the rate at the end of the steepest fall. Take the rate where it starts, "
        "lrs[i] for the slope from point i to point i + 1."
    ),
}


def probe(p: Probe) -> None:
    import torch

    lr_suggestions = p.function("lr_suggestions")
    finder_lrs = torch.logspace(-7, 1, 100)
    log_lr = finder_lrs.log10()
    # a finder's curve: flat at tiny rates, falling around 1e-3, diverging past 1e-1
    finder_losses = 2.5 - 1.5 * torch.sigmoid(2 * (log_lr + 3)) + torch.exp(2 * (log_lr + 0.5))
    cases = [
        (
            "nine rates from 1e-7 to 10",
            torch.logspace(-7, 1, 9),
            torch.tensor([2.3, 2.3, 2.2, 1.9, 1.2, 0.8, 0.9, 1.8, 5.0]),
        ),
        ("a finder's 100 rates from 1e-7 to 10", finder_lrs, finder_losses),
        (
            "rates not evenly spaced: [1e-4, 1e-3, 2e-3, 1e-2, 1e-1]",
            torch.tensor([1e-4, 1e-3, 2e-3, 1e-2, 1e-1]),
            torch.tensor([2.0, 1.5, 1.3, 0.9, 2.0]),
        ),
    ]
    for label, lrs, losses in cases:
        try:
            p.call(
                f"lr_suggestions, {label}",
                lr_suggestions,
                lrs.clone(),
                losses.clone(),
                mistakes=_mistakes(lrs, losses),
            )
        except CallFailed:
            pass  # recorded; the other curves are independent of this one


def _mistakes(lrs, losses) -> dict:
    lr_at_min = lrs[losses.argmin()].item()
    drops = losses[1:] - losses[:-1]
    steepest = (drops / (lrs[1:].log() - lrs[:-1].log())).argmin()
    lr_steep = lrs[steepest].item()
    return {
        "minimum itself": (lr_at_min, lr_steep),
        "biggest drop": (lr_at_min / 10, lrs[drops.argmin()].item()),
        "slope against lr": (lr_at_min / 10, lrs[(drops / (lrs[1:] - lrs[:-1])).argmin()].item()),
        "end of the fall": (lr_at_min / 10, lrs[steepest + 1].item()),
    }


def judge(run: Run, reference: Run) -> list[CheckResult]:
    return same_as_reference(run, reference, mistakes=MISTAKES, hint=_hint, rtol=RTOL, atol=ATOL)


def _hint(expected, got) -> str | None:
    if not isinstance(got.value, tuple):
        return "Return a tuple of two Python floats, (lr_min, lr_steep); .item() gives a float."
    if any(not isinstance(v, float) for v in got.value):
        return "Return Python floats: .item() turns a one-element tensor into one."
    return None
