"""Faults and hostile input, through the real `quiz` command: one line, exit 2, nothing lost."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from quiz.backup import export_reviews
from quiz.cli import main
from quiz.schedulers.sm2 import CardState, review
from quiz.store import Review, open_store

from .test_bank import GOOD

DAY = date(2026, 3, 1)


def graded(question_id="first", grade=4, state=None, at="2026-03-01T08:00:00+00:00", kind="review", **extra):  # fmt: skip
    state = state or CardState()
    after = review(state, grade, DAY) if kind == "review" else state
    return Review(bank="demo", question_id=question_id, reviewed_at=at, day=DAY.isoformat(),
                  grade=grade, kind=kind, state_before=state, state_after=after, **extra)  # fmt: skip


def quiz(*args: str, db: Path, bank: Path | None = None):
    prefix = ["--db", str(db)] + (["--bank", str(bank)] if bank else [])
    return CliRunner().invoke(main, [*prefix, *args])


def assert_one_line(result, *fragments: str) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


@pytest.fixture
def demo_bank(tmp_path) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD)
    return path


def snapshot(db: Path) -> bytes:
    """The database's content: its file and write-ahead log (the -shm index is scratch)."""
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


# Import: values that would break a later command are refused


def one_line_export(tmp_path, **changes) -> Path:
    record = json.loads(json.dumps(graded().to_row()))
    record.update(state_before=json.loads(record["state_before"]), state_after=json.loads(record["state_after"]))  # fmt: skip
    for key, value in changes.items():
        if key in ("interval", "easiness", "repetitions", "due"):
            record["state_after"][key] = value
        else:
            record[key] = value
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(record).replace('"INF"', "Infinity") + "\n")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"duration_s": "INF"}, "Infinity is not a number"),
        ({"duration_s": 1e300}, "duration_s must be seconds"),
        ({"duration_s": -1}, "duration_s must be seconds"),
        ({"interval": 99999999}, "interval must be whole days"),
        ({"easiness": "1e999999"}, "easiness must be a decimal"),
        ({"easiness": "0.5"}, "easiness must be from 1.3"),
        ({"repetitions": -3}, "repetitions must be an integer"),
        ({"due": "2026-02-30"}, "due is not an ISO date"),
        ({"check_runs": 10**30}, "check_runs must be an integer"),
        ({"reviewed_at": "0001-01-01T00:00:00+05:00"}, "outside the calendar"),
        ({"answer": "\ud800"}, "answer holds a character that is not valid text"),
    ],
)
def test_import_refuses_values_quiz_could_never_have_written(tmp_path, change, message):
    db = tmp_path / "q.db"
    store = open_store(db)
    store.record(graded(question_id="kept"))
    store.db.close()
    before = snapshot(db)
    path = one_line_export(tmp_path, **change)
    assert_one_line(quiz("import", str(path), db=db), f"{path}:1: ", message)
    assert snapshot(db) == before


