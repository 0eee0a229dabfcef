"""The installed `quiz` in a real terminal (tmux): answer, grade, get SIGKILLed, keep the grade."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
QUIZ = Path(sys.executable).parent / "quiz"
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


class Tmux:
    """One private tmux server (its own socket), so no other session is touched."""

    def __init__(self, socket: Path):
        self.socket = socket

    def run(self, *args: str) -> str:
        proc = subprocess.run(
            [TMUX, "-S", str(self.socket), *args], capture_output=True, text=True, timeout=10
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def start(self, command: str) -> int:
        """Run command in an 80x24 session named quiz; return the pane's process id."""
        self.run("new-session", "-d", "-s", "quiz", "-x", "80", "-y", "24", command)
        return int(self.run("display-message", "-p", "-t", "quiz", "#{pane_pid}").strip())

    def serving(self) -> bool:
        """Whether a server still answers on this socket."""
        proc = subprocess.run([TMUX, "-S", str(self.socket), "list-sessions"], capture_output=True)
        return proc.returncode == 0

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "quiz")

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} never appeared; the screen was:\n{screen}")
            time.sleep(0.1)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "quiz", *(["-l"] if literal else []), *keys)


@pytest.fixture
def tmux(tmp_path):
    server = Tmux(tmp_path / "tmux.sock")
    yield server
    subprocess.run([TMUX, "-S", str(server.socket), "kill-server"], capture_output=True)


def quiz_command(db: Path, home: Path) -> str:
    """The installed quiz in a bare environment: its own database, data folder and home."""
    assert QUIZ.is_file(), f"quiz is not installed in {QUIZ.parent}"
    env = {
        "QUIZ_DB": str(db),
        "QUIZ_DATA_DIR": str(home),
        "TERM": "xterm-256color",
        "HOME": str(home),
        "PATH": os.environ.get("PATH", ""),
    }
    return " ".join(["env", "-i", *(f"{k}={v}" for k, v in env.items()), str(QUIZ)])


def test_a_grade_survives_sigkill_on_the_next_question(tmux, tmp_path):
    db = tmp_path / "quiz.db"
    command = quiz_command(db, tmp_path)
    pid = tmux.start(command)

    tmux.wait_for("Press Enter to start")
    tmux.keys("Enter")
    tmux.wait_for("Type your answer")
    tmux.keys("a 2-D grid of numbers, one per pixel, 0 to 255", literal=True)
    tmux.keys("C-s")
    tmux.wait_for("Suggested grade")
    tmux.keys("4")
    tmux.wait_for("How are the files and folders")

    os.kill(pid, signal.SIGKILL)
    rows = (
        sqlite3.connect(db)
        .execute("SELECT question_id, grade, kind, answer FROM reviews")
        .fetchall()
    )
    assert rows == [
        ("grayscale-image", 4, "review", "a 2-D grid of numbers, one per pixel, 0 to 255")
    ]
    card = (
        sqlite3.connect(db)
        .execute(
            "SELECT json_extract(state, '$.repetitions'), json_extract(state, '$.interval') FROM cards"
        )
        .fetchall()
    )
    assert card == [(1, 1)]


def test_a_draft_survives_sigkill_and_comes_back_on_relaunch(tmux, tmp_path):
    db = tmp_path / "quiz.db"
    command = quiz_command(db, tmp_path)
    pid = tmux.start(command)
    tmux.wait_for("Press Enter to start")
    tmux.keys("Enter")
    tmux.wait_for("Type your answer")
    tmux.keys("a grid of pixel numbers", literal=True)
    deadline = time.monotonic() + 10
    while not sqlite3.connect(db).execute("SELECT answer FROM drafts").fetchall():
        assert time.monotonic() < deadline, "the draft was never saved"
        time.sleep(0.1)

    os.kill(pid, signal.SIGKILL)
    # With its only pane gone the server may already be exiting; either way it must be gone
    # before a new one starts on the same socket.
    subprocess.run([TMUX, "-S", str(tmux.socket), "kill-server"], capture_output=True, timeout=10)
    deadline = time.monotonic() + 10
    while tmux.serving():
        assert time.monotonic() < deadline, "tmux did not exit"
        time.sleep(0.05)
    tmux.start(command)
    tmux.wait_for("Press Enter to start")
    tmux.keys("Enter")
    screen = tmux.wait_for("a grid of pixel numbers")
    assert "unfinished answer" in screen
