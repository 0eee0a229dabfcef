"""Chapter 5's bank, written in the bank format alone: installed, listed, validated by running
its references and examples, studied by name, and never mixed with chapter 4's cards."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from quiz.bank import CaseChecks, load_bank
from quiz.banks import installed
from quiz.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent
BANK_FILE = REPO_ROOT / "banks" / "fastbook-ch5" / "questions.yaml"
REQUIRED = {
    "softmax": ("softmax",),
    "cross-entropy": ("cross_entropy",),
    "pet-label": ("pet_label",),
    "slice-learning-rates": ("lrs_from_slice",),
}
# How some of the questionnaire's prompts open, as the book words them.
OPENINGS = {
    1: "Why do we first resize to a large size on the CPU",
    10: "What are the two pieces that are combined into cross-entropy loss",
    13: "Calculate the exp and softmax columns",
    20: "How is a Python slice object interpreted when passed as a learning rate to fastai",
}


def test_the_bank_holds_the_questionnaire_and_its_research_tasks():
    bank = load_bank(BANK_FILE)
    assert bank.name == "fastbook-ch5"
    assert [q.number for q in bank] == list(range(1, 26))
    for number, opening in OPENINGS.items():
        (question,) = [q for q in bank if q.number == number]
        assert question.prompt.replace("`", "").startswith(opening), question.prompt
    for question_id, contract in REQUIRED.items():
        question = bank.get(question_id)
        assert question.is_code and question.contract == contract
        assert question.checks is not None and question.hints
        assert any(e.passes for e in question.examples)
        assert any(not e.passes for e in question.examples)
    for question in bank:
        assert question.tags and 2 <= len(question.key_points) <= 5


def test_it_is_installed_and_listed_by_name(isolated_home):
    assert installed()["fastbook-ch5"].resolve() == BANK_FILE.resolve()
    result = CliRunner().invoke(main, ["banks"])
    assert result.exit_code == 0
    assert "fastbook-ch5  Chapter 5: Image Classification  (25 questions, 6 with code)" in (
        result.output
    )


def test_validate_runs_every_reference_and_example_of_it():
    proc = subprocess.run(
        [sys.executable, "-m", "quiz", "validate", "fastbook-ch5"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "ok, 25 questions (6 with executable answers, 28 example answers)" in proc.stdout


def test_its_cards_never_mix_with_chapter_4s(tmp_path):
    db = tmp_path / "q.db"
    runner = CliRunner()
    ch5 = runner.invoke(main, ["--db", str(db), "--bank", "fastbook-ch5", "list"])
    ch4 = runner.invoke(main, ["--db", str(db), "list"])
    assert ch5.exit_code == 0 and ch4.exit_code == 0
    assert "pet-label" in ch5.output and "pet-label" not in ch4.output
    assert "tensor-3x3" in ch4.output and "tensor-3x3" not in ch5.output


def test_the_quiz_package_never_mentions_chapter_5():
    bank = load_bank(BANK_FILE)
    words = [re.escape(q.id) for q in bank if "-" in q.id] + [r"fastbook-ch5", r"[Cc]hapter 5"]
    pattern = re.compile("|".join(words))
    for path in (REPO_ROOT / "quiz").rglob("*"):
        if path.suffix in {".py", ".tcss", ".yaml", ".json"}:
            found = pattern.search(path.read_text(encoding="utf-8"))
            assert found is None, f"{path} mentions {found.group(0)}"


def test_every_case_form_question_names_a_contract_function():
    for question in load_bank(BANK_FILE):
        if isinstance(question.checks, CaseChecks):
            assert all(any(n in case for n in question.contract) for case in question.checks.cases)
