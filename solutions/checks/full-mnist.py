"""full-mnist: `train_mnist(x_train, y_train)` returns a model scoring >= 90% on the test digits."""

from __future__ import annotations

from quiz.checks import GIB, CheckResult, percent, raised

NEEDS_REFERENCE = False
MEMORY_BUDGET = 4 * GIB
THRESHOLD = 0.9
TEST = "accuracy on the 10,000 test digits"
RETURN_MODEL = "train_mnist must return the trained model."


def probe(p) -> None:
    import torch

    from quiz.checks import as_tensor

    train_mnist = p.function("train_mnist")
    images, labels = p.mnist("train")
    x_train = images.view(-1, 28 * 28).float() / 255
    model = p.call(
        "train_mnist(x_train, y_train)", train_mnist, x_train, labels.clone(), record=False
    )
    test_images, test_labels = p.mnist("test")
    x_test = test_images.view(-1, 28 * 28).float() / 255
    if isinstance(model, torch.nn.Module):
        model.eval()
    with torch.no_grad():
        logits = as_tensor(p.call("model(x_test)", model, x_test, record=False))
    if logits is None or tuple(logits.shape) != (len(x_test), 10):
        shape = "no tensor" if logits is None else f"shape {tuple(logits.shape)}"
        p.record(TEST, f"model(x_test) gave {shape}, not ({len(x_test)}, 10) logits")
        return
    accuracy = (logits.argmax(dim=1) == test_labels).float().mean().item()
    p.record(TEST, accuracy)


def judge(run, reference) -> list[CheckResult]:
    for observation in run.observations.values():
        if observation.error:
            advice = (
                RETURN_MODEL
                if "'NoneType' object is not callable" in observation.error.message
                else None
            )
            return [raised(observation.call, observation.error, advice)]
    accuracy = run.value(TEST)
    if accuracy is None:
        return [CheckResult(TEST, False, "not measured: training did not finish")]
    if isinstance(accuracy, str):
        return [CheckResult(TEST, False, accuracy)]
    return [
        CheckResult(
            TEST,
            accuracy >= THRESHOLD,
            f"{percent(accuracy)} of the 10,000 test digits classified correctly "
            f"(needs {percent(THRESHOLD)})",
            expected=f">= {percent(THRESHOLD)}",
            got=percent(accuracy),
        )
    ]
