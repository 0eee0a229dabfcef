"""A count and its noun, agreeing: "1 check", "2 checks"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` followed by `noun`, or by its plural (`noun` + "s" unless given) when not 1."""
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"
