"""Totals for one check across all its processes, read by the worker from /proc as it runs.

Per-process limits (RLIMIT_AS, RLIMIT_NPROC) let a check that forks multiply them, and
RLIMIT_NPROC means nothing to a user who is root. So while a check runs, the worker sums what
every process of the check holds and stops the check when the sum passes its budget. Memory is
counted as anonymous and shared memory beyond what each process inherited from the worker at
its fork (pages shared copy-on-write are the worker's, not the check's).
"""

from __future__ import annotations

from pathlib import Path

TICK_S = 0.05  # how often a running check is measured; a quick check is never measured


def status_fields(pid: int | str, *names: str) -> dict[str, int]:
    """Fields of /proc/PID/status given in kB, in bytes; missing ones are left out."""
    found: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in names:
            found[key] = int(value.split()[0]) * 1024
    return found


def descendants(pid: int) -> list[int]:
    """pid and every process below it, however deep."""
    found, todo = [pid], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                kids = [int(p) for p in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found += kids
            todo += kids
    return found


class Totals:
    """What one check may hold in all: a number of processes and bytes of memory."""

    def __init__(self, root: int, inherited: int, memory_budget: int, process_limit: int):
        self.root = root
        self.inherited = inherited
        self.memory_budget = memory_budget
        self.process_limit = process_limit

    def exceeded(self) -> str | None:
        """ "processes" when the check has reached its number of processes, "memory" when it
        holds more than its budget, else None."""
        pids = descendants(self.root)
        if len(pids) >= self.process_limit:
            return "processes"
        held = 0
        for pid in pids:
            fields = status_fields(pid, "RssAnon", "RssShmem")
            anon = fields.get("RssAnon", 0)
            held += max(0, anon - self.inherited) + fields.get("RssShmem", 0)
        return "memory" if held > self.memory_budget else None
