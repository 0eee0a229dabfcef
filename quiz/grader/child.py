"""Inside the forked child: fence the process in, run the code, let the probe exercise it.

Everything the child learns goes out as JSON lines on the result pipe; the child never decides
whether the answer is right. It always ends in os._exit, so nothing of the worker's state
(atexit hooks, buffered protocol output) runs twice. Before any of the code runs, the child
holds only its pipes, a minimal environment and the fences of sandbox.py.
"""

from __future__ import annotations

import builtins
import ctypes
import fcntl
import io
import linecache
import math
import os
import random
import resource
import signal
import sys
import tempfile
import types
from dataclasses import dataclass

import numpy as np
import torch

from quiz.errors import QuizError
from quiz.grader import sandbox, seccomp
from quiz.grader.harness import (
    CallFailed,
    EventStream,
    NotUsable,
    Probe,
    Stop,
    describe_exception,
    describe_syntax_error,
    exit_error,
    mnist_files,
)
from quiz.grader.limits import (
    DETAIL_LIMIT,
    FILE_SIZE_LIMIT,
    MESSAGE_LIMIT,
    OPEN_FILES,
    PROCESS_LIMIT,
)
from quiz.grader.question_checks import probe_module

PR_SET_PDEATHSIG = 1
LEARNER_FILE = "answer.py"
REFERENCE_FILE = "solution.py"
RESULT_FD = 3  # the result pipe's number in the child
FINISHED_FD = 4  # where the child says it is about to exit normally; every higher one is closed


@dataclass(frozen=True)
class Pipes:
    """The child's ends: its output, its findings, and where it says it is about to exit."""

    output: int
    result: int
    finished: int


def run(
    request: dict,
    pipes: Pipes,
    memory_limit: int,
    worker_pid: int,
    workdir: str,
    fences,
    space: sandbox.CheckSpace,
):
    """Run one request in this freshly forked child; never returns.

    Just before a normal exit it writes its CPU time, and whether the scratch folder filled
    up, to the finished pipe, so the worker can answer without waiting for the kernel to tear
    down a process the size of one holding torch."""
    try:
        parent = 1 if fences.namespaces else worker_pid
        _fence(request["time_limit"], memory_limit, parent, space.own_users)
        source = _source(request)
        _redirect_output(pipes.output)
        finished_fd = fcntl.fcntl(pipes.finished, fcntl.F_DUPFD, FINISHED_FD + 1)
        os.dup2(pipes.result, RESULT_FD)
        os.dup2(finished_fd, FINISHED_FD)
        os.close(finished_fd)
        stream = CappedStream(RESULT_FD)
        try:
            _enclose(request, workdir, fences, space)
        except OSError as exc:
            stream.error({"kind": "internal", "message": f"the sandbox could not be set up: {exc}"})
            os._exit(73)
        try:
            _run_code(request, source, stream)
        except Stop:
            pass
        _flush()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        full = b" full" if sandbox.scratch_full(workdir) else b""
        os.write(FINISHED_FD, b"%.3f%s" % (usage.ru_utime + usage.ru_stime, full))
        os._exit(0)
    except BaseException:  # noqa: BLE001 - last resort: the worker reports a bare exit
        os._exit(70)


class CappedStream(EventStream):
    """The findings pipe, with an error's message and traceback cut to a size that prints,
    saying where and by how much they were cut."""

    def error(self, error: dict) -> None:
        super().error(_capped(error))

    def observe(self, key: str, label: str, **fields) -> None:
        if isinstance(fields.get("error"), dict):
            fields["error"] = _capped(fields["error"])
        super().observe(key, label, **fields)


def _capped(error: dict) -> dict:
    capped = dict(error)
    for field, limit in (("message", MESSAGE_LIMIT), ("detail", DETAIL_LIMIT)):
        text = capped.get(field)
        if isinstance(text, str) and len(text) > limit:
            capped[field] = (
                f"{text[:limit]}… [{len(text) - limit:,} more characters cut: "
                f"{field}s are kept to {limit:,}]"
            )
    return capped


