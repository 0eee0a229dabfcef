"""A quick reading of plain YAML through rapidyaml, vouched for against PyYAML's rules.

PyYAML builds a Python node for every scalar, about a second per 10 MiB even with libyaml;
rapidyaml reads 25 MiB in a quarter of a second and writes it out as JSON, which Python
reads in C. The two disagree on YAML's finer points (rapidyaml follows YAML 1.2, where
`yes` is text and `010` is ten; it passes tags through unchecked and leaves aliases
unexpanded), so `read` gives a document only where both must agree and declines the rest:

- characters: only line feeds and printable text, so no tabs, carriage returns, control
  characters, byte order marks, or the line breaks YAML 1.1 knows and 1.2 does not;
- node properties: no tag, anchor or alias (`!`, `&`, `*`) and no directive (`%`) where a
  node can start, which also rules out every `!!python` tag and every alias bomb;
- scalars: no unquoted text that PyYAML reads as something else (`yes`, `~`, `1:30`,
  `2024-01-01`, `<<`...), and no number but a decimal integer or a plain decimal
  fraction, whose value both read alike;
- no document marker (`---`, `...`): rapidyaml then reads a stream of documents;
- no mapping that names a key twice, and nothing rapidyaml or JSON refuses.

A declined document is read by PyYAML as before. The guards are strict on purpose: prose
with `*emphasis*` at the start of a line costs a slower reading, never a different one.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from yaml.resolver import Resolver


class Declined(Exception):
    """This document is left to PyYAML: the quick reading cannot vouch for it."""


# Every byte but these is a control character, tab or carriage return.
_PLAIN_BYTES = b"\n" + bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))
# In UTF-8: the C1 controls (NEL among them), the line and paragraph separators, the byte
# order mark, and the two non-characters U+FFFE and U+FFFF.
_ODD_NON_ASCII = re.compile(rb"\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]|\xef(?:\xbb\xbf|\xbf[\xbe\xbf])")
_PROPERTY_MARKS = re.compile(rb"[!&*%]")
_DOCUMENT_MARKER = re.compile(rb"(?:^|\n)(?:---|\.\.\.)(?:[ \n]|$)")
# Where a node (and so a tag, anchor or alias) may start: at the start of a line or of the
# document, or after one of these indicators, past any spaces (tabs are declined anyway).
_NODE_STARTS = frozenset(b"\n-?:,[{")
_IMPLICIT = Resolver.yaml_implicit_resolvers


@cache
def _implicit_text() -> re.Pattern[str]:
    """A JSON string whose text PyYAML would read, unquoted, as something other than text.

    Built from PyYAML's own table of implicit types. A plain scalar holds no quote,
    backslash or control character, so its JSON form is its text and the match is exact;
    a lookahead on the first character keeps the search to a tenth of a second. Built on
    first use: compiling it costs every command 7 ms at start."""
    table = _IMPLICIT
    patterns = {regexp.pattern: regexp for rules in table.values() for _, regexp in rules}
    bodies = []
    for source, regexp in patterns.items():
        body = source.removeprefix("^").removesuffix("$")
        bodies.append(f"(?x:{body})" if regexp.flags & re.VERBOSE else f"(?:{body})")
    firsts = "".join(sorted(key for key in table if key)) + '"'
    if None in table:  # a rule for any first character: no lookahead can narrow it
        return re.compile(f'"(?:{"|".join(bodies)})"')
    return re.compile(f'"(?=[{re.escape(firsts)}])(?:{"|".join(bodies)})"')


# The one number form rapidyaml may write differently from the source (`.5` as `0.5`,
# `1.` as `1.0`) that PyYAML reads to the same value; `1e3` and the like are declined.
_DECIMAL_FRACTION = re.compile(r"-?[0-9]+\.[0-9]+")


def read(text: str) -> Any:
    """The document in `text` as PyYAML's safe loader would construct it, or `Declined`."""
    source = text.encode("utf-8")
    _vouch_for_characters(source)
    _vouch_for_node_starts(source)
    # A plain substring test first: the pattern alone takes a fifth of a second on 25 MiB.
    if source.startswith((b"---", b"...")) or b"\n---" in source or b"\n..." in source:
        if _DOCUMENT_MARKER.search(source):
            raise Declined("a document marker: rapidyaml reads the file as a stream")
    try:
        import ryml
    except ImportError:
        raise Declined("rapidyaml is not installed") from None
    try:
        with _stderr_silenced():
            tree = ryml.parse_in_arena(source)
            encoded = ryml.emit_json_malloc(tree, tree.root_id())
    except Exception as exc:  # rapidyaml raises its own kinds, and SWIG's
        raise Declined(f"rapidyaml: {type(exc).__name__}") from None
    if not isinstance(encoded, str):
        raise Declined("an empty document")
    try:
        document = json.loads(
            encoded,
            object_pairs_hook=_mapping,
            parse_float=_fraction,
            parse_constant=_no_constant,
        )
    except (ValueError, RecursionError) as exc:
        raise Declined(f"JSON: {exc}") from None
    if _implicit_text().search(encoded):
        for path, is_key in _implicit_texts(document, []):
            _vouch_for_quotes(tree, path, is_key)
    return document


