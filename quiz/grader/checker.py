"""The parent side of the grader: a warm worker to run code in, and the judging of what it did.

This side imports neither torch nor numpy, so the TUI that uses it stays light; only the worker
and the children it forks do. Reference values are computed once per question, by running the
reference solution through the same probe, and kept here in the parent.

Each worker gets a folder of its own, with an unguessable name, inside this Checker's private
scratch folder; the worker and its checks are told which paths they must never read.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import select
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path

from quiz import paths
from quiz.banks import installed as installed_banks
from quiz.errors import QuizError
from quiz.grader.limits import OUTPUT_KEEP
from quiz.grader.outcome import Run, read_run
from quiz.grader.question_checks import QuestionChecks, checks_for
from quiz.grader.sandbox import set_dumpable, unconfined_notice
from quiz.grader.verdict import INTERNAL, GraderError, Verdict

PRIVATE_ENV = "QUIZ_GRADER_PRIVATE"  # must match quiz.grader.worker
MAX_SOURCE = 1_000_000  # characters of an answer
STARTUP_TIMEOUT_S = 120.0  # importing torch on a slow, busy machine
REPLY_GRACE_S = 30.0  # beyond a run's own limit, before the worker counts as hung
REFERENCE_TIME_FACTOR = 3  # the reference solution gets this multiple of the time limit
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
BANKS_FOLDER = "quiz_banks"  # where an installed quiz keeps the banks it ships


class GraderFailure(Exception):
    """The grader could not run or judge a check; not something the learner did."""


class Checker:
    """Runs learners' answers in a sandboxed warm worker and judges them.

    Start it once (`with Checker() as checker:`) and reuse it: the first check waits for the
    worker to import torch, later ones cost a fork. Calls from one background thread at a
    time are safe; `start()` returns at once, so the worker can warm while the learner reads.
    """

    def __init__(self, bank=None, *, python: str | None = None):
        self._bank = bank
        self._python = python or sys.executable
        self._lock = threading.RLock()
        self._worker: _Worker | None = None
        # Keyed by the question and the state of its files: an author's edit takes effect.
        self._references: dict[tuple, Run] = {}
        self._checks: dict[tuple, QuestionChecks] = {}
        self._closed = False
        self._scratch = Path(tempfile.mkdtemp(prefix="quiz-grader-"))
        self._requests = itertools.count(1)
        self._finalizer = weakref.finalize(self, _clean_up, [None], self._scratch)

    def __enter__(self) -> Checker:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id (None before start): it stays the same across checks."""
        worker = self._worker
        return worker.pid if worker is not None else None

    def start(self) -> None:
        """Launch the worker without waiting for it to finish importing torch."""
        # No process but this one's own may open our memory or descriptors through /proc.
        set_dumpable(False)
        with self._lock:
            self._live_worker()

    @staticmethod
    def sandbox_notice() -> str | None:
        """A plain sentence to show once when checked code would run unconfined, else None."""
        return unconfined_notice()

    def close(self) -> None:
        """Stop the worker (any check in flight fails) and remove the scratch files."""
        self._closed = True
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
        self._finalizer()

    def question(self, question_id: str):
        """The bank's code question with this id; a QuizError for an unknown or recall one."""
        if self._bank is None:
            from quiz.bank import load_bank

            self._bank = load_bank()
        question = self._bank.find(question_id)  # an id, or the number the TUI shows
        if question.kind != "code":
            raise QuizError(f"'{question_id}' is a recall question: there is no code to check")
        self.checks(question)
        return question

    def checks(self, question) -> QuestionChecks:
        """The question's checks, loaded once; a QuizError if its bank's checks cannot load."""
        key = _files_key(question)
        loaded = self._checks.get(key)
        if loaded is None:
            loaded = self._checks[key] = checks_for(question)
        return loaded

    def check(self, question_id: str, source: str, *, time_limit: float | None = None) -> Verdict:
        """Run source as an answer to the question and judge it.

        `time_limit` overrides the question's own (seconds of wall and CPU time)."""
        question = self.question(question_id)
        if len(source) > MAX_SOURCE:
            raise QuizError(f"the answer is over {MAX_SOURCE:,} characters; nothing was run")
        checks = self.checks(question)
        limit = float(time_limit or question.time_limit)
        started = time.monotonic()
        try:
            with self._lock:
                reference = None
                if checks.needs_reference:
                    reference = self._reference(question, checks)
                run = self._run(question, checks, "learner", source=source, time_limit=limit)
            return judge_run(question.id, checks.module, run, reference)
        except GraderFailure as exc:
            return Verdict(
                question.id,
                passed=False,
                error=GraderError(INTERNAL, str(exc)),
                duration_s=round(time.monotonic() - started, 3),
            )

    # ------------------------------------------------------------------------- running

    def _reference(self, question, checks: QuestionChecks) -> Run:
        key = _files_key(question)
        cached = self._references.get(key)
        if cached is not None:
            return cached
        if question.solution is None:
            raise GraderFailure(f"question '{question.id}' has no reference solution")
        limit = question.time_limit * REFERENCE_TIME_FACTOR
        try:
            solution = question.solution.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise GraderFailure(f"the reference solution cannot be read: {exc}") from None
        run = self._run(question, checks, "reference", time_limit=limit, source=solution)
        failure = run.error or next((o.error for o in run.observations.values() if o.error), None)
        if failure is not None:
            raise GraderFailure(
                f"the reference solution {question.solution.name} failed: {failure.message}"
            )
        self._references[key] = run
        return run

    def _run(self, question, checks: QuestionChecks, role: str, *, time_limit: float, source: str):
        budget = checks.memory_budget
        request = {
            "op": "run",
            "question": question.id,
            "role": role,
            "names": list(question.contract),
            "checks": checks.spec,
            "source": source,
            "time_limit": time_limit,
            "memory_budget": budget,
            "mnist_dir": str(paths.mnist_dir()),
        }
        reply, stream = self._exchange(request, time_limit + REPLY_GRACE_S)
        return read_run(
            reply,
            stream,
            source=source,
            time_limit=time_limit,
            memory_budget=budget,
            output_keep=OUTPUT_KEEP,
        )

    def _exchange(self, request: dict, timeout: float) -> tuple[dict, str]:
        """Send a request, restarting a dead worker once; return the reply and the findings."""
        for attempt in (1, 2):
            result_path = None
            request["id"] = next(self._requests)
            if request["role"] == "reference":
                result_path = self._scratch / f"reference-{secrets.token_hex(16)}.jsonl"
                request["result_path"] = str(result_path)
            worker = self._live_worker()
            try:
                reply = worker.request(request, timeout)
            except _WorkerDied as exc:
                self._drop_worker(worker)
                if attempt == 2 or self._closed:
                    raise GraderFailure(
                        f"the checker's worker stopped unexpectedly ({exc})"
                    ) from None
                continue
            except _WorkerHung:
                self._drop_worker(worker)
                raise GraderFailure(
                    "the checker stopped responding and has been restarted"
                ) from None
            if result_path is None:
                return reply, reply.get("stream") or ""
            try:
                return reply, result_path.read_text(encoding="utf-8")
            except OSError:
                return reply, ""
            finally:
                result_path.unlink(missing_ok=True)
        raise AssertionError("unreachable")

    def _live_worker(self) -> _Worker:
        if self._closed:
            raise GraderFailure("the checker has been closed")
        worker = self._worker
        if worker is None or not worker.alive():
            if worker is not None:
                worker.stop()
            worker = _Worker(self._python, self._scratch, _private_paths(self._bank))
            self._worker = worker
            self._finalizer.detach()
            self._finalizer = weakref.finalize(self, _clean_up, [worker], self._scratch)
        return worker

    def _drop_worker(self, worker: _Worker) -> None:
        worker.stop()
        if self._worker is worker:
            self._worker = None


