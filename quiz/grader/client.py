"""The thin side of the background worker: `quiz check` hands it an answer and prints its verdict.

Imports only what it takes to send a request and print the reply; torch, the bank and the
Checker live in the worker (quiz.grader.service), which this starts when none is running and
replaces when it dies mid-check.
"""

from __future__ import annotations

import fcntl
import os
import socket
import sys
import time
from pathlib import Path

from rich.console import Console

from quiz.errors import QuizError
from quiz.grader import wire
from quiz.grader.display import CANNOT_CHECK, cannot_check, exit_status, show, since_start
from quiz.grader.verdict import Verdict

IDLE_ENV = "QUIZ_WORKER_IDLE"
DEFAULT_IDLE_S = 600.0
START_TIMEOUT_S = 30.0  # for a new worker to listen: it binds before it loads a bank or torch
STOP_TIMEOUT_S = 10.0
ATTEMPTS = 3  # one worker replaced, and a dying one's last accept
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class WorkerGone(Exception):
    """The worker closed the connection before it answered: it died, or was stopped."""


def run_check(
    bank_path: Path, question_id: str, file: Path, *, as_json: bool = False, console=None
) -> int:
    """Check file through the background worker, print the verdict, return the exit status."""
    started = time.monotonic()
    request = {
        "op": "check",
        "bank": os.path.abspath(bank_path),
        "question": question_id,
        "file": str(file),
        "cwd": os.getcwd(),
        "installation": wire.installation(),
        "env": wire.check_environment(),
    }
    reply = ask(request, start=True)
    if "error" in reply:
        raise QuizError(reply["error"])
    if reply.get("notice"):  # said on stderr, as the one-shot path says it
        Console(stderr=True, highlight=False).print(f"note: {reply['notice']}")
    verdict = Verdict.from_dict(reply["verdict"])
    if exit_status(verdict) == CANNOT_CHECK and not as_json:
        return cannot_check(verdict.question_id, verdict.error.message)
    show(verdict, console or Console(highlight=False), as_json, whole_s=since_start(started))
    return exit_status(verdict)


def ask(request: dict, *, start: bool, folder: Path | None = None) -> dict | None:
    """The worker's reply; None when none is running and start is false.

    A worker that dies before answering is replaced and asked again. A dying worker's socket
    may still accept for a moment after its lock is free, so that can take a third try."""
    folder = wire.private_folder(folder)
    for attempt in range(1, ATTEMPTS + 1):
        connection = connect(folder)
        if connection is None:
            if not start:
                return None
            connection = start_worker(folder)
        try:
            reply = exchange(connection, request)
            if "replaced" not in reply:
                return reply
            raise WorkerGone()  # a worker of another installation, stopping to make way
        except WorkerGone:
            if attempt == ATTEMPTS or not start:
                raise QuizError(
                    "the background worker stopped before it answered; see "
                    f"{folder / wire.LOG_NAME}, or use quiz check --no-worker"
                ) from None
            _wait_for_exit(folder)
    raise AssertionError("unreachable")


def _wait_for_exit(folder: Path) -> None:
    """Give a worker that has just dropped us a moment to let go of its lock and socket."""
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while running(folder) and time.monotonic() < deadline:
        time.sleep(0.01)


def connect(folder: Path) -> socket.socket | None:
    """A connection to the running worker; None when nobody listens on the socket."""
    path = folder / wire.SOCKET_NAME
    if not wire.check_socket(path):
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        connection.close()
        return None  # a worker that died left its socket; a new one will replace it
    uid = wire.peer_uid(connection)
    if uid not in (None, os.getuid()):
        connection.close()
        raise wire.Refused(f"{path}: the process listening there is uid {uid}'s, not yours")
    return connection


def exchange(connection: socket.socket, request: dict) -> dict:
    with connection, connection.makefile("rb") as reader:
        try:
            wire.send(connection, request)
            reply = wire.receive(reader)
        except (ConnectionResetError, BrokenPipeError):
            reply = None
    if reply is None:
        raise WorkerGone()
    return reply


def start_worker(folder: Path) -> socket.socket:
    """Start a worker and connect to it, or to the one a concurrent call started first."""
    import subprocess  # only here: most calls find a worker running

    log = os.open(folder / wire.LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH")) if p
    )
    command = [sys.executable, "-m", "quiz.grader.service"]
    command += ["--folder", str(folder), "--idle", str(idle_seconds())]
    try:
        # The worker forks away at once, so this wait is short and leaves no zombie behind.
        subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            cwd="/",
            start_new_session=True,
            check=False,
        )
    finally:
        os.close(log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        connection = connect(folder)
        if connection is not None:
            return connection
        time.sleep(0.005)
    raise QuizError(
        f"the background worker did not start within {START_TIMEOUT_S:.0f} s; see "
        f"{folder / wire.LOG_NAME}, or use quiz check --no-worker"
    )


def idle_seconds() -> float:
    """How long a new worker waits without a request before it exits: QUIZ_WORKER_IDLE."""
    text = os.environ.get(IDLE_ENV)
    if not text:
        return DEFAULT_IDLE_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise QuizError(f"{IDLE_ENV} must be a number of seconds above 0, not {text!r}")
    return seconds


def status() -> dict | None:
    """What the running worker says of itself; None when none is running."""
    return ask({"op": "status"}, start=False)


def stop(folder: Path | None = None) -> int | None:
    """Stop the running worker and wait until it has gone; its pid, or None if none ran."""
    folder = wire.private_folder(folder)
    reply = ask({"op": "stop"}, start=False, folder=folder)
    if reply is None:
        return None
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while running(folder):
        if time.monotonic() > deadline:
            raise QuizError(f"the background worker (pid {reply['stopping']}) did not stop")
        time.sleep(0.02)
    return reply["stopping"]


def running(folder: Path) -> bool:
    """Whether a worker holds the lock in folder (it lets go only when it exits)."""
    try:
        fd = os.open(folder / wire.LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
