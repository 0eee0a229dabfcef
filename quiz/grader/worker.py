"""The warm worker: imports torch once, then forks one fenced child per check.

Run as `python -m quiz.grader.worker` by the Checker, in the scratch folder the Checker made
for it; requests and replies are JSON lines on stdin and stdout. A check costs a fork, not an
import. Where the kernel allows, the worker lives in namespaces of its own and each check in a
fresh PID namespace under it (see sandbox.py), so nothing a check starts outlives it.
The worker keeps no reference answers: a reference run's child reads the solution file itself
and writes its findings straight to a file the parent named, so no learner child forked later
can find them in the worker's memory.

Forking a process that holds torch costs tens of milliseconds, most of a warm check. So once a
check has been answered, the worker forks the next learner check's child ahead of time: it
waits, unfenced but with nothing to run, for its request on a pipe, and a learner's save is
answered without waiting for a fork. While a check runs, the worker also keeps its totals:
the processes it has and the memory they hold together (see totals.py).
"""

from __future__ import annotations

import gc
import json
import os
import select
import shutil
import signal
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quiz.grader import sandbox, seccomp
from quiz.grader.importable import python_paths
from quiz.grader.limits import (
    OUTPUT_FLOOD,
    OUTPUT_KEEP,
    PROCESS_LIMIT,
    RESULT_LIMIT,
    SCRATCH_FILES,
    SCRATCH_LIMIT,
)
from quiz.grader.totals import TICK_S, Totals, status_fields

DRAIN_S = 1.0  # how long to wait for the pipes to empty once the child is gone
PR_SET_CHILD_SUBREAPER = 36
PRIVATE_ENV = "QUIZ_GRADER_PRIVATE"  # paths no check may read, os.pathsep-separated


@dataclass
class Fences:
    """What each check's child is fenced with, prepared once by the worker."""

    namespaces: bool
    landlock_abi: int
    seccomp: bool
    rules: sandbox.PreparedRules | None
    pid_namespaces: sandbox.PidNamespaces | None
    hidden: tuple[str, ...] = ()  # covered by empty mounts in each check's mount namespace
    empty_file: str = ""  # what covers a hidden file

    def describe(self) -> dict:
        return {
            "namespaces": self.namespaces,
            "landlock": self.landlock_abi,
            "seccomp": self.seccomp,
        }


def main() -> int:
    # Namespaces first, while this process has a single thread (unshare demands it).
    namespaces = sandbox.isolate_worker()
    sandbox.set_dumpable(False)
    home = Path.cwd()
    private = [p for p in os.environ.pop(PRIVATE_ENV, "").split(os.pathsep) if p]
    # Keep the protocol on private descriptors, so nothing that prints can corrupt it.
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    base_vm = warm_up()
    _become_subreaper()
    fences = prepare_fences(namespaces, [*private, str(home)], home)
    protocol_fds = (requests.fileno(), replies.fileno(), devnull)

    def reply(message: dict) -> None:
        replies.write(json.dumps(message).encode() + b"\n")
        replies.flush()

    import torch

    reply(
        {
            "ready": True,
            "vm_size": base_vm,
            "torch": torch.__version__,
            "sandbox": fences.describe(),
        }
    )
    forks = Forks(base_vm, protocol_fds, fences, home)
    try:
        forks.prepare_spare()
        for line in requests:
            request = json.loads(line)
            if request.get("op") == "quit":
                break
            after = _nothing
            try:
                answer, after = supervise(request, forks)
            except Exception as exc:  # noqa: BLE001 - report, and stay up for the next check
                answer = {"failed": f"{type(exc).__name__}: {exc}"}
            reply({"id": request.get("id"), **answer})
            after()
            forks.prepare_spare()
    finally:
        forks.discard_spare()
        # Whoever started the worker may be gone: leave no check folders behind.
        for folder in home.glob("check-*"):
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def prepare_fences(namespaces: bool, private: list[str], home: Path) -> Fences:
    """Work out, once, what each check may read, and open those paths for Landlock.

    The system folders are allowed less every folder of Python's path and every private
    path; the path's folders are then allowed entry by entry, only what is code."""
    abi = sandbox.landlock_abi()
    rules = None
    if abi:
        path_folders = [p for p in sys.path if p and os.path.isdir(p)]
        system = [*sandbox.SYSTEM_READ, os.path.realpath(sys.executable)]
        read = sandbox.read_rules(system, [*private, *path_folders])
        read += sandbox.read_rules(python_paths(), private)
        rules = sandbox.PreparedRules(
            sandbox.Rules(read=read, write=sandbox.SYSTEM_WRITE), holes=private
        )
    empty_file = home / "empty"
    empty_file.touch(mode=0o400)
    return Fences(
        namespaces=namespaces,
        landlock_abi=abi,
        seccomp=seccomp.supported(),
        rules=rules,
        pid_namespaces=sandbox.PidNamespaces() if namespaces else None,
        hidden=_outermost(os.path.realpath(p) for p in private if os.path.lexists(p)),
        empty_file=str(empty_file),
    )


