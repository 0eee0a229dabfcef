"""The learner's answer box: prose for recall questions, a Python editor for coding ones."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual import events
from textual.content import Content
from textual.widgets import TextArea

from quiz.bank import Question


def prompt_content(question: Question) -> Content:
    """The prompt with its `inline code` picked out: lighter than a Markdown widget."""
    parts = [Content.from_markup("[b]$number.[/] ", number=str(question.number))]
    for index, piece in enumerate(re.split(r"`([^`]*)`", question.prompt.strip())):
        if index % 2:
            parts.append(Content.from_markup("[$accent]$code[/]", code=piece))
        else:
            parts.append(Content(piece))
    return Content("").join(parts)


class AnswerArea(TextArea):
    """One text area serves every question, so keys typed straight away are never lost.

    It runs its screen's command keys itself (`COMMAND_KEYS`, `run_command`), in the order
    they were typed: a binding only acts once its key has bubbled up to the app, by which
    time the text area may have taken keys typed after it ("ctrl+s 5" would type the 5).
    """

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen
        if event.key in getattr(screen, "COMMAND_KEYS", ()):
            event.stop()
            event.prevent_default()  # TextArea's own handler must not see it
            await screen.run_command(event.key)

    def prepare(self, question: Question) -> None:
        code = question.is_code
        self.read_only = False
        self.soft_wrap = not code
        self.tab_behavior = "indent" if code else "focus"
        self.show_line_numbers = self.highlight_cursor_line = code
        self.theme = "css"
        self.language = "python" if code else None
        self.placeholder = "" if code else "Type your answer, then ctrl+s to compare with ours."
        self.load_text(question.starter if code else "")
        self.focus()

    def prepare_explanation(self) -> None:
        """A prose box for the words a coding question's prompt also asks for."""
        self.read_only = False
        self.soft_wrap, self.tab_behavior = True, "focus"
        self.show_line_numbers = self.highlight_cursor_line = False
        self.language = None
        self.placeholder = "Explain in words first; tab moves to the code."
        self.load_text("")
        self.focus()

    def edit_externally(self, name: str) -> Exception | None:
        """Hand the text to $VISUAL / $EDITOR (vi by default) with the app suspended."""
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile(
            "w", suffix=".py", prefix=f"{name}-", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(self.text)
        path = Path(handle.name)
        failure: Exception | None = None
        try:
            with self.app.suspend():
                # Nothing may escape this block: Textual only resumes when it ends normally.
                try:
                    subprocess.run([*shlex.split(command), str(path)], check=False)
                except (OSError, ValueError) as exc:
                    failure = exc
            if failure is None:
                self.text = path.read_text(encoding="utf-8")
        except Exception as exc:  # no terminal to hand over (SuspendNotSupported)
            failure = exc
        finally:
            path.unlink(missing_ok=True)
        self.focus()
        if failure is not None:
            return RuntimeError(f"could not run {command!r}: {failure}")
        return None
