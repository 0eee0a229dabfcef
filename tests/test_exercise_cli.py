"""`quiz show`, `start`, `hint` and `next`, and ids by number or with a typo, as a person types them."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest
from click.testing import CliRunner

from quiz.cli import main
from quiz.store import open_store

NOW = datetime(2026, 3, 4, 9, 30)


def quiz(*args: str):
    return CliRunner().invoke(main, list(args), obj=lambda: NOW)


@pytest.mark.parametrize("reference", ["4", "#4", "list-comprehension", " 4 "])
def test_show_takes_an_id_or_the_number_the_app_shows(reference):
    result = quiz("show", reference)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "#4 list-comprehension · code · python"
    assert lines[2].startswith("What is a list comprehension?")
    assert "start:  quiz start list-comprehension" in lines
    assert "hint:   quiz hint list-comprehension  (3 of 3 left)" in lines


@pytest.mark.parametrize("command", ["show", "start", "hint", "check"])
def test_a_typo_gets_one_line_with_the_closest_ids_and_exit_2(command, tmp_path):
    extra = [str(tmp_path / "x.py")] if command == "check" else []
    result = quiz(command, "pixel-similarty", *extra)
    assert result.exit_code == 2
    assert result.stderr == (
        "quiz: error: no question 'pixel-similarty' in bank fastbook-ch4; "
        "did you mean pixel-similarity?\n"
    )
    result = quiz(command, "#999", *extra)
    assert result.exit_code == 2
    assert result.stderr == "quiz: error: no question #999 in bank fastbook-ch4 (numbers 1-39)\n"


def test_check_takes_the_number_too(tmp_path):
    answer = tmp_path / "a.py"
    answer.write_text("def double_odds(nums):\n    return [2 * n for n in nums if n % 2 == 1]\n")
    result = quiz("check", "#4", str(answer))
    assert result.exit_code == 0, result.output
    assert "list-comprehension: passed" in result.output


def test_a_missing_argument_is_one_line_and_exit_2():
    result = quiz("show")
    assert result.exit_code == 2
    assert result.stderr == "quiz: error: Missing argument 'ID|NUMBER'. (see `quiz show --help`)\n"


def test_start_writes_the_starter_and_refuses_to_overwrite_without_force(tmp_path):
    result = quiz("start", "4", str(tmp_path))
    path = tmp_path / "list-comprehension.py"
    assert result.exit_code == 0, result.output
    assert result.output == (f"wrote {path}; check it with: quiz check list-comprehension {path}\n")
    text = path.read_text()
    assert text.startswith("# #4 list-comprehension\n# What is a list comprehension?")
    assert text.endswith("def double_odds(nums):\n    \"\"\"Return the odd numbers of nums, "
                         "doubled, using a list comprehension.\"\"\"\n    ...\n")  # fmt: skip
    path.write_text("my work\n")
    result = quiz("start", "4", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"quiz: error: {path}: already exists; pass --force to overwrite it\n"
    assert path.read_text() == "my work\n"
    assert quiz("start", "4", str(tmp_path), "--force").exit_code == 0
    assert path.read_text() == text
    result = quiz("start", "1", str(tmp_path))
    assert result.exit_code == 2
    assert "'grayscale-image' is a recall question: there is no code to start" in result.stderr
    result = quiz("start", "4", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and result.stderr.endswith("nowhere: no such folder\n")


def test_start_writes_into_the_working_directory_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert quiz("start", "pixel-similarity").exit_code == 0
    assert (tmp_path / "pixel-similarity.py").is_file()


def test_each_hint_call_gives_the_next_and_the_database_remembers(isolated_home):
    said = [quiz("hint", "#4").output for _ in range(4)]
    assert said[0].startswith("hint 1 of 3 for list-comprehension: The shape is")
    assert said[1].startswith("hint 2 of 3 for list-comprehension: ")
    assert said[2] == said[3]
    assert said[3].startswith("hint 3 of 3 (the last one) for list-comprehension: return [")
    assert "(0 of 3 left)" in quiz("show", "4").output
    assert (
        open_store(isolated_home / "quiz.db").hints_taken("fastbook-ch4", "list-comprehension") == 3
    )
    result = quiz("hint", "1")
    assert result.exit_code == 2
    assert result.stderr == "quiz: error: 'grayscale-image' is a recall question: it has no hints\n"


def test_next_prints_todays_next_question_through_the_installed_command(isolated_home):
    proc = subprocess.run(
        [sys.executable, "-m", "quiz", "next"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "#1 grayscale-image · recall · images, tensors"
    assert proc.stdout == quiz("show", "1").output


def test_next_when_nothing_is_left(tmp_path):
    bank = tmp_path / "one.yaml"
    bank.write_text(
        "bank: one\ntitle: One\nquestions:\n  - id: only\n    number: 1\n    kind: recall\n"
        "    prompt: Why?\n    answer: Because.\n    key_points: [because, why]\n    tags: []\n"
    )
    result = quiz("--bank", str(bank), "--new-per-day", "0", "next")
    assert result.exit_code == 0
    assert result.output == "nothing left for today: every due and new question is answered\n"
