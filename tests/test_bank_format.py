"""A bank written only through the documented format, in a folder of its own: validated, its
code questions checked right and wrong through `quiz check` and through the TUI, and attacked by
a hostile answer that goes for the bank's own files."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from quiz.settings import Settings
from quiz.tui.app import create_app
from quiz.tui.screens.review import ReviewScreen

QUESTIONS = """\
bank: course-demo
title: A course of our own
words:
  axis: [dimension, dim]
questions:
  - id: rank
    number: 1
    kind: recall
    prompt: What is the rank of a tensor?
    answer: The number of axes it has; a matrix has rank 2.
    key_points:
      - the number of axes
      - a matrix has rank 2
    tags: [tensors]

  - id: softmax
    number: 2
    kind: code
    prompt: Write softmax(x) over the last axis, numerically stable.
    answer: Subtract the row maximum, exponentiate, divide by the row sum.
    key_points:
      - exponentiate
      - divide by the sum over the last axis
    tags: [activations]
    contract: [softmax]
    starter: |
      import torch


      def softmax(x):
          ...
    hints:
      - Subtract x.max(dim=-1, keepdim=True).values first.
    solution: solutions/softmax.py
    checks:
      cases:
        - softmax(torch.tensor([1.0, 2.0, 3.0]))
        - softmax(torch.tensor([[1.0, 2.0], [3.0, 5.0]]))
        - softmax(torch.tensor([[1000.0, 0.0], [0.0, -1000.0]]))
      tolerance: 1e-6
      forbid: [torch.softmax]
    examples:
      right: [examples/softmax/stable.py]
      wrong: [examples/softmax/whole-tensor.py]

  - id: relu
    number: 3
    kind: code
    prompt: Write leaky_relu(x), with slope 0.1 below zero.
    answer: torch.where(x > 0, x, 0.1 * x)
    key_points:
      - negative values are scaled by 0.1
      - positive values are unchanged
    tags: [activations]
    contract: [leaky_relu]
    starter: |
      def leaky_relu(x):
          ...
    hints:
      - torch.where picks between two tensors elementwise.
    solution: solutions/relu.py
    checks: checks/relu.py