def _outermost(paths) -> tuple[str, ...]:
    """The paths, less any beneath another of them (covering the outer one covers it)."""
    unique = sorted(set(paths))
    return tuple(p for p in unique if not any(p.startswith(q + os.sep) for q in unique))


def warm_up() -> int:
    """Import torch and every probe, run one tiny training step, and freeze the heap.

    Returns the address-space size afterwards, the base for each child's memory limit."""
    import numpy  # noqa: F401
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    from quiz import checks  # noqa: F401 - what every bank's checks file imports
    from quiz.grader import cases, child, harness  # noqa: F401 - harness brings quiz.mnist

    with harness.OperatorWatch(frozenset({"relu"})):  # its first use costs seconds
        torch.relu(torch.ones(2))
    model = torch.nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
    loss = F.cross_entropy(model(x), y) + (x.exp().clamp(max=2) @ torch.ones(4, 1)).abs().mean()
    loss.backward()
    opt.step()
    opt.zero_grad()
    gc.collect()
    gc.freeze()
    return _vm_size()


@dataclass
class Child:
    """A forked check child and the worker's ends of its pipes."""

    pid: int
    workdir: str
    out_r: int
    res_r: int | None  # None: a reference run writes its findings to a file
    status_r: int
    request_w: int
    finished_r: int

    def hand(self, request: dict) -> bool:
        """Send the child its request; False if it is gone (killed while it waited)."""
        data = json.dumps(request).encode()
        try:
            while data:
                data = data[os.write(self.request_w, data) :]
        except OSError:  # BrokenPipeError: nobody reads the other end any more
            return False
        finally:
            os.close(self.request_w)
        return True

    def close(self) -> None:
        for fd in (self.out_r, self.res_r, self.status_r, self.finished_r):
            if fd is not None:
                os.close(fd)


class Forks:
    """Forks each check's child, keeping one forked ahead for the next learner check."""

    def __init__(self, base_vm: int, protocol_fds: tuple[int, ...], fences: Fences, home: Path):
        self.base_vm = base_vm
        # Anonymous memory each child starts with, shared with the worker until written.
        self.inherited = status_fields("self", "RssAnon").get("RssAnon", 0)
        # Totals are read from /proc by pid: only where /proc numbers processes as we do.
        self.measurable = sandbox.proc_matches_pids()
        self.protocol_fds = protocol_fds
        self.fences = fences
        self.home = home
        self.spare: Child | None = None

    def child_for(self, request: dict) -> Child:
        """A child that has been handed the request: the spare for a learner's code, else a
        fresh fork (a reference run writes to a file the parent named, opened for it alone)."""
        spare, self.spare = self.spare, None
        if spare is not None and request["role"] == "learner":
            if spare.hand(request):
                return spare
            self._discard(spare)
        elif spare is not None:
            self._discard(spare)
        result_path = request["result_path"] if request["role"] == "reference" else None
        child = self.fork(result_path)
        if not child.hand(request):
            self._discard(child)
            raise RuntimeError("the check's child ended before it was given its request")
        return child

    def prepare_spare(self) -> None:
        """Fork the next learner check's child now, while nobody is waiting for a verdict."""
        if self.spare is None:
            try:
                self.spare = self.fork(None)
            except OSError:  # no room for another process now: the next check forks its own
                self.spare = None

    def discard_spare(self) -> None:
        spare, self.spare = self.spare, None
        if spare is not None:
            self._discard(spare)

    def _discard(self, child: Child) -> None:
        _kill_group(child.pid)
        try:
            os.waitpid(child.pid, 0)
        except ChildProcessError:
            pass
        _sweep_descendants()
        child.close()
        shutil.rmtree(child.workdir, ignore_errors=True)

    def fork(self, result_path: str | None) -> Child:
        """Fork a child that waits for its request, then fences itself in and runs it."""
        from quiz.grader import child

        out_r, out_w = os.pipe()
        if result_path is not None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            res_r, res_w = None, os.open(result_path, flags, 0o600)
        else:
            res_r, res_w = os.pipe()
        status_r, status_w = os.pipe()
        request_r, request_w = os.pipe()
        finished_r, finished_w = os.pipe()
        workdir = tempfile.mkdtemp(prefix="check-", dir=self.home)
        worker_pid = os.getpid()
        try:
            if self.fences.pid_namespaces is not None:
                pid = self.fences.pid_namespaces.fork()
            else:
                pid = os.fork()
        except OSError:  # no process to be had: leave no pipe or folder behind
            for fd in (out_r, out_w, res_r, res_w, status_r, status_w, request_r, request_w):
                if fd is not None:
                    os.close(fd)
            os.close(finished_r)
            os.close(finished_w)
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        if pid == 0:
            try:
                for fd in (out_r, res_r, status_r, request_w, finished_r, *self.protocol_fds):
                    if fd is not None:
                        os.close(fd)
                space = sandbox.CheckSpace()
                if self.fences.namespaces:
                    # returns only in the grandchild that runs the code
                    # A reference run is the bank's own code: nothing is covered for it.
                    hidden = self.fences.hidden if result_path is None else ()
                    space = _become_init(status_w, self.fences, workdir, hidden)
                else:
                    os.close(status_w)
                os.chdir(workdir)
                request = _read_request(request_r)
                memory_limit = self.base_vm + int(request["memory_budget"])
            except BaseException:  # noqa: BLE001 - no request (the worker is gone): stop here
                os._exit(74)
            pipes = child.Pipes(out_w, res_w, finished_w)
            child.run(request, pipes, memory_limit, worker_pid, workdir, self.fences, space)
        for fd in (out_w, res_w, status_w, request_r, finished_w):
            os.close(fd)
        return Child(pid, workdir, out_r, res_r, status_r, request_w, finished_r)


