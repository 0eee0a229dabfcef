"""Runs the reference MNIST trainer that ships in solutions/, with the flags given."""

from __future__ import annotations

import importlib.util
import sys

from quiz.errors import QuizError
from quiz.paths import solutions_dir


def run_trainer(argv: list[str]) -> int:
    path = solutions_dir() / "mnist_trainer.py"
    spec = importlib.util.spec_from_file_location("mnist_trainer", path)
    if spec is None or not path.is_file():
        raise QuizError(f"{path}: the reference trainer is missing from this installation")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mnist_trainer"] = module
    spec.loader.exec_module(module)
    return module.main(argv, prog="quiz train")
