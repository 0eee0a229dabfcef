"""A bank's listed mistakes: an answer that says one is suggested a fail and told which; one
that denies it, or is right in the same words, is not; `quiz validate` reports a mistake the
marker could never tell from a right answer."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from click.testing import CliRunner

from quiz.bank import load_bank
from quiz.cli import main
from quiz.recall import suggest
from quiz.settings import Settings
from quiz.tui.app import create_app
from quiz.tui.screens.review import ReviewScreen

from .conftest import REPO_ROOT

BANK = """\
bank: tensors-course
title: Tensors
questions:
  - id: rank
    number: 1
    kind: recall
    prompt: What is the rank of a tensor?
    answer: The number of its axes, the length of its shape.
    key_points:
      - rank is the number of axes (dimensions)
      - rank is the length of the shape
    mistakes:
{mistakes}
    tags: []
"""
ELEMENTS = "the rank is the number of elements in the tensor"
LARGEST = "the rank is the largest dimension in the shape"


def write_bank(folder, mistakes=(ELEMENTS, LARGEST)):
    folder.mkdir(parents=True, exist_ok=True)
    listed = "\n".join(f"      - {text}" for text in mistakes)
    (folder / "questions.yaml").write_text(BANK.format(mistakes=listed), encoding="utf-8")
    return folder / "questions.yaml"


@pytest.fixture
def rank(tmp_path):
    return load_bank(write_bank(tmp_path / "course")).get("rank")


def test_an_answer_that_says_a_listed_mistake_is_a_fail_that_names_it(rank):
    said = suggest(rank, "It's how many elements the tensor holds, so a 3 by 4 matrix has 12.")
    assert said.mistakes == (ELEMENTS,)
    assert said.grade <= 2 and not said.sure
    assert said.check == (
        f"your answer seems to say that {ELEMENTS}, a common mistake: compare it with our answer"
    )


def test_the_mistake_is_read_in_any_sentence_and_beside_a_right_point(rank):
    answer = "Rank is the length of the shape. It's also the largest dimension of that shape."
    said = suggest(rank, answer)
    assert said.mistakes == (LARGEST,)
    assert said.grade <= 2


@pytest.mark.parametrize(
    "answer",
    [
        "The number of axes, len(t.shape); not the number of elements, which is numel.",
        "How many dimensions it has: the length of the shape, never its largest dimension.",
        "The number of axes (t.ndim); the number of elements is another thing, t.numel().",
    ],
)
def test_a_right_answer_that_denies_or_brushes_a_mistake_is_not_failed(rank, answer):
    said = suggest(rank, answer)
    assert said.mistakes == ()
    assert said.grade >= 3


def test_a_question_without_mistakes_suggests_as_before(tmp_path):
    plain = load_bank(write_bank(tmp_path / "course")).get("rank")
    bare = type(plain)(**{**plain.__dict__, "mistakes": ()})
    answer = "the number of elements in the tensor"
    assert suggest(bare, answer).mistakes == ()
    assert suggest(plain, answer).mistakes == (ELEMENTS,)


def test_mistakes_survive_the_bank_cache(tmp_path):
    path = write_bank(tmp_path / "course")
    first, again = load_bank(path), load_bank(path)
    assert again.get("rank").mistakes == first.get("rank").mistakes == (ELEMENTS, LARGEST)


def test_validate_reports_a_mistake_that_only_uses_a_right_answers_words(tmp_path):
    unheard = "rank is the length of the axes"
    path = write_bank(tmp_path / "course", mistakes=(ELEMENTS, unheard))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        f"{path}:4: question 'rank': the mistake '{unheard}' uses only words that a right"
        " answer uses (the prompt's, the key points' or our answer's)"
    )
    assert ELEMENTS not in result.output

    # Our answer rejecting a mistake ("not its elements") leaves its words its own.
    text = path.read_text(encoding="utf-8").replace(f"      - {unheard}\n", "")
    path.write_text(text.replace("its shape.", "its shape, not its elements."))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_validate_passes_a_bank_whose_mistakes_are_its_own(tmp_path):
    result = CliRunner().invoke(main, ["validate", str(write_bank(tmp_path / "course"))])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("path", ["questions.yaml", "banks/fastbook-ch5/questions.yaml"])
def test_our_banks_answers_and_key_points_say_none_of_their_mistakes(path):
    bank = load_bank(REPO_ROOT / path)
    listed = [q for q in bank if q.mistakes]
    assert len(listed) >= len([q for q in bank if q.kind == "recall"]) - 1
    for question in listed:
        for text in (question.answer, ". ".join(question.key_points)):
            assert suggest(question, text, bank.words).mistakes == (), question.id


def test_the_review_screen_names_the_mistake_and_enter_takes_nothing(tmp_path):
    settings = Settings.from_environment(db_path=tmp_path / "quiz.db")
    app = create_app(settings, clock=lambda: datetime(2025, 3, 4, 9, 30))

    async def run():
        async with app.run_test(size=(110, 40)) as pilot:
            await app.workers.wait_for_complete()
            app.push_screen(ReviewScreen(cram=app.bank.get("rank-and-shape")))
            await pilot.pause()
            review = app.screen
            await pilot.press(*"Shape is each axis's size; rank is the number of elements.")
            await pilot.press("ctrl+s")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            return str(review.query_one(".key-points").render()), review.attempt.revealed

    shown, still_open = asyncio.run(run())
    assert "! the rank is the number of elements in the tensor (a common mistake" in shown
    assert "Unsure, a guess: 2." in shown or "Unsure, a guess: 1." in shown
    assert still_open, "Enter took an unsure suggestion"
