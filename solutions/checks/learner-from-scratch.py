"""learner-from-scratch: a `Learner` whose `fit(epochs, lr)` trains and reports the metric.

Judged on real MNIST 3s and 7s, as in the chapter: a linear model, SGD, the sigmoid
`mnist_loss` and `batch_accuracy`. The harness measures the trained model's validation
accuracy itself; it must reach 90%, and `fit` must return one metric per epoch that agrees.
"""

from __future__ import annotations

from quiz.checks import GIB, CheckResult, as_number, percent, raised

NEEDS_REFERENCE = False
MEMORY_BUDGET = 4 * GIB
EPOCHS, LR, BATCH_SIZE = 5, 1.0, 256
THRESHOLD = 0.9
FIT = f"learn.fit({EPOCHS}, {LR})"


def probe(p) -> None:
    import torch

    create = p.function("Learner")
    train3, train7 = p.digits("train", 3, 7)
    valid3, valid7 = p.digits("test", 3, 7)

    def dataset(threes, sevens):
        x = torch.cat([threes, sevens]).view(-1, 28 * 28)
        y = torch.tensor([1.0] * len(threes) + [0.0] * len(sevens)).unsqueeze(1)
        return x, y

    train_x, train_y = dataset(train3, train7)
    valid_x, valid_y = dataset(valid3, valid7)

    class Batches:
        """A minimal DataLoader: (xb, yb) mini-batches, reshuffled on every pass if asked."""

        def __init__(self, x, y, shuffle: bool) -> None:
            self.x, self.y, self.shuffle = x, y, shuffle
            self.generator = torch.Generator().manual_seed(11)

        def __len__(self) -> int:
            return (len(self.x) + BATCH_SIZE - 1) // BATCH_SIZE

        def __iter__(self):
            order = (
                torch.randperm(len(self.x), generator=self.generator)
                if self.shuffle
                else torch.arange(len(self.x))
            )
            for i in range(0, len(order), BATCH_SIZE):
                index = order[i : i + BATCH_SIZE]
                yield self.x[index], self.y[index]

    def mnist_loss(predictions, targets):
        predictions = predictions.sigmoid()
        return torch.where(targets == 1, 1 - predictions, predictions).mean()

    def batch_accuracy(predictions, targets):
        return ((predictions.sigmoid() > 0.5).float() == targets).float().mean()

    torch.manual_seed(0)
    model = torch.nn.Linear(28 * 28, 1)
    dls = (Batches(train_x, train_y, shuffle=True), Batches(valid_x, valid_y, shuffle=False))
    learn = p.call(
        "Learner(dls, model, torch.optim.SGD, mnist_loss, batch_accuracy)",
        create,
        dls,
        model,
        torch.optim.SGD,
        mnist_loss,
        batch_accuracy,
        record=False,
    )
    p.call(FIT, lambda: learn.fit(EPOCHS, LR))
    with torch.no_grad():
        accuracy = batch_accuracy(model(valid_x), valid_y).item()
    p.record("validation accuracy", {"accuracy": accuracy, "images": len(valid_x)})


def judge(run, reference) -> list[CheckResult]:
    for observation in run.observations.values():
        if observation.error:
            return [raised(observation.call, observation.error)]
    measured = run.value("validation accuracy")
    if measured is None:
        return [CheckResult(FIT, False, "fit did not finish")]
    accuracy, images = measured["accuracy"], measured["images"]
    trained = CheckResult(
        "trains to 90% validation accuracy",
        accuracy >= THRESHOLD,
        f"after {FIT} the model classifies {percent(accuracy)} of the {images:,} validation "
        f"3s and 7s correctly (needs {percent(THRESHOLD)})",
        expected=f">= {percent(THRESHOLD)}",
        got=percent(accuracy),
    )
    return [trained, _history_check(run.value(FIT), accuracy)]


def _history_check(history, accuracy: float) -> CheckResult:
    name = "fit returns the validation metric after each epoch"
    if not isinstance(history, list):
        return CheckResult(
            name, False, f"fit should return a list of {EPOCHS} metrics, one per epoch"
        )
    numbers = [as_number(h) for h in history]
    if len(numbers) != EPOCHS or None in numbers:
        return CheckResult(
            name,
            False,
            f"fit returned {len(history)} items; it should return "
            f"{EPOCHS} numbers, the validation metric after each epoch",
        )
    if abs(numbers[-1] - accuracy) > 0.02:
        return CheckResult(
            name,
            False,
            f"the last metric fit returned, {numbers[-1]:.4f}, is not the model's validation "
            f"accuracy ({accuracy:.4f}): average metric(model(xb), yb) over valid_dl",
        )
    return CheckResult(name, True, "metrics: " + ", ".join(f"{n:.4f}" for n in numbers))
