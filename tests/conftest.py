"""Shared fixtures: every test runs against a temporary data directory.

With `QUIZ_TEST_TIME_SHIFT_DAYS=N` every test process (each pytest-xdist worker too) runs with
its clock N days ahead, still ticking, so a test that reads the calendar shows itself; CI runs
the suite once that way, in another time zone as well.

Tests that need the full MNIST files find them the way a user's quiz does: `QUIZ_MNIST_DIR`,
else the user cache directory the trainer downloads into. Without them those tests are
skipped, unless `QUIZ_REQUIRE_MNIST=1` (as CI sets) turns the skip into a failure.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quiz import paths

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def _full_mnist() -> Path | None:
    """The folder holding the four MNIST files, looked up before any test changes the env."""
    folder = paths.mnist_dir()
    return folder if all((folder / name).is_file() for name in MNIST_FILES) else None


FULL_MNIST = _full_mnist()
MNIST_HOW = (
    "the full MNIST files are not available: set QUIZ_MNIST_DIR to a folder holding the "
    "four MNIST .gz files (see the README), or run `quiz train` once to download them"
)


TIME_SHIFT = "QUIZ_TEST_TIME_SHIFT_DAYS"


def pytest_configure(config: pytest.Config) -> None:
    """Move this process's clock ahead when TIME_SHIFT asks; xdist runs this in every worker."""
    days = os.environ.get(TIME_SHIFT)
    if days:
        import time_machine

        ahead = datetime.now(UTC) + timedelta(days=int(days))
        # Ticking, so timeouts and durations measured with time.time() still pass; it lasts
        # as long as the process does.
        time_machine.travel(ahead, tick=True).start()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Point quiz's data directory and database at a temp dir so no test touches a real home.

    The background worker's runtime folder too; a worker a test started is stopped after it."""
    data = tmp_path / "quiz-data"
    monkeypatch.setenv("QUIZ_DATA_DIR", str(data))
    monkeypatch.setenv("QUIZ_DB", str(data / "quiz.db"))
    monkeypatch.delenv("QUIZ_BANK", raising=False)
    # Never download into a real cache: without the full files, point at an empty folder.
    mnist = FULL_MNIST if FULL_MNIST is not None else tmp_path / "no-mnist"
    monkeypatch.setenv("QUIZ_MNIST_DIR", str(mnist))
    runtime = tmp_path / "run"
    monkeypatch.setenv("QUIZ_RUNTIME_DIR", str(runtime))
    yield data
    stop_background_worker(runtime)


def stop_background_worker(runtime: Path) -> None:
    """Stop the worker listening in runtime, if any; kill it if it will not stop."""
    from quiz.grader import client, wire

    if not client.running(runtime):
        return
    try:
        client.stop(runtime)
    except Exception:  # noqa: BLE001 - a test may have left the socket unusable on purpose
        pid = int((runtime / wire.LOCK_NAME).read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while client.running(runtime) and time.monotonic() < deadline:
            time.sleep(0.02)


def require_full_mnist() -> Path:
    """The full MNIST folder, or a skip (a failure under QUIZ_REQUIRE_MNIST=1) saying how."""
    if FULL_MNIST is None:
        if os.environ.get("QUIZ_REQUIRE_MNIST") == "1":
            pytest.fail(MNIST_HOW)
        pytest.skip(MNIST_HOW)
    return FULL_MNIST


@pytest.fixture
def mnist_dir() -> Path:
    """The full MNIST files (60,000 + 10,000 images), wherever the user keeps them."""
    return require_full_mnist()
