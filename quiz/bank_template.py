"""The small bank `quiz bank new` writes: a recall question and a code question with cases,
whose reference passes its checks and whose two example answers get the verdicts they declare."""

from __future__ import annotations

import re
from pathlib import Path

from quiz.errors import QuizError

QUESTIONS = """\
# A bank for quiz: the format is described in BANKS.md. Check it with `quiz validate {folder}`.
bank: {name}
title: "{title}"
questions:
  - id: what-is-a-tensor
    number: 1
    kind: recall
    prompt: |
      What is a tensor, and what is its rank?
    answer: |
      A tensor is a regular array of numbers, like a NumPy array, that can live on a GPU.
      Its rank is the number of axes (dimensions) it has: a vector has rank 1, a matrix rank 2.
    key_points:
      - a regular array of numbers
      - the rank is the number of axes
    mistakes:
      - the rank is the number of elements it holds
    tags: [tensors]

  - id: mean-squared-error
    number: 2
    kind: code
    prompt: |
      Write `mse(preds, targets)`, the mean of the squared differences of two tensors.
    answer: |
      Subtract, square each difference, and take the mean of all of them.

      ```python
      def mse(preds, targets):
          return ((preds - targets) ** 2).mean()
      ```
    key_points:
      - square the differences
      - take their mean
    tags: [loss]
    contract: [mse]
    starter: |
      def mse(preds, targets):
          \"\"\"The mean of (preds - targets) squared, as a scalar tensor.\"\"\"
          ...
    hints:
      - Subtract first, then square with ** 2.
      - .mean() averages every element.
    solution: solutions/mean-squared-error.py
    checks:
      cases:
        - mse(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 5.0]))
        - mse(torch.zeros(2, 3), torch.ones(2, 3))
      tolerance: 1e-6
      forbid: [F.mse_loss]
    examples:
      right: [examples/mean-squared-error/right.py]
      wrong: [examples/mean-squared-error/forgets-the-square.py]
"""

FILES = {
    "solutions/mean-squared-error.py": (
        "def mse(preds, targets):\n    return ((preds - targets) ** 2).mean()\n"
    ),
    "examples/mean-squared-error/right.py": (
        "def mse(preds, targets):\n    diff = preds - targets\n    return (diff * diff).mean()\n"
    ),
    "examples/mean-squared-error/forgets-the-square.py": (
        "def mse(preds, targets):\n    return (preds - targets).abs().mean()\n"
    ),
}


def write_bank(folder: Path, name: str) -> Path:
    """Write the starter bank into folder (new, or empty); return its questions.yaml."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "my-bank"
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise QuizError(f"{folder}: already exists and is not an empty folder")
    try:
        for relative, text in {"questions.yaml": None, **FILES}.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if text is None:
                title = f"{name}: a bank of my own"
                text = QUESTIONS.format(folder=folder, name=slug, title=title.replace('"', "'"))
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise QuizError(f"{folder}: cannot write the bank ({exc.strerror})") from None
    return folder / "questions.yaml"
