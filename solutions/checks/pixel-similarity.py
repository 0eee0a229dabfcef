"""pixel-similarity: `mnist_distance(a, b)` and `is_3(x, mean3, mean7)`, then real 3s and 7s.

The small cases are compared with the reference; on MNIST's test 3s and 7s, with mean images
from the training 3s and 7s, `is_3` must classify at least 90% correctly.
"""

from __future__ import annotations

from quiz.checks import Array, CheckResult, percent, same_as_reference

THRESHOLD = 0.9
ACCURACY = "accuracy on real 3s and 7s"
MISTAKES = {
    "mean of everything": "That averages over the whole stack; average over the pixel axes only, "
    ".mean((-1, -2)), so each image keeps its own distance.",
    "no abs": "Without .abs() the positive and negative differences cancel out.",
    "squared": "That is the mean squared difference; this function takes the mean absolute one.",
    "reversed": "is_3 is True where x is closer to mean3: distance to 3 < distance to 7.",
}


def probe(p) -> None:
    import torch

    from quiz.checks import CallFailed, as_tensor

    mnist_distance, is_3 = p.function("mnist_distance"), p.function("is_3")
    generator = torch.Generator().manual_seed(9)
    stack, one = torch.rand(5, 28, 28, generator=generator), torch.rand(28, 28, generator=generator)
    for a in (stack, stack[2].clone()):
        d = a - one
        mistakes = {
            "mean of everything": d.abs().mean(),
            "no abs": d.mean((-1, -2)),
            "squared": (d**2).mean((-1, -2)),
        }
        p.call_each("mnist_distance", mnist_distance, [(a, one)], mistakes=mistakes)

    x = torch.rand(6, 28, 28, generator=generator)
    mean3, mean7 = x[:3].mean(0), x[3:].mean(0)
    closer = (x - mean3).abs().mean((-1, -2)) < (x - mean7).abs().mean((-1, -2))
    p.call_each("is_3", is_3, [(x, mean3, mean7)], mistakes={"reversed": ~closer})

    train3, train7 = p.digits("train", 3, 7)
    test3, test7 = p.digits("test", 3, 7)
    mean3, mean7 = train3.mean(0), train7.mean(0)
    found = {}
    for digit, images in ((3, test3), (7, test7)):
        label = f"is_3(the {len(images):,} test {digit}s, mean3, mean7)"
        try:
            answer = as_tensor(p.call(label, is_3, images, mean3, mean7, record=False))
        except CallFailed:
            return
        if answer is None or tuple(answer.shape) != (len(images),):
            shape = "no tensor" if answer is None else f"shape {tuple(answer.shape)}"
            p.record(ACCURACY, f"{label} gave {shape}, not one answer per image ({len(images)},)")
            return
        said_3 = answer.float().mean().item()
        found[digit] = (said_3 if digit == 3 else 1 - said_3, len(images))
    correct = sum(rate * count for rate, count in found.values())
    total = sum(count for _, count in found.values())
    p.record(ACCURACY, {"accuracy": correct / total, "images": total})


def judge(run, reference) -> list[CheckResult]:
    keys = [k for k in reference.observations if k != ACCURACY]
    return [
        *same_as_reference(run, reference, keys=keys, mistakes=MISTAKES, hint=_hint, dtype=True),
        accuracy_check(run),
    ]


def accuracy_check(run) -> CheckResult:
    observation = run.observations.get(ACCURACY)
    if observation is None:
        return CheckResult(ACCURACY, False, "not measured: an earlier call failed")
    found = observation.value
    if isinstance(found, str):
        return CheckResult(ACCURACY, False, found)
    accuracy, images = found["accuracy"], found["images"]
    passed = accuracy >= THRESHOLD
    return CheckResult(
        ACCURACY,
        passed,
        f"{percent(accuracy)} of the {images:,} test 3s and 7s classified correctly "
        f"(needs {percent(THRESHOLD)})",
        expected=f">= {percent(THRESHOLD)}",
        got=percent(accuracy),
    )


def _hint(expected, got) -> str | None:
    value = got.value
    if isinstance(value, Array) and isinstance(expected.value, Array):
        if expected.value.dtype == "bool" and value.dtype != "bool":
            return "Return the comparison itself, a bool tensor: distance to 3 < distance to 7."
    return None
