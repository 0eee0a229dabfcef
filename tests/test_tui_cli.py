"""`quiz` with no command: problems found before the app starts are one line and exit 2."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from sqlite_utils import Database

from quiz.errors import QuizError
from quiz.store import Store, open_store


def run_quiz(*args: str) -> subprocess.CompletedProcess:
    """The real program, with no terminal: a problem must surface before Textual starts."""
    return subprocess.run(
        [sys.executable, "-m", "quiz", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("quiz: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in proc.stderr


def test_bank_error_is_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("bank: x\ntitle: y\nquestions: [\n")
    assert_one_line_error(run_quiz("--bank", str(bad)), str(bad), "invalid YAML")


def test_database_from_a_newer_quiz_is_refused(tmp_path):
    path = tmp_path / "new.db"
    open_store(path)
    Database(path)["_sqlite_migrations"].insert(
        {"migration_set": "quiz", "name": "m999_future", "applied_at": "2099-01-01"}
    )
    assert_one_line_error(run_quiz("--db", str(path)), str(path), "newer version of quiz")


def test_unwritable_data_directory(tmp_path, monkeypatch):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    monkeypatch.setenv("QUIZ_DATA_DIR", str(blocker))
    monkeypatch.delenv("QUIZ_DB")
    assert_one_line_error(run_quiz(), str(blocker), "cannot create data directory")


def test_a_database_in_a_missing_folder_is_refused_not_created(tmp_path):
    db = tmp_path / "typo" / "quiz.db"
    assert_one_line_error(run_quiz("--db", str(db)), str(db), "does not exist")
    assert not db.parent.exists()


def test_read_only_database_is_refused_before_the_app_starts(tmp_path):
    path = tmp_path / "quiz.db"
    open_store(path)
    read_only = Store(Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True)))
    with pytest.raises(QuizError, match="cannot write the database"):
        read_only.check_writable()