def _vouch_for_characters(source: bytes) -> None:
    """Decline any character but a line feed and printable text: PyYAML refuses some, and
    treats tabs, carriage returns and the line breaks of YAML 1.1 in ways rapidyaml may not."""
    if source.translate(None, _PLAIN_BYTES) or (
        not source.isascii() and _ODD_NON_ASCII.search(source)
    ):
        raise Declined("a character left to PyYAML")


def _vouch_for_node_starts(source: bytes) -> None:
    """Decline a `!`, `&`, `*` or `%` where a node may start (a tag, anchor, alias or
    directive). The same mark inside text ("- *args") declines too, which is only slower."""
    if not any(mark in source for mark in (b"!", b"&", b"*", b"%")):
        return  # four plain substring tests are a tenth of the search below
    for mark in _PROPERTY_MARKS.finditer(source):
        before = mark.start() - 1
        while before >= 0 and source[before] == 0x20:
            before -= 1
        if before < 0 or source[before] in _NODE_STARTS:
            raise Declined("a tag, anchor, alias or directive")


def _implicit_texts(value: Any, path: list) -> Iterator[tuple[list, bool]]:
    """The place of each text in `value` that PyYAML would read as something else if it
    stood unquoted, and whether it is a key there."""
    if value.__class__ is dict:
        for key, item in value.items():
            if _reads_as_other_than_text(key):
                yield [*path, key], True
            if item.__class__ is str:
                if _reads_as_other_than_text(item):
                    yield [*path, key], False
            elif item.__class__ is dict or item.__class__ is list:
                yield from _implicit_texts(item, [*path, key])
    elif value.__class__ is list:
        for index, item in enumerate(value):
            if item.__class__ is str:
                if _reads_as_other_than_text(item):
                    yield [*path, index], False
            elif item.__class__ is dict or item.__class__ is list:
                yield from _implicit_texts(item, [*path, index])
    elif value.__class__ is str and _reads_as_other_than_text(value):
        yield path, False


def _reads_as_other_than_text(text: str) -> bool:
    rules = _IMPLICIT.get(text[:1], []) + _IMPLICIT.get(None, [])
    return any(pattern.match(text) for _, pattern in rules)


def _vouch_for_quotes(tree: Any, path: list, is_key: bool) -> None:
    """Decline unless the scalar at `path` was quoted or a block in the YAML: only a plain
    scalar is read by type, so a quoted "no" is text to both readers."""
    import ryml

    node = tree.root_id()
    for step in path:
        if isinstance(step, str):
            node = tree.find_child(node, step.encode("utf-8"))
        else:
            node = tree.child(node, step)
        if node == ryml.NONE:
            raise Declined(f"no node at {path}")
    quoted = tree.is_key_quoted(node) if is_key else tree.is_val_quoted(node)
    if not quoted:
        raise Declined(f"{path[-1] if is_key else path} may not be text to PyYAML")


def _mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise Declined("a key appears twice")
    return mapping


def _fraction(token: str) -> float:
    if not _DECIMAL_FRACTION.fullmatch(token):
        raise Declined(f"the number {token[:20]}")
    return float(token)


def _no_constant(token: str) -> None:
    raise Declined(f"the number {token}")


@contextmanager
def _stderr_silenced() -> Iterator[None]:
    """rapidyaml prints its own report of a parse error before it raises; PyYAML then
    reads the file again and gives the person the message, so the report goes nowhere."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no standard error to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
