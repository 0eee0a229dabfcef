"""cross-entropy: `cross_entropy(acts, targs)`, the mean negative log-softmax of each target's
column, without PyTorch's cross-entropy or negative-log-likelihood functions."""

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

FORBIDDEN = {"cross_entropy", "CrossEntropyLoss", "nll_loss", "NLLLoss"}
OWN = frozenset({"nll_loss_forward", "nll_loss2d_forward"})  # what all of those run, in aten
MISTAKES = {
    "no log": (
        "That averages minus the softmax probabilities: the log is missing. PyTorch's nll_loss "
        "takes no log either; it expects log-softmax, so take .log() of the softmax (or use "
        "log_softmax) before picking the targets' columns."
    ),
    "no minus": (
        "The log of a probability is at most 0, so this loss is negative and falls as the "
        "model gets worse. Negate it: the loss is minus the mean log-probability."
    ),
    "no softmax": (
        "That picks the raw activations. Turn them into log-probabilities first with "
        "log-softmax, so that each row's probabilities sum to 1."
    ),
    "sum": "Take the mean over the batch, not the sum, so the loss does not grow with batch size.",
}


def probe(p: Probe) -> None:
    import torch

    cross_entropy = p.function("cross_entropy")
    generator = torch.Generator().manual_seed(3)
    cases = [
        (
            "one bear image: acts [[0.02, -2.49, 1.25]], targs [2]",
            torch.tensor([[0.02, -2.49, 1.25]]),
            torch.tensor([2]),
        ),
        (
            "three items: acts [[0.02, -2.49, 1.25], [2.0, 0.5, -1.0], [0.1, 0.2, 0.3]], "
            "targs [0, 1, 2]",
            torch.tensor([[0.02, -2.49, 1.25], [2.0, 0.5, -1.0], [0.1, 0.2, 0.3]]),
            torch.tensor([0, 1, 2]),
        ),
        (
            "six items of five classes: acts torch.randn(6, 5) * 3, targs [4, 0, 2, 2, 1, 3]",
            torch.randn(6, 5, generator=generator) * 3,
            torch.tensor([4, 0, 2, 2, 1, 3]),
        ),
        (
            # a confident wrong answer: activations large enough that exp overflows
            "large activations: acts [[1000, 0, -1000, 5], [10, 20, 30, 40]], targs [2, 3]",
            torch.tensor([[1000.0, 0.0, -1000.0, 5.0], [10.0, 20.0, 30.0, 40.0]]),
            torch.tensor([2, 3]),
        ),
    ]
    for label, acts, targs in cases:
        rows = torch.arange(len(targs))
        log_probs = acts.log_softmax(dim=1)
        picked = log_probs[rows, targs]
        mistakes = {
            "no log": -log_probs.exp()[rows, targs].mean(),
            "no minus": picked.mean(),
            "no softmax": -acts[rows, targs].mean(),
            "sum": -picked.sum(),
        }
        try:
            p.call(
                f"cross_entropy, {label}",
                cross_entropy,
                acts.clone(),
                targs.clone(),
                mistakes=mistakes,
                watch=OWN,
            )
        except CallFailed:
            pass  # recorded; the other batches are independent of this one


def judge(run: Run, reference: Run) -> list[CheckResult]:
    return [
        forbidden_check(
            run,
            FORBIDDEN,
            "Use log-softmax, then index each row at its target: log_probs[range(n), targs].",
        ),
        *same_as_reference(run, reference, mistakes=MISTAKES, hint=_hint),
    ]


def _hint(expected, got) -> str | None:
    shape = getattr(got.value, "shape", None)
    if isinstance(got.value, float):
        return "Return the 0-d tensor itself; .item() turns it into a Python float."
    if shape is not None and shape != ():
        return "Average over the batch with .mean() so the loss is a single number."
    values = getattr(got.value, "values", None)
    if values and any(isinstance(v, float) and not math.isfinite(v) for v in values):
        return (
            "The loss is not finite: exp(1000) overflows, and the log of a probability that "
            "rounded to 0 is -inf. Compute log-softmax directly, acts - acts.logsumexp(dim=1, "
            "keepdim=True), or subtract each row's largest activation before exp."
        )
    return None
