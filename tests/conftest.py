"""Shared fixtures: every test runs against a temporary data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = REPO_ROOT.parent / "shared" / "data" / "mnist"
SEED_DIR = REPO_ROOT.parent / "shared" / "seed"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Point quiz's data directory and database at a temp dir so no test touches a real home."""
    data = tmp_path / "quiz-data"
    monkeypatch.setenv("QUIZ_DATA_DIR", str(data))
    monkeypatch.setenv("QUIZ_DB", str(data / "quiz.db"))
    monkeypatch.delenv("QUIZ_BANK", raising=False)
    monkeypatch.setenv("QUIZ_MNIST_DIR", str(SHARED_MNIST))
    return data


@pytest.fixture
def mnist_dir() -> Path:
    """The canonical MNIST files every developer and CI have beside the checkout."""
    if not (SHARED_MNIST / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"MNIST files missing at {SHARED_MNIST}")
    return SHARED_MNIST


@pytest.fixture
def seed_text() -> str:
    """The learner's blog post the project grew from: real, partly wrong answers."""
    return next(SEED_DIR.glob("000_*.txt")).read_text(encoding="utf-8")