def test_a_json_line_nested_100000_deep_is_one_line(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert_one_line(quiz("import", str(path), db=tmp_path / "q.db"), f"{path}:1: nested too deeply")
    assert not (tmp_path / "q.db").exists()


def test_csv_infinity_is_refused(tmp_path):
    source = open_store(tmp_path / "a.db")
    source.record(graded(duration_s=2.0))
    path = tmp_path / "log.csv"
    export_reviews(source, path)
    path.write_text(path.read_text().replace(",2.0,", ",inf,"))
    assert_one_line(quiz("import", str(path), db=tmp_path / "b.db"), f"{path}:2: duration_s")


@pytest.mark.parametrize("command", ["import", "validate"])
def test_special_files_are_refused_before_a_byte_is_read(tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in ("/dev/zero", str(fifo), str(tmp_path)):
        result = quiz(command, target, db=tmp_path / "q.db")
        if command == "validate":  # validate lists its problems without the prefix
            assert result.exit_code == 2 and target in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
        else:
            assert_one_line(result, target)
    assert not (tmp_path / "q.db").exists()


# Import: instants are compared in UTC


def test_the_same_log_with_other_offsets_adds_nothing(tmp_path):
    source = open_store(tmp_path / "a.db")
    state = CardState()
    for n in range(5):
        state = source.record(
            graded(state=state, at=f"2026-03-0{n + 1}T08:00:00+00:00")
        ).state_after
    path = tmp_path / "log.jsonl"
    export_reviews(source, path)
    shifted = tmp_path / "shifted.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for record in lines:
        record["reviewed_at"] = (
            record["reviewed_at"].replace("T08:", "T10:").replace("+00:00", "+02:00")
        )
    shifted.write_text("".join(json.dumps(r) + "\n" for r in lines))
    target = tmp_path / "b.db"
    assert quiz("import", str(path), db=target).exit_code == 0
    result = quiz("import", str(shifted), db=target)
    assert result.exit_code == 0 and "imported 0 new reviews" in result.output
    assert open_store(target).review_count() == 5


def test_reviews_apply_in_the_order_of_their_instants(tmp_path):
    first = graded(grade=5, at="2026-03-01T10:00:00+05:00")  # 05:00 UTC
    second = graded(grade=5, state=first.state_after, at="2026-03-01T06:00:00+00:00")
    path = tmp_path / "log.jsonl"
    store = open_store(tmp_path / "a.db")
    path.write_text("".join(json.dumps(_record(r)) + "\n" for r in (second, first)))
    assert quiz("import", str(path), db=tmp_path / "b.db").exit_code == 0
    store = open_store(tmp_path / "b.db")
    assert store.card_state("demo", "first").interval == 6
    assert [r.grade for r in store.reviews()] == [5, 5]
    assert [r.reviewed_at for r in store.reviews()] == [
        "2026-03-01T05:00:00.000000+00:00",
        "2026-03-01T06:00:00.000000+00:00",
    ]


def _record(r: Review) -> dict:
    row = r.to_row()
    row["state_before"] = r.state_before.to_dict()
    row["state_after"] = r.state_after.to_dict()
    return row


# CSV export does not hand a spreadsheet a formula


def test_csv_cells_that_look_like_formulas_are_escaped_and_round_trip(tmp_path):
    source = open_store(tmp_path / "a.db")
    answers = ['=HYPERLINK("http://x","click")', "+1", "-2", "@SUM(A1)", "'quoted", "plain"]
    for n, answer in enumerate(answers):
        source.record(graded(kind="cram", answer=answer, at=f"2026-03-01T08:00:0{n}+00:00"))
    path = tmp_path / "log.csv"
    export_reviews(source, path)
    import csv

    cells = [row[6] for row in csv.reader(path.open(newline=""))][1:]
    assert cells == ["'=HYPERLINK(\"http://x\",\"click\")", "'+1", "'-2", "'@SUM(A1)", "''quoted", "plain"]  # fmt: skip
    assert quiz("import", str(path), db=tmp_path / "b.db").exit_code == 0
    assert [r.answer for r in open_store(tmp_path / "b.db").reviews()] == answers


# A damaged database


def damaged(tmp_path) -> Path:
    """A real log with bytes flipped every 997 from page 3 on; the header stays intact."""
    db = tmp_path / "q.db"
    store = open_store(db)
    state = CardState()
    for n in range(400):
        store.record(graded(question_id=f"q{n % 40}", answer="x" * 300, at=f"2026-03-01T08:00:00.{n:06d}+00:00"))  # fmt: skip
    store.db.close()
    data = bytearray(db.read_bytes())
    for at in range(2 * 4096, len(data), 997):
        data[at] ^= 0xFF
    db.write_bytes(bytes(data))
    del state
    return db


@pytest.mark.parametrize(
    "args", [["list"], ["stats"], ["stats", "--json"], ["export", "OUT"], ["import", "IN"]]
)
def test_a_damaged_database_is_one_line_with_the_integrity_check(tmp_path, demo_bank, args):
    db = damaged(tmp_path)
    before = snapshot(db)
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps(_record(graded(question_id="new", at="2027-01-01T00:00:00+00:00"))) + "\n"
    )
    out = tmp_path / "out.jsonl"
    args = [{"OUT": str(out), "IN": str(good)}.get(a, a) for a in args]
    line = assert_one_line(quiz(*args, db=db, bank=demo_bank), str(db), "the database is damaged")
    assert "integrity check: " in line and "quiz export" in line
    assert snapshot(db) == before
    assert not out.exists()


# A read-only database still serves every reading command


@pytest.fixture
def read_only_db(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "q.db"
    store = open_store(db)
    store.record(graded())
    store.db.close()
    locked = [db, folder]
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode == 0:  # fmt: skip
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        yield db
        for path in locked:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    elif os.geteuid() != 0:
        db.chmod(0o444)
        folder.chmod(0o555)
        yield db
        folder.chmod(0o755)
    else:
        pytest.skip("cannot make a file read-only for root here (no chattr +i)")


def test_a_read_only_database_can_be_listed_counted_and_exported(tmp_path, demo_bank, read_only_db):
    with pytest.raises(OSError):
        read_only_db.open("ab")
    result = quiz("list", db=read_only_db, bank=demo_bank)
    assert result.exit_code == 0, result.output
    assert "│ young " in result.output
    result = quiz("stats", "--json", db=read_only_db, bank=demo_bank)
    assert result.exit_code == 0, result.output
    assert (
        json.loads(result.stdout)["cards"]["learning"] + json.loads(result.stdout)["cards"]["young"]
        == 1
    )
    out = tmp_path / "out.jsonl"
    result = quiz("export", str(out), db=read_only_db)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["question_id"] == "first"
    later = tmp_path / "later.jsonl"
    later.write_text(json.dumps(_record(graded(question_id="new"))) + "\n")
    assert_one_line(quiz("import", str(later), db=read_only_db), str(read_only_db), "cannot")


# Two writers wait their turn


WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import date
    from quiz.schedulers.sm2 import CardState
    from quiz.store import Review, open_store
    store = open_store(sys.argv[1])
    name, start = sys.argv[2], float(sys.argv[3])
    while time.monotonic() < start:
        pass
    began = time.perf_counter()
    for n in range(500):
        store.record(Review(bank="b", question_id=f"{name}{n}", day="2026-03-01", grade=3,
                            reviewed_at=f"2026-03-01T08:00:00.{n:06d}+00:00", kind="cram",
                            state_before=CardState(), state_after=CardState()))
    print(f"{time.perf_counter() - began:.2f}", flush=True)
    """
)


def test_two_processes_recording_500_answers_each_lose_none(tmp_path):
    import time

    db = tmp_path / "q.db"
    open_store(db)
    # The machine's monotonic clock, which every process shares: the test's own clock may be
    # moved (tests/conftest.py), a child's never is.
    start = f"{time.monotonic() + 2:.3f}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), name, start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for name in ("a", "b")
    ]
    outcomes = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert err == ""
    ids = [question_id for (question_id,) in sqlite3.connect(db).execute("SELECT question_id FROM reviews")]  # fmt: skip
    assert len(ids) == 1000
    assert set(ids) == {f"{name}{n}" for name in "ab" for n in range(500)}
    print("two writers, seconds each:", [out.strip() for out, _ in outcomes])


# The bank


@pytest.mark.parametrize("key", ["yes", "1", "~"])
def test_a_field_name_that_is_not_text_is_one_line_for_validate_and_list(tmp_path, key):
    path = tmp_path / "bank.yaml"
    path.write_text(GOOD.rstrip("\n") + f"\n    {key}: x\n")
    line_no = len(path.read_text().splitlines())
    expected = f"{path}:{line_no}: question 'first': field name '{key}' is not text; quote it"
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and result.stderr == expected + "\n"
    result = quiz("list", db=tmp_path / "q.db", bank=path)
    assert result.exit_code == 2 and result.stderr == f"quiz: error: {expected}\n"


def test_the_parsed_bank_cache_is_keyed_by_the_validator_too(tmp_path, monkeypatch, isolated_home):
    from quiz import bank as bank_module

    path = tmp_path / "bank.yaml"
    path.write_text(GOOD)
    bank_module.load_bank(path)
    (cached,) = (isolated_home / "bank-cache").glob("*.json")
    # A copy that says something the file does not: read back while the validator is the same.
    data = json.loads(cached.read_text())
    data["title"] = "from the cache"
    cached.write_text(json.dumps(data))
    assert bank_module.load_bank(path).title == "from the cache"
    # A changed validator (here, a changed module) must not trust what an older one passed.
    monkeypatch.setattr(bank_module, "_VALIDATOR_VERSION", b"a stricter validator")
    assert bank_module.load_bank(path).title == "Demo"
