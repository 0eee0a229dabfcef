"""The `quiz` command as a person types it, through click's CliRunner and real files."""

import json
import sqlite3
import subprocess
import sys
from datetime import datetime

import pytest
from click.testing import CliRunner

from quiz.cli import main
from quiz.schedulers.sm2 import CardState, review
from quiz.store import Review, open_store

from .test_bank import GOOD


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def demo_bank(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD)
    return path


def test_version_and_help(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("quiz, version ")
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "list", "export", "import", "train"):
        assert command in result.output
    for command in ("validate", "list", "export", "import"):
        assert runner.invoke(main, [command, "--help"]).exit_code == 0


def test_validate_the_bundled_bank(runner):
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "ok, 39 questions (15 with executable answers)" in result.output


def test_validate_reports_every_problem_one_per_line(runner, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("kind: recall", "kind: essay").replace("tags: [demo]", "tags: 3"))
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [f"{path}:6: question 'first': 'kind' must be recall or code"]


def test_a_broken_bank_is_one_line_and_exit_2_for_every_command(runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("bank: x\nquestions: [\n")
    result = runner.invoke(main, ["--bank", str(path), "list"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"quiz: error: {path}:3: invalid YAML")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_bank_from_the_environment(runner, demo_bank, monkeypatch):
    monkeypatch.setenv("QUIZ_BANK", str(demo_bank))
    result = runner.invoke(main, ["list"])
    assert result.exit_code == 0
    assert "first" in result.output and "Demo (1 question)" in result.output


def first_answered_on_20_november(store):
    """The demo bank's first question answered perfectly on its first review."""
    from datetime import date

    day = date(2026, 11, 20)
    store.record(Review(bank="demo", question_id="first", reviewed_at="2026-11-20T08:00:00+00:00",
                        day=day.isoformat(), grade=5, kind="review", state_before=CardState(),
                        state_after=review(CardState(), 5, day)))  # fmt: skip


def test_list_shows_each_question_with_its_schedule(runner, demo_bank, tmp_path):
    db = tmp_path / "q.db"
    first_answered_on_20_november(open_store(db))
    # the next day, when the card falls due
    next_day = lambda: datetime(2026, 11, 21, 12, 0)  # noqa: E731
    result = runner.invoke(main, ["--bank", str(demo_bank), "--db", str(db), "list"], obj=next_day)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "first" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells == ["1", "first", "recall", "young", "2.60", "1d", "today", "5"]
    # three days after that, the same card says how late it is
    later = lambda: datetime(2026, 11, 24, 12, 0)  # noqa: E731
    result = runner.invoke(main, ["--bank", str(demo_bank), "--db", str(db), "list"], obj=later)
    row = next(line for line in result.output.splitlines() if "first" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]][6] == "3d overdue"


def test_export_then_import_into_a_new_database(runner, demo_bank, tmp_path):
    db = tmp_path / "a.db"
    store = open_store(db)
    from datetime import date

    store.record(Review(bank="demo", question_id="first", reviewed_at="2026-11-20T08:00:00+00:00",
                        day=date(2026, 11, 20).isoformat(), grade=3, kind="review",
                        state_before=CardState(), state_after=review(CardState(), 3, date(2026, 11, 20))))  # fmt: skip
    out = tmp_path / "backup.jsonl"
    result = runner.invoke(main, ["--db", str(db), "export", str(out)])
    assert result.exit_code == 0 and "exported 1 review" in result.output
    assert json.loads(out.read_text())["grade"] == 3
    result = runner.invoke(main, ["--db", str(tmp_path / "b.db"), "import", str(out)])
    assert result.exit_code == 0 and "imported 1 new review" in result.output
    rows = sqlite3.connect(tmp_path / "b.db").execute("SELECT grade FROM reviews").fetchall()
    assert rows == [(3,)]


def test_import_of_a_malformed_file_imports_nothing(runner, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"oops": 1}\n')
    result = runner.invoke(main, ["--db", str(tmp_path / "q.db"), "import", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f"quiz: error: {bad}:1: unknown field 'oops'\n"
    assert open_store(tmp_path / "q.db").review_count() == 0


def test_import_of_a_missing_file(runner, tmp_path):
    result = runner.invoke(
        main, ["--db", str(tmp_path / "q.db"), "import", str(tmp_path / "x.jsonl")]
    )
    assert result.exit_code == 2 and "x.jsonl: file not found" in result.stderr


def test_a_corrupt_database_is_refused_without_a_traceback(runner, tmp_path):
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = db.read_bytes()
    result = runner.invoke(main, ["--db", str(db), "export", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"quiz: error: {db}: ")
    assert db.read_bytes() == before


def test_wrong_flags_are_usage_errors(runner):
    assert runner.invoke(main, ["--new-per-day", "-3", "list"]).exit_code == 2
    assert runner.invoke(main, ["--frobnicate"]).exit_code == 2
    assert runner.invoke(main, ["nonsense"]).exit_code == 2


def test_the_installed_console_script_reports_errors_in_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n")
    proc = subprocess.run([sys.executable, "-m", "quiz", "--bank", str(bad), "list"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 2
    assert (
        proc.stderr
        == f"quiz: error: {bad}:1: a bank is a mapping with keys bank, title and questions\n"
    )


def test_scheduler_choice_sticks_and_list_and_stats_follow_it(runner, demo_bank, tmp_path):
    db = tmp_path / "q.db"
    from datetime import date

    day = date(2026, 11, 20)
    open_store(db).record(Review(bank="demo", question_id="first", reviewed_at="2026-11-20T08:00:00+00:00",
                                 day=day.isoformat(), grade=5, kind="review", state_before=CardState(),
                                 state_after=review(CardState(), 5, day)))  # fmt: skip
    base = ["--bank", str(demo_bank), "--db", str(db)]
    next_day = lambda: datetime(2026, 11, 21, 12, 0)  # noqa: E731
    result = runner.invoke(main, [*base, "--scheduler", "fsrs", "list"], obj=next_day)
    assert result.exit_code == 0, result.output
    assert "D/S" in result.output
    row = next(line for line in result.output.splitlines() if "first" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    # SM-2's 5 replays as FSRS Easy: difficulty 1.0, stability 8.3 days, due in 8
    assert cells == ["1", "first", "recall", "young", "1.0/8d", "8d", "2026-11-28", "5"]
    again = runner.invoke(main, [*base, "list"])
    assert "1.0/8d" in again.output, "the choice is kept in the database"
    stats = runner.invoke(main, [*base, "stats", "--json"])
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output)["cards"]["young"] == 1
    back = runner.invoke(main, [*base, "--scheduler", "sm2", "list"])
    assert "2.60" in back.output and "EF" in back.output


def test_a_desired_retention_out_of_range_is_one_line_and_exit_2(runner, demo_bank, tmp_path):
    result = runner.invoke(main, ["--bank", str(demo_bank), "--db", str(tmp_path / "q.db"),
                                  "--desired-retention", "1.5", "list"])  # fmt: skip
    assert result.exit_code == 2
    assert "--desired-retention" in result.output and "1.5" in result.output


def test_list_rows_are_the_rows_browse_shows(runner, demo_bank, tmp_path):
    """`quiz list` and Browse build their rows in one place: a scheduled card and a new one
    read the same in both."""
    from datetime import date

    from quiz.bank import load_bank
    from quiz.tui.screens.browse import browse_rows

    second = GOOD.split("  - id: first")[1].replace("\n    number: 1", "\n    number: 2")
    demo_bank.write_text(GOOD + "  - id: second" + second)
    db = tmp_path / "q.db"
    store = open_store(db)
    first_answered_on_20_november(store)
    next_day = lambda: datetime(2026, 11, 21, 12, 0)  # noqa: E731
    result = runner.invoke(main, ["--bank", str(demo_bank), "--db", str(db), "list"], obj=next_day)
    assert result.exit_code == 0, result.output
    listed = [
        tuple(cell.strip() for cell in line.split("│")[1:-1])
        for line in result.output.splitlines()
        if line.startswith("│")
    ]
    browsed = [row.cells for row in browse_rows(store, load_bank(demo_bank), date(2026, 11, 21))]
    assert listed == browsed
    assert [row[1] for row in browsed] == ["first", "second"]
    assert browsed[0][3:] == ("young", "2.60", "1d", "today", "5")
    assert browsed[1][3:] == ("new", "", "", "", "")
    assert "due" in browse_rows(store, load_bank(demo_bank), date(2026, 11, 21))[0].haystack
