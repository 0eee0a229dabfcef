"""How `quiz check` prints a verdict, the same whether it came from the background worker or not.

Light on purpose: the thin client imports it to print the worker's reply.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape

from quiz.grader.verdict import Verdict


def show(verdict: Verdict, console: Console, as_json: bool = False) -> None:
    if as_json:
        console.out(json.dumps(verdict.to_dict(), indent=2), highlight=False)
        return
    passed = sum(check.passed for check in verdict.checks)
    if verdict.passed:
        console.print(
            f"[bold green]✓ {verdict.question_id}: passed[/] "
            f"[dim]({passed} checks, {verdict.duration_s:.2f} s)[/]"
        )
    else:
        total = len(verdict.checks)
        summary = f"{passed} of {total} checks passed" if total else "no result"
        console.print(f"[bold red]✗ {verdict.question_id}: not yet[/] [dim]({summary})[/]")
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


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.splitlines())
