"""One run of the checks: each check, the learner's output, the error at their line."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from quiz.counts import counted
from quiz.grader.display import MISSING_DATA, plain_reason
from quiz.training import MNIST_HOW
from quiz.tui.widgets.line_chart import LineChart

MAX_OUTPUT_LINES = 12
MAX_VALUE_CHARS = 400


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + " …"


def verdict_content(verdict: Any, source: str, run: int) -> Content:
    """Verdict (the grader's plain object) to styled text; `source` locates the error line."""
    checks = list(getattr(verdict, "checks", None) or [])
    passed = sum(1 for check in checks if check.passed)
    seconds = getattr(verdict, "duration_s", None)
    took = f" in {seconds:.1f} s" if isinstance(seconds, int | float) else ""
    parts: list[Content] = []
    error = getattr(verdict, "error", None)
    if error is not None and not checks:
        if MISSING_DATA in (getattr(error, "message", "") or ""):
            stopped = "cannot check here"  # the MNIST files are missing: nobody's code ran
        elif error.kind == "internal":
            stopped = "the checker failed"
        else:
            stopped = "your code stopped early"
        parts.append(
            Content.from_markup(
                "[b $error]✗ Run $run: $stopped$took[/]", run=str(run), stopped=stopped, took=took
            )
        )
    elif verdict.passed:
        parts.append(
            Content.from_markup(
                "[b $success]✓ Run $run: $all passed$took[/]",
                run=str(run),
                all=f"all {counted(len(checks), 'check')}" if len(checks) != 1 else "its check",
                took=took,
            )
        )
    else:
        parts.append(
            Content.from_markup(
                "[b $error]✗ Run $run: $passed of $n passed$took[/]",
                run=str(run),
                passed=str(passed),
                n=counted(len(checks), "check"),
                took=took,
            )
        )
    if error is not None:
        parts.append(_error_content(error, source))
    for check in checks:
        mark = "[$success]✓[/]" if check.passed else "[$error]✗[/]"
        message = getattr(check, "message", "") or ""
        # The check's name, then what came of it after a dash: "✓ uses a list comprehension
        # — returns [1, 4, 9]" reads as two things, where a space ran them into one.
        said = " [dim]—[/] $message" if message else ""
        parts.append(
            Content.from_markup(
                f"{mark} [b]$name[/]{said}", name=str(check.name), message=str(message)
            )
        )
        if not check.passed:
            for label in ("expected", "got"):
                value = getattr(check, label, None)
                if value is not None:
                    parts.append(
                        Content.from_markup(
                            "    [dim]$label[/] $value", label=f"{label:>8}", value=_value(value)
                        )
                    )
    output = (getattr(verdict, "output", "") or "").rstrip()
    if output:
        lines = output.splitlines()
        if len(lines) > MAX_OUTPUT_LINES:
            lines = ["…"] + lines[-MAX_OUTPUT_LINES:]
        parts.append(Content.from_markup("\n[b]Your output[/]"))
        parts.extend(Content("  " + line) for line in lines)
    return Content("\n").join(parts)


def _error_content(error: Any, source: str) -> Content:
    kind = getattr(error, "kind", "error")
    message = getattr(error, "message", "") or ""
    if MISSING_DATA in message:  # the files and how to get them, not the layers between
        kind = "missing MNIST files"
        message = (
            f"{plain_reason(message)}. To check this question, {MNIST_HOW}. "
            "Until then it waits outside your daily queue."
        )
    line = getattr(error, "line", None)
    where = f" on line {line}" if line else ""
    parts = [
        Content.from_markup(
            "[b $error]$kind$where:[/] $message", kind=str(kind), where=where, message=str(message)
        )
    ]
    lines = source.splitlines()
    if isinstance(line, int) and 1 <= line <= len(lines):
        parts.append(
            Content.from_markup(
                "[$error]→ $number │[/] $code", number=str(line), code=lines[line - 1]
            )
        )
    return Content("\n").join(parts)


class VerdictView(Vertical):
    """A verdict as a widget, with a chart of the learner's function when the grader sent one."""

    def __init__(self, verdict: Any, source: str, run: int):
        super().__init__(classes="verdict")
        self.verdict = verdict
        self.source = source
        self.run = run

    def compose(self) -> ComposeResult:
        yield Static(verdict_content(self.verdict, self.source, self.run), classes="verdict-text")
        plot = getattr(self.verdict, "plot", None)
        if plot and plot.get("x"):
            yield LineChart(
                plot["x"], plot.get("expected", []), plot.get("got", []), plot.get("label", "")
            )