def _files_key(question) -> tuple:
    """The question and when its checks file and reference solution last changed."""
    stamps = []
    for path in (question.checks, question.solution):
        try:
            info = path.stat() if isinstance(path, Path) else None
        except OSError:
            info = None
        stamps.append((info.st_mtime_ns, info.st_size) if info else None)
    return (question.id, *stamps)


def _private_paths(bank) -> list[str]:
    """What no check may read: every bank this installation knows of (its questions, reference
    solutions and checks), the database, the grader's scratch.

    A bank's folder is hidden whole, except where it also holds quiz's own code (the
    repository of an editable install): there its bank file and its solutions go instead."""
    code = _PACKAGE_ROOT / "quiz"
    found = [
        paths.solutions_dir(),
        paths.bundled_root() / "questions.yaml",
        paths.default_bank_path(),
        paths.data_dir(),
        paths.default_db_path(),
        _PACKAGE_ROOT / "banks",  # other banks in a repository
    ]
    # What a wheel installs beside the code, in every folder this Python installs into: an
    # editable install leaves it in site-packages while the code runs from the repository.
    for folder in {_PACKAGE_ROOT, *map(Path, site.getsitepackages())}:
        found += [folder / BANKS_FOLDER, folder / "quiz" / "data"]
    if site.ENABLE_USER_SITE:
        found += [Path(site.getusersitepackages()) / p for p in (BANKS_FOLDER, "quiz/data")]
    # Every installed bank, a third party's package included, and the bank in use.
    folders = {file.resolve().parent for file in installed_banks().values()}
    source = getattr(bank, "path", None)
    if source is not None:
        source = Path(source).resolve()
        found.append(source)
        folders.add(source if source.is_dir() else source.parent)
        for question in getattr(bank, "questions", ()):
            for name in ("solution", "checks"):
                path = getattr(question, name, None)
                if isinstance(path, Path):
                    found.append(path)
                    folders.add(path.resolve().parent)
    for folder in folders:
        if folder == code or folder in code.parents:
            found += [folder / "solutions", folder / "questions.yaml"]
        else:
            found.append(folder)
    return list(dict.fromkeys(str(p) for p in found))