def _read_request(fd: int) -> dict:
    """The whole request, sent as JSON and ended by the worker closing its end."""
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    return json.loads(b"".join(chunks))


def supervise(request: dict, forks: Forks) -> tuple[dict, Callable[[], None]]:
    """Hand the request to a child and watch it within its limits; the report, and what
    cleans up after it.

    A child that says it is exiting normally is reported at once, and cleaned up (killed,
    reaped, every process it left swept away) straight after the reply, before the next
    request is read; any other ending is waited for, since how it ended is the report."""
    child = forks.child_for(request)
    started = time.monotonic()
    # The first process of a check's PID namespace is the worker's, not the code's.
    first = 1 if forks.fences.namespaces else 0
    totals = Totals(
        child.pid, forks.inherited, int(request["memory_budget"]), PROCESS_LIMIT + first
    )
    watch = _Watch(
        child, started + float(request["time_limit"]), totals if forks.measurable else None
    )
    watch.run()
    wall_s = (watch.ended or time.monotonic()) - started

    def clean_up() -> tuple[int, float, bool]:
        _kill_group(child.pid)
        _, status, usage = os.wait4(child.pid, 0)
        _sweep_descendants()
        watch.drain()
        code_status, full = _code_status(child.status_r)
        os.close(child.status_r)
        os.close(child.finished_r)
        shutil.rmtree(child.workdir, ignore_errors=True)
        code = os.waitstatus_to_exitcode(status if code_status is None else code_status)
        return code, usage.ru_utime + usage.ru_stime, full

    if watch.finished_cpu_s is not None and watch.reason is None:
        code, cpu_s, after = 0, watch.finished_cpu_s, clean_up
    else:
        (code, cpu_s, full), after = clean_up(), _nothing
        if full and watch.reason is None:
            watch.reason = "disk"
    answer = {
        "exit_code": code if code >= 0 else None,
        "signal": _signal_name(-code) if code < 0 else None,
        "stopped": watch.reason,
        "output": bytes(watch.output).decode("utf-8", "replace"),
        "output_bytes": watch.output_total,
        "stream": bytes(watch.result).decode("utf-8", "replace")
        if child.res_r is not None
        else None,
        "wall_s": round(wall_s, 4),
        "cpu_s": round(cpu_s, 3),
    }
    return answer, after


def _nothing() -> None:
    pass


def _become_init(status_w: int, fences: Fences, workdir: str, hidden) -> sandbox.CheckSpace:
    """In the first process of a check's PID namespace: enclose the check, fork the code's
    process and wait.

    This process stays outside the code's Landlock domain, so the code cannot signal it; when
    the code's process ends, it sends the worker its wait status and whether the scratch
    folder was full, and exits, and the kernel kills whatever else the code started in the
    namespace."""
    sandbox.die_with_parent(signal.SIGKILL)
    poller = select.poll()
    poller.register(status_w, select.POLLOUT)
    if any(event & select.POLLERR for _, event in poller.poll(0)):
        os._exit(71)  # the worker died before we could follow it
    space = sandbox.enclose_check(workdir, hidden, fences.empty_file, SCRATCH_LIMIT, SCRATCH_FILES)
    pid = os.fork()
    if pid == 0:
        os.close(status_w)
        return space
    while True:
        try:
            done, status = os.wait()
        except ChildProcessError:
            os._exit(72)
        except InterruptedError:
            continue
        if done == pid:
            full = sandbox.scratch_full(workdir)
            os.write(status_w, struct.pack("ii", status, full))
            os._exit(0)