"""

FILES = {
    "solutions/softmax.py": """\
        def softmax(x):
            e = (x - x.max(dim=-1, keepdim=True).values).exp()
            return e / e.sum(dim=-1, keepdim=True)
        """,
    "examples/softmax/stable.py": """\
        import torch

        def softmax(x):
            shifted = x - x.amax(-1, keepdim=True)
            return torch.exp(shifted) / torch.exp(shifted).sum(-1, keepdim=True)
        """,
    "examples/softmax/whole-tensor.py": """\
        def softmax(x):
            e = (x - x.max()).exp()
            return e / e.sum()
        """,
    "solutions/relu.py": """\
        import torch

        def leaky_relu(x):
            return torch.where(x > 0, x, 0.1 * x)
        """,
    "checks/relu.py": """\
        from quiz.checks import CheckResult, Probe, Run, same_as_reference

        MISTAKES = {"plain relu": "Below zero keep a tenth of x instead of 0: that is the leak."}


        def probe(p: Probe) -> None:
            import torch

            leaky_relu = p.function("leaky_relu")
            x = torch.linspace(-2, 2, 9)
            p.call("leaky_relu(-2..2)", leaky_relu, x, mistakes={"plain relu": x.clamp(min=0)})


        def judge(run: Run, reference: Run) -> list[CheckResult]:
            return same_as_reference(run, reference, mistakes=MISTAKES)
        """,
}

RELU_LINE = QUESTIONS.splitlines().index("  - id: relu") + 1
PLAIN_RELU = "def leaky_relu(x):\n    return x.clamp(min=0)\n"
USES_TORCH_SOFTMAX = "import torch\n\ndef softmax(x):\n    return torch.softmax(x, dim=-1)\n"


@pytest.fixture
def bank(tmp_path) -> Path:
    folder = tmp_path / "course-demo"
    for relative, text in {"questions.yaml": QUESTIONS, **FILES}.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def quiz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "quiz", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_the_bank_validates_running_its_references_and_examples(bank):
    result = quiz("validate", str(bank))
    assert result.returncode == 0, result.stderr
    assert "ok, 3 questions (2 with executable answers, 2 example answers" in result.stdout


def test_validate_reports_an_example_that_gets_the_wrong_verdict_and_exits_1(bank):
    wrong = bank / "examples" / "softmax" / "whole-tensor.py"
    shutil.copy(bank / "solutions" / "softmax.py", wrong)
    (bank / "solutions" / "relu.py").write_text("def relu(x):\n    return x\n")
    result = quiz("validate", str(bank))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bank / 'questions.yaml'}:{RELU_LINE}: question 'relu': its solution relu.py does not "
        "define leaky_relu"
    ]
    (bank / "solutions" / "relu.py").write_text(textwrap.dedent(FILES["solutions/relu.py"]))
    result = quiz("validate", str(bank))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{wrong.resolve()}:1: this example is declared wrong but passes every check"
    ]


def test_right_and_wrong_answers_through_quiz_check_from_anywhere(bank, tmp_path):
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "plain.py").write_text(PLAIN_RELU)
    (answers / "shortcut.py").write_text(USES_TORCH_SOFTMAX)
    where = ["--bank", str(bank)]
    right = quiz(*where, "check", "softmax", str(bank / "examples/softmax/stable.py"))
    assert right.returncode == 0, right.stdout + right.stderr
    assert "✓ softmax: passed (4 checks" in right.stdout

    whole = quiz(*where, "check", "--json", "2", str(bank / "examples/softmax/whole-tensor.py"))
    assert whole.returncode == 1
    verdict = json.loads(whole.stdout)
    failed = [c for c in verdict["checks"] if not c["passed"]]
    assert [c["name"] for c in failed] == ["softmax(torch.tensor([[1.0, 2.0], [3.0, 5.0]]))",
                                           "softmax(torch.tensor([[1000.0, 0.0], [0.0, -1000.0]]))"]  # fmt: skip

    shortcut = quiz(*where, "check", "--json", "softmax", str(answers / "shortcut.py"))
    assert shortcut.returncode == 1
    (forbidden,) = [c for c in json.loads(shortcut.stdout)["checks"] if not c["passed"]]
    assert forbidden["name"] == "written without torch.softmax"

    # The id chapter 4 also uses runs this bank's checks, with this bank's teaching message.
    plain = quiz(*where, "check", "--json", "relu", str(answers / "plain.py"), cwd=tmp_path)
    assert plain.returncode == 1
    (check,) = json.loads(plain.stdout)["checks"]
    assert check["name"] == "leaky_relu(-2..2)" and not check["passed"]
    assert "that is the leak" in check["message"]


HOSTILE = """\
import os

TARGETS = {targets!r}
for path in TARGETS:
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        print("blocked", type(exc).__name__, path)
    else:
        print("READ", len(data), path)
for path in TARGETS:
    try:
        print("STAT", os.stat(path).st_size, path)
    except OSError:
        pass


def softmax(x):
    e = (x - x.max(dim=-1, keepdim=True).values).exp()
    return e / e.sum(dim=-1, keepdim=True)
