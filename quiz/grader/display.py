"""How `quiz check` prints a verdict, the same whether it came from the background worker or not.

Light on purpose: the thin client imports it to print the worker's reply.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

from rich.console import Console
from rich.markup import escape

from quiz.counts import counted
from quiz.grader.text import printable
from quiz.grader.verdict import INTERNAL, Verdict

MISSING_DATA = "quiz.mnist.Mnist"
"""How the name of every quiz.mnist error (MnistMissing, MnistCorrupt…) begins in a verdict."""
PASSED, NOT_YET, CANNOT_CHECK = 0, 1, 3
"""Exit statuses; a usage error (QuizError) is 2, set by the CLI."""


def exit_status(verdict: Verdict) -> int:
    if verdict.passed:
        return PASSED
    error = verdict.error
    # Missing MNIST files stop the checks before the learner's code is judged, in any role.
    if error is not None and (error.kind == INTERNAL or MISSING_DATA in error.message):
        return CANNOT_CHECK
    return NOT_YET


def cannot_check(question_id: str, reason: str) -> int:
    """Say in one line why nothing could be checked, and return its exit status."""
    line = f"quiz: cannot check {question_id}: {plain_reason(reason)}"
    print(printable(line), file=sys.stderr)
    return CANNOT_CHECK


def plain_reason(message: str) -> str:
    """The innermost cause of a grader failure, without the layers it passed through."""
    missing = re.search(re.escape(MISSING_DATA) + r"\w*: (.*)", message)
    if missing:
        how = "set QUIZ_MNIST_DIR to the folder that holds them, or `quiz train` downloads them"
        return f"{missing.group(1)} ({how})"
    return message.replace("checking your code failed: ", "")


def show(
    verdict: Verdict, console: Console, as_json: bool = False, whole_s: float | None = None
) -> None:
    """Print the verdict; `whole_s`, the whole command's time, is told apart from the checks'."""
    if as_json:
        # json.dumps writes every control character and lone surrogate as a \u escape.
        console.out(json.dumps(verdict.to_dict(), indent=2), highlight=False)
        return
    verdict = _printable(verdict)
    passed = sum(check.passed for check in verdict.checks)
    if verdict.passed:
        console.print(
            f"[bold green]✓ {verdict.question_id}: passed[/] "
            f"[dim]({counted(passed, 'check')} in {verdict.duration_s:.2f} s{_whole(whole_s)})[/]"
        )
    else:
        total = len(verdict.checks)
        summary = f"{passed} of {counted(total, 'check')} passed" if total else "no result"
        console.print(
            f"[bold red]✗ {verdict.question_id}: not yet[/] [dim]({summary}{_whole(whole_s)})[/]"
        )
    if verdict.error:
        error = verdict.error
        console.print(f"  [red]{escape(error.kind)}:[/] {escape(error.message)}")
        if error.detail:
            style = None if error.kind == "syntax" else "dim"
            console.print(escape(_indent(error.detail, 4)), style=style)
    for check in verdict.checks:
        mark = "[green]✓[/]" if check.passed else "[red]✗[/]"
        console.print(f"  {mark} {escape(check.name)}: {escape(check.message)}")
        if not check.passed and check.expected is not None:
            console.print(f"      expected: {escape(check.expected)}")
            console.print(f"      got:      {escape(check.got or '')}")
    if verdict.output.strip():
        console.print("  [dim]── your code printed ──[/]")
        console.print(escape(_indent(verdict.output.rstrip(), 4)), style="dim")


def _printable(verdict: Verdict) -> Verdict:
    """The verdict with every text the answer could have shaped made safe for a terminal."""
    data = verdict.to_dict()
    data["output"] = printable(data["output"])
    if data["error"]:
        data["error"] = {
            name: printable(value) if isinstance(value, str) else value
            for name, value in data["error"].items()
        }
    data["checks"] = [
        {name: printable(value) if isinstance(value, str) else value for name, value in c.items()}
        for c in data["checks"]
    ]
    data["question_id"] = printable(data["question_id"])
    return Verdict.from_dict(data)


def since_start(fallback: float) -> float:
    """Seconds since the `quiz` process began, Python's own start-up included where the
    system says when that was (Linux); else, or when quiz runs inside another program, since
    `fallback`, a `time.monotonic()` reading."""
    if os.path.basename(sys.argv[0]) not in ("quiz", "__main__.py"):
        return time.monotonic() - fallback
    try:
        with open("/proc/self/stat", "rb") as stat, open("/proc/uptime", "rb") as uptime:
            # Field 22, after the parenthesised command name, is the start in clock ticks.
            ticks = int(stat.read().rsplit(b")", 1)[1].split()[19])
            now = float(uptime.read().split()[0])
        return max(0.0, now - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - fallback


def _whole(whole_s: float | None) -> str:
    return "" if whole_s is None else f"; the whole command {whole_s:.1f} s, with start-up"


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.splitlines())