def _source(request: dict) -> str:
    """The code to run: the answer, or the reference solution, as the parent read it."""
    return request["source"]


def _enclose(request: dict, workdir: str, fences, space: sandbox.CheckSpace) -> None:
    """Shut the child in: a minimal environment, no capabilities, Landlock, seccomp."""
    os.environ.clear()
    os.environ.update(
        PATH="/usr/local/bin:/usr/bin:/bin",
        HOME=workdir,
        TMPDIR=workdir,
        LANG="C.UTF-8",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    tempfile.tempdir = workdir
    if fences.namespaces:
        sandbox.drop_capabilities()
    if fences.landlock_abi:
        # A /proc of the check's own may be read whole; the system's, only this process's.
        proc = "/proc" if space.own_proc else "/proc/self"
        also = [*mnist_files(request["mnist_dir"]), proc]
        sandbox.landlock(fences.landlock_abi, fences.rules, workdir, also)
    os.closerange(FINISHED_FD + 1, _max_fd())
    _lower(resource.RLIMIT_NOFILE, OPEN_FILES)
    if fences.seccomp:
        seccomp.install()
    sandbox.set_dumpable(False)


def _max_fd() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def _fence(time_limit: float, memory_limit: int, parent: int, own_users: bool) -> None:
    """Own session (so the worker can kill the whole group), die with the worker, and limits."""
    os.setsid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(71)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    cpu = math.ceil(time_limit) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if own_users:
        # Counted by the kernel in the check's own user namespace, its first process
        # included; for root it counts nothing, and the worker's totals stop the check.
        _lower(resource.RLIMIT_NPROC, PROCESS_LIMIT + 1)


def _lower(limit: int, value: int) -> None:
    _, hard = resource.getrlimit(limit)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(limit, (value, value))


def _redirect_output(output_fd: int) -> None:
    """fd 1 and 2 go to the capture pipe; stdin reads nothing."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = _text_stream(1)
    sys.stderr = _text_stream(2)


def _text_stream(fd: int) -> io.TextIOWrapper:
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", write_through=True)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _run_code(request: dict, source: str, stream: EventStream) -> None:
    try:
        question = probe_module(request["checks"])
    except QuizError as exc:
        stream.error({"kind": "internal", "message": str(exc)})
        return
    filename = REFERENCE_FILE if request["role"] == "reference" else LEARNER_FILE
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        stream.error(describe_syntax_error(exc))
        return
    except (ValueError, MemoryError, RecursionError) as exc:
        stream.error({"kind": "syntax", "message": f"Python cannot compile this code: {exc}"})
        return

    module = types.ModuleType("answer")
    module.__file__ = filename
    module.__builtins__ = builtins
    sys.modules["answer"] = module
    before = getattr(question, "before", None)
    if before is not None:
        before()
    _seed_everything()
    try:
        exec(code, module.__dict__)
    except SystemExit as exc:
        stream.error(exit_error(exc))
        return
    except BaseException as exc:  # noqa: BLE001
        stream.error(describe_exception(exc, filename))
        return

    namespace = module.__dict__
    missing = [name for name in request["names"] if name not in namespace]
    if missing:
        names = " or ".join(missing)
        stream.error({"kind": "missing-name", "message": f"your code doesn't define {names}"})
        return

    probe = Probe(namespace, stream, filename, request["mnist_dir"])
    _seed_everything()
    try:
        question.probe(probe)
    except CallFailed:
        pass
    except NotUsable as exc:
        stream.error({"kind": "missing-name", "message": str(exc)})
        return
    except SystemExit as exc:
        stream.error(exit_error(exc))
        return
    except Stop:
        return
    except BaseException as exc:  # noqa: BLE001 - the learner's objects can break the harness
        error = describe_exception(exc, filename)
        error["message"] = f"checking your code failed: {error['message']}"
        stream.error(error)
        return
    stream.done()


def _seed_everything() -> None:
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
