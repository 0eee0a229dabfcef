"""sqlite-utils' `Database` and `Migrations`, loaded without what quiz never uses."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations


def _import_sqlite_utils() -> tuple[type[Database], type[Migrations]]:
    """sqlite-utils imports numpy and pandas whenever they are installed, about a tenth of a
    second of every start-up; quiz stores neither, so they are hidden while it loads."""
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    # A name bound to None in sys.modules fails to import, as if it were not installed.
    sys.modules.update(dict.fromkeys(hidden))  # type: ignore[arg-type]
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
    return sqlite_utils.Database, sqlite_utils.Migrations


if not TYPE_CHECKING:
    Database, Migrations = _import_sqlite_utils()

__all__ = ["Database", "Migrations"]