def _code_status(status_r: int) -> tuple[int | None, bool]:
    """The wait status of the process that ran the code, as its namespace's init sent it,
    and whether the scratch folder was full when it ended."""
    ready, _, _ = select.select([status_r], [], [], 0)
    if not ready:
        return None, False
    data = os.read(status_r, 8)
    if len(data) != 8:
        return None, False
    status, full = struct.unpack("ii", data)
    return status, bool(full)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class _Watch:
    """Reads a child's pipes until it exits, says it is exiting, or breaks a limit (`reason`
    then says which)."""

    def __init__(self, child: Child, deadline: float, totals: Totals | None):
        self.pid = child.pid
        self.totals = totals
        self.out_r = child.out_r
        self.finished_r: int | None = child.finished_r
        self.open = [fd for fd in (child.out_r, child.res_r) if fd is not None]
        self.deadline = deadline
        self.output = bytearray()
        self.output_total = 0
        self.result = bytearray()
        # "timeout", "output", "result", "processes", "memory" or "disk"
        self.reason: str | None = None
        self.ended: float | None = None
        self.finished_cpu_s: float | None = None  # what the child said just before its exit

    def run(self) -> None:
        pidfd = os.pidfd_open(self.pid)
        measure_at = time.monotonic() + TICK_S if self.totals is not None else float("inf")
        try:
            while self.reason is None:
                now = time.monotonic()
                remaining = self.deadline - now
                if remaining <= 0:
                    self.reason = "timeout"
                    break
                if now >= measure_at and self.totals is not None:
                    self.reason = self.totals.exceeded()
                    measure_at = now + TICK_S
                    if self.reason:
                        break
                finished = [self.finished_r] if self.finished_r is not None else []
                wait = min(remaining, max(0.0, measure_at - now))
                ready, _, _ = select.select([*self.open, *finished, pidfd], [], [], wait)
                for fd in ready:
                    if fd not in (pidfd, self.finished_r):
                        self._read(fd)
                if self.finished_r in ready and self._finished():
                    self.ended = time.monotonic()
                    self._read_waiting()
                    return
                if pidfd in ready:
                    self.ended = time.monotonic()
                    return
        finally:
            os.close(pidfd)

    def _finished(self) -> bool:
        """Whether the child said it is exiting; a pipe closed without a word is left alone."""
        said = os.read(self.finished_r, 64)
        if not said:
            self.finished_r = None  # the worker closes it when cleaning up
            return False
        cpu, _, full = said.partition(b" ")
        try:
            self.finished_cpu_s = float(cpu)
        except ValueError:
            self.finished_cpu_s = 0.0
        if full == b"full":
            self.reason = "disk"
        return True

    def _read_waiting(self) -> None:
        """Everything the child wrote before it said so is in the pipes: read it all."""
        while self.open and self.reason is None:
            ready, _, _ = select.select(self.open, [], [], 0)
            if not ready:
                return
            for fd in ready:
                self._read(fd)

    def drain(self) -> None:
        """Read what is left once every writer is gone, then close the pipes."""
        until = time.monotonic() + DRAIN_S
        while self.open and time.monotonic() < until:
            ready, _, _ = select.select(self.open, [], [], 0.1)
            for fd in ready:
                self._read(fd)
        for fd in self.open:
            os.close(fd)
        self.open = []

    def _read(self, fd: int) -> None:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            self.open.remove(fd)
            os.close(fd)
        elif fd == self.out_r:
            self.output_total += len(chunk)
            room = OUTPUT_KEEP - len(self.output)
            if room > 0:
                self.output += chunk[:room]
            if self.output_total > OUTPUT_FLOOD and self.reason is None:
                self.reason = "output"
        else:
            self.result += chunk
            if len(self.result) > RESULT_LIMIT and self.reason is None:
                self.reason = "result"
                self.result = self.result[:RESULT_LIMIT]


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _become_subreaper() -> None:
    """Orphans of a check become the worker's children, so none can escape the sweep."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _children() -> list[int]:
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return pids


def _sweep_descendants() -> None:
    """Kill and reap every process a check left behind, however it detached itself."""
    for _ in range(100):
        kids = _children()
        if not kids:
            break
        for kid in kids:
            _kill_group(kid)
        for kid in kids:
            try:
                os.waitpid(kid, 0)
            except ChildProcessError:
                pass
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                break
        except ChildProcessError:
            break


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("cannot read VmSize from /proc/self/status")


if __name__ == "__main__":
    sys.exit(main())