def judge_run(question_id: str, module, run: Run, reference: Run | None) -> Verdict:
    """The verdict on a run, compared with the reference's; never raises."""
    error, checks = run.error, []
    try:
        if error is not None:
            advice = module.explain(error, run.source) if hasattr(module, "explain") else None
            if advice:
                error.message = f"{error.message.rstrip('.')}. {advice}"
        else:
            checks = module.judge(run, reference)
        plot = module.plot(run, reference) if hasattr(module, "plot") and reference else None
    except Exception as exc:  # noqa: BLE001 - a judging bug must not take the TUI down
        error = GraderError(INTERNAL, f"the grader could not judge this answer: {exc!r}")
        checks, plot = [], None
    return Verdict(
        question_id=question_id,
        passed=error is None and bool(checks) and all(c.passed for c in checks),
        checks=checks,
        error=error,
        output=run.output,
        duration_s=run.duration_s,
        plot=plot,
    )


class _WorkerDied(Exception):
    pass


class _WorkerHung(Exception):
    pass


class _Worker:
    """One worker process and the JSON-lines conversation with it."""

    def __init__(self, python: str, scratch: Path, private: list[str]):
        self.folder = scratch / f"worker-{secrets.token_hex(16)}"
        self.folder.mkdir(mode=0o700)
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH")) if p
        )
        env[PRIVATE_ENV] = os.pathsep.join([*private, str(scratch)])
        self.log_path = scratch / f"{self.folder.name}.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [python, "-P", "-m", "quiz.grader.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=self.folder,
                env=env,
                start_new_session=True,
            )
        self.pid = self.process.pid
        self.ready = False
        self.sandbox: dict = {}
        self._buffer = bytearray()

    def alive(self) -> bool:
        return self.process.poll() is None

    def request(self, message: dict, timeout: float) -> dict:
        if not self.ready:
            hello = self._read_message(time.monotonic() + STARTUP_TIMEOUT_S)
            if not hello.get("ready"):
                raise _WorkerDied(f"unexpected greeting {hello!r}")
            self.ready = True
            self.sandbox = hello.get("sandbox") or {}
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()
        except OSError:
            raise _WorkerDied(self._log_tail()) from None
        reply = self._read_message(time.monotonic() + timeout)
        if reply.get("id") != message.get("id"):
            # Replies answer requests one for one; any other line means the pipe is not ours.
            raise _WorkerDied(f"a reply out of turn ({str(reply)[:80]})")
        if "failed" in reply:
            raise GraderFailure(f"the checker's worker failed: {reply['failed']}")
        return reply

    def _read_message(self, deadline: float) -> dict:
        fd = self.process.stdout.fileno()
        while (end := self._buffer.find(b"\n")) < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _WorkerHung()
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise _WorkerDied(self._log_tail())
                self._buffer += chunk
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            return json.loads(line)
        except ValueError:
            raise _WorkerDied(f"garbled reply {line[:80]!r}") from None

    def _log_tail(self) -> str:
        """Why the worker went away: the signal that killed it, or its last words."""
        try:
            status = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            status = None
        if status is not None and status < 0:
            return f"killed by {signal.Signals(-status).name}"
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return lines[-1] if lines else f"exit status {status}"

    def stop(self) -> None:
        if self.alive() and self.ready:
            try:
                self.process.stdin.write(b'{"op": "quit"}\n')
                self.process.stdin.flush()
                self.process.wait(timeout=1)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)
        self.log_path.unlink(missing_ok=True)


def _clean_up(workers: list, scratch: Path) -> None:
    for worker in workers:
        if worker is not None:
            worker.stop()
    shutil.rmtree(scratch, ignore_errors=True)
