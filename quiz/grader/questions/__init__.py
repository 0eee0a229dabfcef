"""The checks of each code question, one module per question.

Each module has `probe(p)`, which runs in the child and exercises the learner's code (it may
import torch, but only inside the function), and `judge(run, reference)`, which runs in the
parent and turns the observations into CheckResults. Optional: `NEEDS_REFERENCE` (default True:
`reference` is the reference solution's run through the same probe), `MEMORY_BUDGET` (bytes a
check may use beyond the worker's own size), `explain(error, source)` for a hint on an error
that ended the run, and `plot(run, reference)` for the TUI's picture.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from quiz.grader.limits import DEFAULT_MEMORY_BUDGET

QUESTION_IDS = (
    "pixel-similarity",
    "list-comprehension",
    "rmse-l1",
    "tensor-3x3",
    "broadcasting",
    "sigmoid",
    "weight-update",
    "zip-pairs",
    "view",
    "matmul-operator",
    "backward",
    "training-loop",
    "relu",
    "learner-from-scratch",
    "full-mnist",
)


def module_for(question_id: str) -> ModuleType | None:
    """The checks for question_id, or None if the grader has none."""
    if question_id not in QUESTION_IDS:
        return None
    return importlib.import_module(f"{__name__}.{question_id.replace('-', '_')}")


def load_all() -> None:
    for question_id in QUESTION_IDS:
        module_for(question_id)


def needs_reference(module: ModuleType) -> bool:
    return getattr(module, "NEEDS_REFERENCE", True)


def memory_budget(module: ModuleType) -> int:
    return getattr(module, "MEMORY_BUDGET", DEFAULT_MEMORY_BUDGET)
