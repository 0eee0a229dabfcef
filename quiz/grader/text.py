"""What a check's code printed or raised, made fit for a terminal: text, never commands.

An answer's output reaches the learner's terminal, so an escape sequence in it could clear the
screen over a failing verdict, set the window's title or write the clipboard (OSC 52). Every
control character but newline and tab is shown as a visible escape instead, as are the
characters that reorder text on screen (bidirectional overrides); a lone surrogate, which no
terminal encoding can carry, becomes U+FFFD.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, bidirectional embeddings, overrides and
# isolates, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """text with every character that could act on a terminal shown as an escape."""
    return _UNSAFE.sub(_visible, text)


def printable_or_none(text: str | None) -> str | None:
    return None if text is None else printable(text)
