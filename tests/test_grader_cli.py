"""`quiz check`: exit status 0 for a pass, 1 for a fail, 2 for a mistake in the command itself."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz.cli import main

from .conftest import REPO_ROOT

RIGHT = "def pair_up(a, b):\n    return list(zip(a, b))\n"
WRONG = "def pair_up(a, b):\n    return zip(a, b)\n"


def quiz_check(*args: str):
    return CliRunner().invoke(main, ["check", *args])


@pytest.fixture
def answer(tmp_path) -> Path:
    path = tmp_path / "answer.py"
    path.write_text(RIGHT)
    return path


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("no-such-question", "no question 'no-such-question'"),
        ("grayscale-image", "'grayscale-image' is a recall question"),
    ],
)
def test_a_bad_question_is_one_line_and_status_2(answer, question, message):
    result = quiz_check(question, str(answer))
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("quiz: error: ") and message in line
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["missing.py", "."], ids=["missing", "directory"])
def test_an_unreadable_file_is_one_line_and_status_2(tmp_path, name):
    result = quiz_check("zip-pairs", str(tmp_path / name))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "quiz: error:" in result.output


def test_a_passing_answer_exits_0_and_json_is_the_verdict(answer):
    result = quiz_check("zip-pairs", str(answer), "--json")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    assert verdict["passed"] is True and verdict["question_id"] == "zip-pairs"
    assert verdict["checks"][0]["name"] == "pair_up([1, 2, 3, 4], 'abcd')"


def test_a_failing_answer_exits_1_with_readable_feedback(answer):
    answer.write_text(WRONG)
    result = quiz_check("zip-pairs", str(answer))
    assert result.exit_code == 1
    assert "✗ zip-pairs: not yet" in result.output
    assert "list(zip(a, b))" in result.output
    assert "expected: [(1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')]" in result.output


@pytest.mark.parametrize("polling", [False, True], ids=["events", "polling"])
def test_watch_rechecks_on_save_and_stops_cleanly_on_ctrl_c(answer, polling):
    answer.write_text(WRONG)
    program = Path(sys.executable).with_name("quiz")
    env = dict(os.environ)
    if polling:  # what a filesystem without events gets
        env["WATCHFILES_FORCE_POLLING"] = "1"
    process = subprocess.Popen(
        [str(program), "check", "zip-pairs", str(answer), "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        # Ctrl-C as a terminal delivers it: a test run started in the background (`pytest &`)
        # hands its children SIGINT ignored, and Python then never raises KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()

    def wait_for(text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in lines.get(timeout=0.5):
                    return
            except queue.Empty:
                pass
        process.kill()
        pytest.fail(f"no {text!r} from quiz check --watch")

    try:
        wait_for("✗ zip-pairs: not yet")
        wait_for("watching")
        answer.write_text(RIGHT)
        stat = answer.stat()
        os.utime(answer, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        wait_for("✓ zip-pairs: passed")
        wait_for("watching")
        # Touched, not changed: the verdict stands, and nothing is checked or printed again.
        os.utime(answer, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000))
        time.sleep(1.0)
        printed = list(lines.queue)  # only the rest of the "watching" line, wrapped
        assert not any("zip-pairs" in line or "watching" in line for line in printed), printed
        process.send_signal(signal.SIGINT)
        wait_for("stopped watching", timeout=10)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()


def _unreadable(tmp_path: Path, kind: str) -> str:
    if kind == "fifo":
        os.mkfifo(tmp_path / "answer.py")
    elif kind == "device":
        return "/dev/zero"
    elif kind == "directory":
        (tmp_path / "answer.py").mkdir()
    elif kind == "huge":
        with open(tmp_path / "answer.py", "wb") as file:
            file.truncate(64 * 2**20)  # sparse: costs no disk
    elif kind == "not-utf8":
        (tmp_path / "answer.py").write_bytes(b"x = '\xff'\n")
    return str(tmp_path / "answer.py")


def _limit_memory() -> None:
    import resource

    # Should the answer be read without a bound, this ends it in MemoryError, not a full machine.
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("fifo", "is a FIFO, not an answer file"),
        ("device", "is a device or socket, not an answer file"),
        ("directory", "is a directory, not an answer file"),
        ("missing", "no such file"),
        ("huge", "over 4 MB, too large for an answer"),
        ("not-utf8", "not UTF-8 text (invalid start byte at byte 5)"),
    ],
)
def test_an_answer_path_that_is_no_plain_file_is_refused_before_reading(tmp_path, kind, message):
    path = _unreadable(tmp_path, kind)
    program = Path(sys.executable).with_name("quiz")
    proc = subprocess.run(
        [str(program), "check", "list-comprehension", path],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
    )
    assert proc.returncode == 2, proc.stderr
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert lines == [f"quiz: error: {path}: {message}"]


def test_a_pass_says_which_time_is_the_checks_and_which_the_whole_command(answer):
    result = quiz_check("zip-pairs", str(answer))
    assert result.exit_code == 0, result.output
    # The verdict's first line, joined again where the terminal's width wrapped it.
    first = " ".join(result.output.split("\n  ")[0].split())
    assert re.fullmatch(
        r"✓ zip-pairs: passed \(\d+ checks in \d+\.\d\d s; the whole command \d+\.\d s, "
        r"with start-up\)",
        first,
    ), first


def test_missing_mnist_data_exits_3_with_one_plain_line(tmp_path, monkeypatch):
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    monkeypatch.setenv("QUIZ_MNIST_DIR", str(empty))
    right = tmp_path / "ps.py"
    right.write_text("def pixel_similarity(a, b):\n    return (a - b).abs().mean((-1, -2))\n")
    result = quiz_check("3", str(right))
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"quiz: cannot check pixel-similarity: {empty}/train-images-idx3-ubyte.gz is missing; "
        f"put the MNIST files in {empty} or download them (set QUIZ_MNIST_DIR to the folder "
        "that holds them, or `quiz train` downloads them)\n"
    )
    as_json = quiz_check("pixel-similarity", str(right), "--json")
    assert as_json.exit_code == 3
    assert json.loads(as_json.stdout)["error"]["kind"] == "internal"


def test_missing_mnist_data_exits_3_when_the_learners_own_run_needs_it(tmp_path, monkeypatch):
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    monkeypatch.setenv("QUIZ_MNIST_DIR", str(empty))
    answer = tmp_path / "full.py"
    answer.write_text((REPO_ROOT / "solutions" / "full_mnist.py").read_text())
    result = quiz_check("full-mnist", str(answer))
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(f"quiz: cannot check full-mnist: {empty}/")
    assert result.stderr.count("\n") == 1
