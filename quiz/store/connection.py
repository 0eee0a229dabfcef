"""One SQLite connection shared safely: opening it, migrating it, a lock and transactions
around its use, and the policy that turns each SQLite fault into one clear `QuizError`."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Self

from quiz.errors import QuizError
from quiz.paths import data_dir
from quiz.store.database import Database
from quiz.store.migrations import NeedsUpgrade, migrations, needs_upgrade

BUSY_TIMEOUT_S = 30
"""How long a writer waits for another process's write to finish before giving up."""
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_CORRUPT = 5, 6, 8, 11
SQLITE_CANTOPEN, SQLITE_NOTADB = 14, 26


class Connection:
    """The connection to one quiz database, which every part of the store shares.

    The store owns one connection, shared by the threads of the app: every method holds
    the store's lock, so one thread's transaction never takes in another thread's
    statements. Writes take `BEGIN IMMEDIATE`, so a second process waits its turn (up to
    `BUSY_TIMEOUT_S`) instead of failing. Every SQLite fault leaves as one `QuizError`.
    """

    def __init__(self, db: Database, *, read_only: bool = False) -> None:
        self.db = db
        self.read_only = read_only
        self._lock = threading.RLock()
        self.filename = _main_file(db)
        with self._guard():
            if not needs_upgrade(db, self._where()):
                return
            if read_only:
                raise NeedsUpgrade(
                    f"{self._where()}: database needs upgrading, which needs write access"
                )
            with self._writing():
                migrations.apply(db)

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> Self:
        """Open the database at `path` in WAL mode, creating it if it is missing.

        A missing folder is created only for quiz's own data directory: a mistyped `--db`
        or `QUIZ_DB` is refused rather than becoming a new, empty database. `read_only`
        opens an existing file without ever writing it, for the commands that only read.
        """
        path = Path(path)
        _check_location(path)
        uri = False
        target = str(path)
        if read_only and path.exists():
            target, uri = f"{path.resolve().as_uri()}?mode=ro", True
        else:
            read_only = False
        try:
            conn = _connect(target, uri)
            if read_only and not _can_read(conn) and not _has_log(path):
                # A WAL database in a folder no one may write to has no shared-memory index;
                # with no log to replay, it can be read as the immutable file it is.
                conn.close()
                conn = _connect(target + "&immutable=1", uri)
            # sqlite-utils plugins would change every connection, and finding them reads the
            # metadata of every installed package at each start: quiz uses none.
            store = cls(Database(conn, execute_plugins=False), read_only=read_only)
        except sqlite3.Error as exc:
            raise QuizError(f"{path}: cannot open database ({exc})") from None
        except NeedsUpgrade:
            conn.close()
            if not os.access(path, os.W_OK):
                raise
            # A newly installed quiz's first command may be one that only reads (`quiz stats`):
            # it upgrades the database, as any command that writes would, then reads it.
            cls.open(path).db.close()
            return cls.open(path, read_only=True)
        try:
            if not read_only:
                with store._guard():
                    store.db.enable_wal()
        except BaseException:
            conn.close()
            raise
        return store

    def _where(self) -> str:
        return str(self.filename) if self.filename else ":memory:"

    # Transactions and faults

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Hold the lock; turn any SQLite fault into one QuizError naming the file."""
        with self._lock:
            try:
                yield
            except sqlite3.DatabaseError as exc:
                raise self._fault(exc) from None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction that takes the write lock first, waiting for other writers."""
        with self._guard():
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def reading(self) -> AbstractContextManager[None]:
        """Hold the store while a caller consumes a stream it handed out (`log_summary`)."""
        return self._guard()

    def _fault(self, exc: sqlite3.DatabaseError) -> QuizError:
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        where = self._where()
        if code == SQLITE_NOTADB:
            return QuizError(f"{where}: not a usable SQLite database ({exc})")
        if code == SQLITE_CORRUPT:
            return self._damaged()
        if code in (SQLITE_BUSY, SQLITE_LOCKED):
            return QuizError(
                f"{where}: another quiz kept the database busy for {BUSY_TIMEOUT_S} s; "
                "try again when it has finished"
            )
        if code == SQLITE_READONLY:
            return QuizError(f"{where}: cannot write the database ({exc})")
        if code == SQLITE_CANTOPEN:
            return QuizError(
                f"{where}: cannot open the database ({exc}); "
                "check that you may write to it and to its folder"
            )
        return QuizError(f"{where}: cannot use the database ({exc})")

    def _damaged(self, detail: str | None = None) -> QuizError:
        """The one line for a damaged file: what SQLite's integrity check says, and the way out."""
        if detail is None:
            try:
                detail = self.db.execute("PRAGMA integrity_check").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                detail = str(exc)
            detail = f"integrity check: {str(detail).splitlines()[0]}"
        return QuizError(
            f"{self._where()}: the database is damaged ({detail}); restore it from a "
            "`quiz export` file: move this file aside, then `quiz import` the export"
        )

    def check_writable(self) -> None:
        """Fail now, not at the first grade, when the database cannot be written."""
        if self.read_only:
            raise QuizError(f"{self._where()}: cannot write the database (opened read-only)")
        with self._writing():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            self.db.execute(f"PRAGMA user_version = {int(version)}")  # a write that changes nothing


def _main_file(db: Database) -> Path | None:
    """The file behind the connection, or None for an in-memory database."""
    for _, name, filename in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(filename) if filename else None
    return None


def _can_read(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError as exc:
        return (exc.sqlite_errorcode & 0xFF) != SQLITE_CANTOPEN
    except sqlite3.DatabaseError:
        pass  # a damaged file: Store reports it
    return True


def _has_log(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    return wal.exists() and wal.stat().st_size > 0


def _connect(target: str, uri: bool) -> sqlite3.Connection:
    return sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_S,
        check_same_thread=False,  # shared by the app's threads; Store serializes its use
        isolation_level=None,  # no implicit transactions: Store begins each one itself
        uri=uri,
    )


def _check_location(path: Path) -> None:
    if path.is_dir():
        raise QuizError(f"{path}: is a directory, not a database file")
    if path.exists() and not path.is_file():
        raise QuizError(f"{path}: is not a regular file, so it cannot be a database")
    folder = path.parent
    if folder.is_dir():
        return
    if folder.resolve() != data_dir().resolve():
        raise QuizError(
            f"{path}: folder {folder} does not exist; check the path, or create the folder"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QuizError(f"{folder}: cannot create data directory ({exc.strerror})") from None
