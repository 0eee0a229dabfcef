"""The per-user background worker that `quiz check` hands answers to.

    python -m quiz.grader.service --folder DIR --idle SECONDS

It keeps one Checker per question bank, so every check runs in the same sandbox as the TUI's
and a warm check costs a fork. It listens on a 0600 socket in a 0700 folder, answers only its
own user, and exits after `--idle` seconds without a request. It reads the answer file it is
named, as the one-shot path does, but never runs it: the Checker's worker does that.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path

from quiz.bank import load_bank
from quiz.errors import QuizError
from quiz.grader import wire
from quiz.grader.checker import Checker
from quiz.grader.command import read_answer

LOCK_WAIT_S = 0.2  # a client asking whether a worker runs holds the lock for a moment
FINISH_WAIT_S = 900.0  # how long a stopping worker lets the checks in flight finish


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quiz.grader.service")
    parser.add_argument("--folder", type=Path, required=True, help="the private runtime folder")
    parser.add_argument("--idle", type=float, required=True, help="seconds of quiet before exit")
    args = parser.parse_args(argv)
    # Detach: the `quiz check` that started us waits only for this first process to exit.
    if os.fork():
        os._exit(0)
    lock = take_lock(args.folder)
    if lock is None:
        return 0  # another worker won the race to start; the client will find it
    service = Service(args.folder, args.idle)
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        service.serve()
    finally:
        service.close()
        sys.stderr.flush()
        # Exit here, holding the lock to the last: a client that sees it free (`quiz worker
        # stop`) may take the worker for gone, and no new worker binds while this one tidies up.
        os._exit(0)


def take_lock(folder: Path) -> int | None:
    """The lock file's descriptor, holding our pid; None when another worker holds it."""
    fd = os.open(folder / wire.LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                return None
            time.sleep(0.01)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


class Service:
    """The listening socket, the Checkers behind it, and the clock that ends a quiet spell."""

    def __init__(self, folder: Path, idle_s: float):
        self.folder = folder
        self.idle_s = idle_s
        self.socket_path = folder / wire.SOCKET_NAME
        self.started = time.time()
        self.installation = wire.installation()
        self.checks = 0
        self._state = threading.Lock()
        self._in_flight = 0
        self._last_request = time.monotonic()
        self._checkers: dict[tuple, tuple[tuple[int, int], Checker, threading.Lock]] = {}
        self._making = threading.Lock()
        # os.environ belongs to the whole process: one check's settings at a time.
        self._environment = threading.Lock()
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        # We hold the lock, so a socket file left here belongs to a worker that has died.
        self.socket_path.unlink(missing_ok=True)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        umask = os.umask(0o177)  # the socket is born 0600: no moment when others may connect
        try:
            self._listener.bind(str(self.socket_path))
        finally:
            os.umask(umask)
        self._listener.listen(64)

    def serve(self) -> None:
        """Accept connections until stopped or quiet for idle_s; one thread per request."""
        tick = min(1.0, self.idle_s / 4)
        while not self._stopping.is_set():
            ready, _, _ = select.select([self._listener, self._wake_r], [], [], tick)
            if self._listener in ready:
                connection, _ = self._listener.accept()
                with self._state:
                    self._in_flight += 1
                    self._last_request = time.monotonic()
                threading.Thread(target=self._serve_one, args=(connection,), daemon=True).start()
            elif not ready and self._quiet():
                break

    def stop(self) -> None:
        self._stopping.set()
        os.write(self._wake_w, b"x")

    def close(self) -> None:
        """Stop listening, remove the socket, let the checks in flight finish, and stop every
        Checker's worker."""
        self._listener.close()
        self.socket_path.unlink(missing_ok=True)
        deadline = time.monotonic() + FINISH_WAIT_S
        while time.monotonic() < deadline:
            with self._state:
                if self._in_flight == 0:
                    break
            time.sleep(0.02)
        with self._state:
            checkers = [checker for _, checker, _ in self._checkers.values()]
            self._checkers.clear()
        for checker in checkers:
            checker.close()

    def _quiet(self) -> bool:
        with self._state:
            return self._in_flight == 0 and time.monotonic() - self._last_request >= self.idle_s

    def _serve_one(self, connection: socket.socket) -> None:
        try:
            with connection, connection.makefile("rb") as reader:
                if wire.peer_uid(connection) not in (None, os.getuid()):
                    return  # another user's process: it gets nothing, not even an error
                try:
                    request = wire.receive(reader)
                except wire.TooLarge as exc:
                    request, reply = None, {"error": str(exc)}
                    wire.send(connection, reply)
                if request is not None:
                    wire.send(connection, self._answer(request))
        except OSError:
            pass  # the client went away (Ctrl-C); nobody is left to tell
        finally:
            with self._state:
                self._in_flight -= 1
                self._last_request = time.monotonic()

    def _answer(self, request: dict) -> dict:
        op = request.get("op")
        try:
            if op == "check" and request.get("installation") != self.installation:
                # This installation upgraded in place asks: make way for its new code, once
                # the checks in flight have their verdicts.
                self.stop()
                return {"replaced": os.getpid()}
            if op == "check":
                return {"verdict": self._check(request), "notice": Checker.sandbox_notice()}
            if op == "status":
                return self._status()
            if op == "stop":
                self.stop()
                return {"stopping": os.getpid()}
            return {"error": f"the background worker does not know the request {op!r}"}
        except QuizError as exc:
            return {"error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - a bug here must not take the worker down
            traceback.print_exc()
            return {"error": f"the background worker failed: {exc!r} (see {self._log_path()})"}

    def _check(self, request: dict) -> dict:
        """What the one-shot path does, in its order: bank, question, answer file, check,
        with the caller's settings (where the MNIST files are, which fences to use)."""
        environment = request.get("env") or {}
        if not isinstance(environment, dict):
            return {"error": "the check's settings came garbled"}
        settings = {
            name: str(environment[name]) for name in wire.CHECK_ENVIRONMENT if name in environment
        }
        with self._environment:
            for name in wire.CHECK_ENVIRONMENT:
                if name in settings:
                    os.environ[name] = settings[name]
                else:
                    os.environ.pop(name, None)
            checker, turn = self._checker_for(Path(request["bank"]), settings)
            question_id = request["question"]
            checker.question(question_id)
            source = _read_answer_as_typed(Path(request["file"]), Path(request["cwd"]))
            with turn:
                verdict = checker.check(question_id, source)
        with self._state:
            self.checks += 1
        return verdict.to_dict()

    def _checker_for(self, bank_path: Path, settings: dict) -> tuple[Checker, threading.Lock]:
        """The Checker for this bank and these settings (its worker was started with them),
        made anew when the bank file has changed since."""
        try:
            info = bank_path.stat()
            stamp = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = (0, 0)  # load_bank says what is wrong with it
        key = (str(bank_path), tuple(sorted(settings.items())))
        with self._making:  # two first requests for one bank must not make two Checkers
            known = self._checkers.get(key)
            if known is not None and known[0] == stamp:
                return known[1], known[2]
            checker = Checker(load_bank(bank_path))
            checker.start()
            turn = threading.Lock()
            with self._state:
                self._checkers[key] = (stamp, checker, turn)
        if known is not None:
            with known[2]:  # let a check in flight on the old bank finish first
                known[1].close()
        return checker, turn

    def _status(self) -> dict:
        with self._state:
            checkers = [checker for _, checker, _ in self._checkers.values()]
            return {
                "pid": os.getpid(),
                "socket": str(self.socket_path),
                "uptime_s": round(time.time() - self.started, 1),
                "checks": self.checks,
                "in_flight": self._in_flight - 1,  # less this status request itself
                "idle_s": self.idle_s,
                "quiet_s": round(time.monotonic() - self._last_request, 1),
                "grader_pids": [c.worker_pid for c in checkers if c.worker_pid is not None],
            }

    def _log_path(self) -> Path:
        return self.folder / wire.LOG_NAME


def _read_answer_as_typed(file: Path, cwd: Path) -> str:
    """Read the answer file the client named, relative to the client's folder.

    read_answer names the path it was handed in its errors; they name the one typed, so the
    line is the same as the one-shot path's."""
    path = cwd / file
    try:
        return read_answer(path)
    except QuizError as exc:
        raise QuizError(str(exc).replace(str(path), str(file), 1)) from None


if __name__ == "__main__":
    sys.exit(main())
