"""Suggested grades for written answers: the bank's key points, and agreement with a person."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from quiz.bank import load_bank
from quiz.code_attempt import CodeAttempt
from quiz.recall import asks_for_explanation, suggest, suggest_for_code

ROOT = Path(__file__).resolve().parent.parent
BANK = load_bank(ROOT / "questions.yaml")
WORDS = BANK.words
WRITTEN = [q for q in BANK if not q.is_code or asks_for_explanation(q)]
LABELLED = yaml.safe_load((ROOT / "tests/data/recall_answers.yaml").read_text())["answers"]


def test_the_written_questions_are_the_recall_ones_and_those_asking_for_an_explanation():
    assert sum(not q.is_code for q in BANK) == 24
    explained = sorted(q.id for q in WRITTEN if q.is_code)
    assert "list-comprehension" in explained and "broadcasting" in explained
    assert "tensor-3x3" not in explained and "training-loop" not in explained


@pytest.mark.parametrize("question", WRITTEN, ids=lambda q: q.id)
def test_our_own_answer_covers_every_one_of_its_key_points(question):
    suggestion = suggest(question, question.answer, WORDS)
    assert [f.point for f in suggestion.points if not f.covered] == []
    assert suggestion.grade == 5


def agreement(rows):
    good = [
        suggest(BANK.get(r["q"]), r["a"], WORDS).grade >= 3 for r in rows if r["label"] == "good"
    ]
    poor = [
        suggest(BANK.get(r["q"]), r["a"], WORDS).grade <= 2 for r in rows if r["label"] == "poor"
    ]
    return sum(good) / len(good), sum(poor) / len(poor)


def test_the_labelled_set_is_big_enough_and_mixes_every_kind_of_answer():
    assert len(LABELLED) >= 150
    assert {r["source"] for r in LABELLED} == {
        "learner",
        "paraphrase",
        "partial",
        "wrong",
        "reversed",
    }
    assert all(r["q"] in BANK for r in LABELLED)


@pytest.mark.parametrize("split", ["all", "holdout"])
def test_suggestions_agree_with_a_person_on_good_and_poor_answers(split):
    rows = [r for r in LABELLED if split == "all" or r["split"] == split]
    good, poor = agreement(rows)
    assert good >= 0.85, f"good answers suggested 3 or more: {good:.1%}"
    assert poor >= 0.85, f"poor answers suggested 2 or less: {poor:.1%}"


def test_a_reversed_answer_is_not_rewarded_and_the_swapped_point_is_named():
    suggestion = suggest(
        BANK.get("rank-and-shape"),
        "The shape is the number of axes and the rank is the size of each axis.",
        WORDS,
    )
    assert suggestion.grade <= 2
    assert "contradicted" in {f.status for f in suggestion.points}


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [
        ("relu", "It turns positive numbers into zero and leaves negative numbers unchanged."),
        ("gradient", "The second derivative of the loss."),
        ("relu-function-vs-module", "nn.ReLU is a plain function and F.relu is a module class."),
    ],
)
def test_antonyms_and_swapped_subjects_are_contradictions(question_id, answer):
    assert suggest(BANK.get(question_id), answer, WORDS).grade <= 2


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [("weight-initialisation", "Randomly!"), ("computing-gradients", "nope!")],
)
def test_a_short_right_answer_passes_but_says_what_to_check(question_id, answer):
    suggestion = suggest(BANK.get(question_id), answer, WORDS)
    assert 3 <= suggestion.grade <= 4
    assert not suggestion.sure
    assert suggestion.check.startswith("does your answer")


def test_a_short_wrong_answer_is_never_a_confident_one():
    suggestion = suggest(BANK.get("weight-initialisation"), "zeros", WORDS)
    assert suggestion.grade == 2 and not suggestion.sure


def test_a_blank_answer_is_a_blackout():
    assert suggest(BANK.get("loss"), "  \n", WORDS).grade == 0


@pytest.mark.parametrize(
    ("british", "american"),
    [("optimiser function", "optimizer function"), ("colour", "color"), ("analyse", "analyze")],
)
def test_spelling_variants_match_either_way(british, american):
    question = BANK.get("learner-arguments")
    for text in (british, american):
        findings = {f.point: f.covered for f in suggest(question, text, WORDS).points}
        assert findings["the optimizer function"] == ("optim" in text)
    from quiz.wording import terms

    assert [t.concept for t in terms(british)] == [t.concept for t in terms(american)]


def test_pseudocode_is_read_through_its_code_words():
    loop = "for xb, yb in dl:\n    loss = loss_func(model(xb), yb)\n    loss.backward()\n    opt.step()\n    opt.zero_grad()"
    suggestion = suggest(BANK.get("epoch-pseudocode"), loop, WORDS)
    assert all(f.covered for f in suggestion.points)


def test_a_code_answer_with_an_explanation_averages_the_checks_and_the_words():
    question = BANK.get("broadcasting")
    passed = CodeAttempt(runs=(True,))
    good = "Tensors of different shapes are combined: the smaller-rank one is expanded to match."
    assert suggest_for_code(question, passed, good, WORDS).grade == 5
    assert suggest_for_code(question, passed, "", WORDS).grade == 3
    assert suggest_for_code(BANK.get("tensor-3x3"), passed, "", WORDS).grade == 5


def test_the_matcher_imports_neither_textual_nor_torch():
    code = (
        "import sys, quiz.recall, quiz.wording, quiz.code_attempt; "
        "print(sorted(m for m in ('textual', 'torch') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("runs", "hints", "said"),
    [
        ((), 0, "checks never run"),
        ((True,), 0, "passed after 1 run"),
        ((False, True), 1, "passed after 2 runs, 1 hint"),
        ((False, False), 0, "never passed after 2 runs"),
        ((True, False), 0, "passed on run 1; the last of 2 runs failed"),
        ((False, True, True), 2, "passed on run 2, 2 hints; the last of 3 runs passed"),
    ],
)
def test_a_code_attempt_says_when_it_first_passed_and_how_the_last_run_went(runs, hints, said):
    assert CodeAttempt(runs=runs, hints_used=hints).summary == said


def test_nearest_counts_for_closer():
    answer = "Average each digit's images into an ideal one; an image is the digit whose ideal is nearest."
    closer = next(
        p
        for p in suggest(BANK.get("pixel-similarity"), answer, WORDS).points
        if "closer" in p.point
    )
    assert "nearest" in closer.matched and closer.status != "missing", closer