"""


def test_a_hostile_answer_reads_none_of_the_banks_files(bank, tmp_path):
    targets = [str(bank / name) for name in ("questions.yaml", *FILES)]
    answer = tmp_path / "hostile.py"
    answer.write_text(HOSTILE.format(targets=targets))
    result = quiz("--bank", str(bank), "check", "--json", "softmax", str(answer))
    verdict = json.loads(result.stdout)
    output = verdict["output"]
    assert "READ" not in output, output
    assert output.count("blocked") == len(targets), output
    assert result.returncode == 0, result.stdout


def test_the_tui_checks_the_banks_code_question_wrong_then_right(bank, tmp_path):
    settings = Settings.from_environment(
        bank_path=bank / "questions.yaml", db_path=tmp_path / "q.db"
    )
    wrong = textwrap.dedent(FILES["examples/softmax/whole-tensor.py"])
    right = textwrap.dedent(FILES["examples/softmax/stable.py"])

    async def session() -> dict:
        app = create_app(settings, clock=lambda: datetime(2026, 3, 4, 9, 30))
        seen = {}
        async with app.run_test(size=(100, 30)) as pilot:
            app.push_screen(ReviewScreen(cram=app.bank.get("softmax")))
            await pilot.pause()
            review = app.screen
            for name, source in (("wrong", wrong), ("right", right)):
                review.answer_area.load_text(source)
                await pilot.press("ctrl+r")
                await app.workers.wait_for_complete()
                await pilot.pause()
                seen[name] = str(review.query_one(".verdict-text").render())
        return seen

    seen = asyncio.run(session())
    assert "2 of 4 checks passed" in seen["wrong"], seen["wrong"]
    assert "passed" in seen["right"] and "of 4" not in seen["right"], seen["right"]


def test_a_bank_written_by_quiz_bank_new_validates_and_studies_by_folder(tmp_path):
    folder = tmp_path / "my-course"
    made = quiz("bank", "new", str(folder))
    assert made.returncode == 0, made.stderr
    result = quiz("validate", str(folder))
    assert result.returncode == 0, result.stderr
    assert "ok, 2 questions (1 with executable answers, 2 example answers" in result.stdout
    shown = quiz("--bank", str(folder), "list")
    assert shown.returncode == 0 and "mean-squared-error" in shown.stdout
    again = quiz("bank", "new", str(folder))
    assert again.returncode == 2 and "not an empty folder" in again.stderr


def test_installed_banks_are_listed_and_picked_by_name(tmp_path):
    listed = quiz("banks")
    assert listed.returncode == 0
    assert listed.stdout.startswith("fastbook-ch4  Chapter 4")
    assert "(39 questions, 15 with code)" in listed.stdout
    named = quiz("--bank", "fastbook-ch4", "show", "9")
    assert named.returncode == 0 and "tensor-3x3" in named.stdout
    unknown = quiz("--bank", "no-such-bank", "list")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("quiz: error: no bank 'no-such-bank'")
    assert os.environ.get("QUIZ_BANK") is None


def test_an_authors_edit_to_a_checks_file_reaches_the_warm_worker(bank, tmp_path):
    answer = tmp_path / "plain.py"
    answer.write_text(PLAIN_RELU)
    first = quiz("--bank", str(bank), "check", "--json", "relu", str(answer))
    assert "that is the leak" in json.loads(first.stdout)["checks"][0]["message"]
    checks = bank / "checks" / "relu.py"
    checks.write_text(checks.read_text().replace("that is the leak", "that is what leaks"))
    second = quiz("--bank", str(bank), "check", "--json", "relu", str(answer))
    assert "that is what leaks" in json.loads(second.stdout)["checks"][0]["message"]


def test_validate_reports_a_bank_name_studied_under_another_title(bank, tmp_path):
    from quiz.store import open_store

    db = tmp_path / "q.db"
    open_store(db).keep_bank_title("course-demo", "Somebody else's course")
    result = quiz("--db", str(db), "validate", "--no-run", str(bank))
    assert result.returncode == 1
    assert result.stderr == (
        f"{bank / 'questions.yaml'}:1: bank name 'course-demo' is already used in {db} by "
        '"Somebody else\'s course": give this bank a name of its own, or its cards will mix '
        "with that bank's\n"
    )
    open_store(db).keep_bank_title("course-demo", "A course of our own")
    assert quiz("--db", str(db), "validate", "--no-run", str(bank)).returncode == 0


def test_validate_reports_a_copy_of_an_installed_banks_header(tmp_path):
    copy = tmp_path / "my-chapter"
    copy.mkdir()
    original = Path(__file__).resolve().parent.parent / "questions.yaml"
    text = original.read_text(encoding="utf-8")
    (copy / "questions.yaml").write_text(
        text.split("\nquestions:")[0] + "\nquestions:" + QUESTIONS.split("\nquestions:")[1]
    )
    for relative, body in FILES.items():
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        (copy / relative).write_text(textwrap.dedent(body))
    result = quiz("validate", "--no-run", str(copy))
    line = text.splitlines().index("bank: fastbook-ch4") + 1
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"{copy / 'questions.yaml'}:{line}: bank name 'fastbook-ch4' is the name of the installed bank"
    )


def test_the_cli_hints_name_the_bank_they_come_from(bank, tmp_path):
    shown = quiz("--bank", str(bank), "show", "softmax")
    assert shown.returncode == 0
    assert f"check:  quiz --bank {bank} check softmax softmax.py" in shown.stdout
    started = quiz("--bank", str(bank), "start", "softmax", str(tmp_path))
    assert started.returncode == 0
    assert f"check it with: quiz --bank {bank} check softmax" in started.stdout
    assert (
        f"# Check it with: quiz --bank {bank} check softmax"
        in (tmp_path / "softmax.py").read_text()
    )
    ch5 = quiz("--bank", "fastbook-ch5", "show", "pet-label")
    assert "start:  quiz --bank fastbook-ch5 start pet-label" in ch5.stdout
    ch4 = quiz("show", "tensor-3x3")
    assert "start:  quiz start tensor-3x3" in ch4.stdout
