"""The warm worker: imports torch once, then forks one fenced child per check.

Run as `python -m quiz.grader.worker` by the Checker; requests and replies are JSON lines on
stdin and stdout. A check costs a fork, not an import. The worker keeps no reference answers:
a reference run's child reads the solution file itself and writes its findings straight to a
file the parent named, so no learner child forked later can find them in the worker's memory.
"""

from __future__ import annotations

import gc
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from quiz.grader.limits import OUTPUT_FLOOD, OUTPUT_KEEP, RESULT_LIMIT

DRAIN_S = 1.0  # how long to wait for the pipes to empty once the child is gone
PR_SET_CHILD_SUBREAPER = 36


def main() -> int:
    # Keep the protocol on private descriptors, so nothing that prints can corrupt it.
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    base_vm = warm_up()
    _become_subreaper()
    protocol_fds = (requests.fileno(), replies.fileno(), devnull)

    def reply(message: dict) -> None:
        replies.write(json.dumps(message).encode() + b"\n")
        replies.flush()

    import torch

    reply({"ready": True, "pid": os.getpid(), "vm_size": base_vm, "torch": torch.__version__})
    for line in requests:
        request = json.loads(line)
        if request.get("op") == "quit":
            break
        try:
            reply(supervise(request, base_vm, protocol_fds))
        except Exception as exc:  # noqa: BLE001 - report, and stay up for the next check
            reply({"failed": f"{type(exc).__name__}: {exc}"})
    return 0


def warm_up() -> int:
    """Import torch and every probe, run one tiny training step, and freeze the heap.

    Returns the address-space size afterwards, the base for each child's memory limit."""
    import numpy  # noqa: F401
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    from quiz.grader import child, questions  # noqa: F401

    questions.load_all()
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


def supervise(request: dict, base_vm: int, protocol_fds: tuple[int, ...]) -> dict:
    """Fork a child for the request, watch it within its limits, clean up, report."""
    from quiz.grader import child

    memory_limit = base_vm + int(request["memory_budget"])
    out_r, out_w = os.pipe()
    if request["role"] == "reference":
        res_r = None
        res_w = os.open(request["result_path"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    else:
        res_r, res_w = os.pipe()
    workdir = tempfile.mkdtemp(prefix="quiz-check-")
    worker_pid = os.getpid()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            for fd in (out_r, res_r, *protocol_fds):
                if fd is not None:
                    os.close(fd)
            os.chdir(workdir)
        finally:
            child.run(request, out_w, res_w, memory_limit, worker_pid)
    os.close(out_w)
    os.close(res_w)
    watch = _Watch(pid, out_r, res_r, started + float(request["time_limit"]))
    watch.run()
    wall_s = (watch.ended or time.monotonic()) - started
    _kill_group(pid)
    _, status, usage = os.wait4(pid, 0)
    _sweep_descendants()
    watch.drain()
    shutil.rmtree(workdir, ignore_errors=True)
    code = os.waitstatus_to_exitcode(status)
    return {
        "pid": pid,
        "exit_code": code if code >= 0 else None,
        "signal": signal.Signals(-code).name if code < 0 else None,
        "stopped": watch.reason,
        "output": bytes(watch.output).decode("utf-8", "replace"),
        "output_bytes": watch.output_total,
        "stream": bytes(watch.result).decode("utf-8", "replace") if res_r is not None else None,
        "wall_s": round(wall_s, 4),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
    }


class _Watch:
    """Reads a child's pipes until it exits or breaks a limit (`reason` then says which)."""

    def __init__(self, pid: int, out_r: int, res_r: int | None, deadline: float):
        self.pid = pid
        self.out_r = out_r
        self.open = [fd for fd in (out_r, res_r) if fd is not None]
        self.deadline = deadline
        self.output = bytearray()
        self.output_total = 0
        self.result = bytearray()
        self.reason: str | None = None  # "timeout", "output" or "result"
        self.ended: float | None = None

    def run(self) -> None:
        pidfd = os.pidfd_open(self.pid)
        try:
            while self.reason is None:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    self.reason = "timeout"
                    break
                ready, _, _ = select.select([*self.open, pidfd], [], [], remaining)
                for fd in ready:
                    if fd != pidfd:
                        self._read(fd)
                if pidfd in ready:
                    self.ended = time.monotonic()
                    return
        finally:
            os.close(pidfd)

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
