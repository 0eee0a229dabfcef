"""A key point is covered only when the answer asserts it: negations, swaps and antonyms say
the opposite wherever they stand, words without a sentence cover nothing, and the grade
caps follow. Chapter 4's real bank and its own words."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quiz.bank import BankError, load_bank
from quiz.recall import UNSAID, suggest
from quiz.wording import stem

ROOT = Path(__file__).resolve().parent.parent
BANK = load_bank(ROOT / "questions.yaml")
WORDS = BANK.words
ACCUMULATES = "backward adds the new gradients to the old ones (accumulates)"


def statuses(question_id: str, answer: str) -> dict[str, str]:
    return {f.point: f.status for f in suggest(BANK.get(question_id), answer, WORDS).points}


@pytest.mark.parametrize(
    "answer",
    [
        "Backward does not add the new gradients to the old ones.",
        "Backward never adds the new gradients to the old ones.",
        "Backward no longer adds the new gradients to the old ones in PyTorch 2.",
        "Backward isn't adding the new gradients to the old ones.",
        "It is not true that backward adds the new gradients to the old ones.",
        "It's false that backward adds the new gradients to the old ones.",
        "Backward adds the new gradients to the old ones. That is not true.",
        "We reset them each step, but backward does not add the new gradients to the old ones.",
    ],
)
def test_a_negation_anywhere_makes_the_point_contradicted(answer):
    assert statuses("zeroing-gradients", answer)[ACCUMULATES] == "contradicted"
    assert suggest(BANK.get("zeroing-gradients"), answer, WORDS).grade <= 2


@pytest.mark.parametrize(
    ("question_id", "answer", "point"),
    [
        (
            "metrics-on-validation",
            "On the training set. The model could memorise the validation set.",
            "the model can memorise (overfit) the training data",
        ),
        (
            "metrics-on-validation",
            "Metrics are calculated on the training set.",
            "the validation set",
        ),
        (
            "pixel-similarity",
            "Predict whichever ideal image is further away.",
            "predict whichever ideal image is closer",
        ),
        (
            "sigmoid",
            "An S-shaped curve that decreases for large inputs.",
            "smooth, always increasing",
        ),
        (
            "bias",
            "A number multiplied with the inputs, like a weight.",
            "a learned number added to the weighted sum (the b in x@w + b, an intercept)",
        ),
    ],
)
def test_a_swapped_object_or_an_antonym_makes_the_point_contradicted(question_id, answer, point):
    assert statuses(question_id, answer)[point] == "contradicted"
    assert suggest(BANK.get(question_id), answer, WORDS).grade <= 2


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [
        (
            "bias",
            "A learned number added to the weighted sum; without it the output is zero whenever the input is zero.",
        ),
        (
            "broadcasting",
            "It expands a smaller tensor to match the shape of a larger one without copying data, so elementwise ops work on different shapes.",
        ),
        (
            "metrics-on-validation",
            "On the validation set, not the training set: the model can memorise the training data, so only data it has never seen shows how well it does.",
        ),
        (
            "vectorised-computation",
            "Don't loop in Python at all: do the operation on the whole tensor at once, and it runs in optimised C or CUDA.",
        ),
    ],
)
def test_a_negation_that_belongs_to_the_point_or_rejects_a_wrong_idea_is_no_contradiction(
    question_id, answer
):
    suggestion = suggest(BANK.get(question_id), answer, WORDS)
    assert "contradicted" not in {f.status for f in suggestion.points}
    assert suggestion.grade >= 4


def test_the_key_points_words_in_no_sentence_cover_nothing_and_say_why():
    question = BANK.get("metrics-on-validation")
    for answer in (
        "it the overfit can the has not measures data validation memorise training the does seen",
        "validation, set, model, memorise, overfit, training, data, seen",
    ):
        suggestion = suggest(question, answer, WORDS)
        assert not any(f.covered for f in suggestion.points)
        assert suggestion.grade <= 2 and not suggestion.sure
        assert suggestion.check == UNSAID


def test_each_key_point_read_backwards_says_nothing():
    question = BANK.get("weight-initialisation")
    answer = "Values random. There from them improves (SGD) training."
    suggestion = suggest(question, answer, WORDS)
    assert not any(f.covered for f in suggestion.points)
    assert suggestion.grade <= 2


def test_a_short_note_in_the_key_points_words_is_still_an_answer():
    answer = "Validation, not training. A model can memorise its training data, so measure it on data it has not seen."
    assert suggest(BANK.get("metrics-on-validation"), answer, WORDS).grade >= 4


def test_the_key_points_themselves_as_a_list_are_still_an_answer():
    answer = "The DataLoaders, the model, the optimizer function, the loss function, optionally the metrics."
    suggestion = suggest(BANK.get("learner-arguments"), answer, WORDS)
    assert all(f.covered for f in suggestion.points) and suggestion.grade == 5


def test_an_answer_covering_no_point_is_never_a_pass():
    # Each key point in part, none whole: half credit each would otherwise make a 3.
    answer = "The rank relates to a tensor. The shape relates to a tensor too."
    suggestion = suggest(BANK.get("rank-and-shape"), answer, WORDS)
    assert not any(f.covered for f in suggestion.points)
    assert suggestion.grade <= 2


def test_a_contradicted_point_caps_the_grade_at_two_and_names_the_point():
    answer = "Stochastic gradient descent, a way to calculate the loss of each prediction; it does not change the weights."
    suggestion = suggest(BANK.get("sgd"), answer, WORDS)
    assert suggestion.grade <= 2 and not suggestion.sure
    assert "or the opposite?" in suggestion.check


def test_one_contradicted_point_among_all_others_covered_may_pass_but_says_which_to_check():
    answer = (
        "Train and valid folders, with a subfolder for each digit, 3 and 7; the label is the "
        "folder's name. The valid images are not kept apart to measure the model."
    )
    suggestion = suggest(BANK.get("mnist-sample-layout"), answer, WORDS)
    point = "the valid images are kept apart to measure the model (held out)"
    assert [f.point for f in suggestion.points if f.status == "contradicted"] == [point]
    assert all(f.covered for f in suggestion.points if f.point != point)
    assert suggestion.grade == 3 and not suggestion.sure
    assert suggestion.check == f"does your answer say {point}, or the opposite?"


def test_an_answer_that_turns_the_premise_round_is_not_a_pass():
    suggestion = suggest(
        BANK.get("accuracy-as-loss"),
        "We can use accuracy as a loss because it is differentiable.",
        WORDS,
    )
    assert suggestion.grade <= 2 and not suggestion.sure
    assert "does your answer say we can?" in suggestion.check


def test_paraphrases_of_the_digits_and_the_comprehension_are_covered():
    folders = statuses(
        "mnist-sample-layout", "train/ and valid/, each with subfolders for the 3s and the 7s."
    )
    assert folders["a subfolder for each digit, 3 and 7"] == "covered"
    syntax = statuses(
        "list-comprehension",
        "It builds a new list from an iterable in one expression: [expr for x in xs if cond].",
    )
    assert syntax["[expression for item in iterable if condition], the if filters"] == "covered"


def test_a_banks_words_are_layered_over_the_general_ones():
    question = BANK.get("weight-initialisation")
    assert suggest(question, "Randomly!", WORDS).points[0].covered
    # Without chapter 4's words, "randn" is just a word.
    assert not suggest(question, "With randn.", {}).points[0].covered
    assert suggest(question, "With randn.", {"random": ["randn"]}).points[0].covered


BANK_WITH_WORDS = """
bank: tiny
title: Tiny
questions:
  - id: init
    number: 1
    kind: recall
    prompt: How do we start the weights?
    answer: With random values, which training improves.
    key_points: [random values, training improves them]
    tags: [sgd]
"""


def test_a_banks_words_are_its_own_and_only_its_own(tmp_path):
    (tmp_path / "questions.yaml").write_text(BANK_WITH_WORDS)
    bank = load_bank(tmp_path / "questions.yaml")
    assert bank.words == {}
    assert not suggest(bank.get("init"), "With randn.", bank.words).points[0].covered
    header = "title: Tiny\n"
    assert header in BANK_WITH_WORDS
    words = header + "words:\n  random: [randn, arbitrary]\n"
    (tmp_path / "questions.yaml").write_text(BANK_WITH_WORDS.replace(header, words))
    bank = load_bank(tmp_path / "questions.yaml")
    assert bank.words == {"random": ("randn", "arbitrary")}
    assert suggest(bank.get("init"), "With randn.", bank.words).points[0].covered
    (tmp_path / "questions.yaml").write_text(
        BANK_WITH_WORDS.replace(header, header + "words: [random, randn]\n")
    )
    with pytest.raises(BankError, match="'words' must map each word to a list of words"):
        load_bank(tmp_path / "questions.yaml")


def test_chapter_specific_words_live_in_the_bank_not_in_the_engine():
    from quiz.wording import SYNONYMS

    general = {word for group in SYNONYMS for word in group}
    assert not general & {"relu", "sigmoid", "validation", "optimizer", "pytorch", "gradient"}
    assert {"validation", "optimizer", "gradient"} <= set(WORDS)


def run_benchmark(*args: str) -> subprocess.CompletedProcess:
    script = ROOT / "benchmarks" / "recall_agreement.py"
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=120
    )


def test_the_benchmark_measures_another_labelled_set_and_rejects_a_bad_one(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "answers:\n"
        "- {q: sgd, label: good, source: paraphrase, split: tune, a: 'Stochastic gradient descent: it updates the weights to reduce the loss, using its gradient.'}\n"
        "- {q: sgd, label: poor, source: misconception, split: holdout, a: 'It does not change the weights.'}\n"
    )
    proc = run_benchmark("--bank", str(ROOT / "questions.yaml"), "--answers", str(answers))
    assert proc.returncode == 0, proc.stderr
    assert "good answers >= 3" in proc.stdout and "100.0% of   1" in proc.stdout
    assert "misconceptions <= 2" in proc.stdout
    missing = run_benchmark("--answers", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr


def test_an_alternative_the_prompt_names_does_not_cover_a_point():
    question = BANK.get("zeroing-gradients")
    wrong = "Because the gradients grow too large and explode unless we reset them."
    right = "Backward adds the new gradients to the old ones, so we reset them to zero each step."
    assert suggest(question, wrong, WORDS).grade <= 2
    assert suggest(question, right, WORDS).grade >= 4


def test_both_gives_one_subjects_property_to_the_other():
    question = BANK.get("relu-function-vs-module")
    wrong = "They are both plain functions; nn.ReLU is just an older name for F.relu."
    right = "Both apply max(x, 0): F.relu is a plain function, and nn.ReLU is a module you create."
    assert statuses(question.id, wrong)["F.relu is a plain function"] == "contradicted"
    assert suggest(question, wrong, WORDS).grade <= 2
    assert statuses(question.id, right)["F.relu is a plain function"] == "covered"
    assert suggest(question, right, WORDS).grade >= 4


def test_a_definition_of_the_wrong_thing_contradicts_the_point():
    question = BANK.get("rank-and-shape")
    axes = "rank is the number of axes (dimensions)"
    wrong = "Rank is the total number of elements in the tensor; shape is the size of each axis."
    right = (
        "Shape is the size of each axis; rank is the number of dimensions of the tensor, "
        "so rank is the length of the tensor's shape."
    )
    assert statuses(question.id, wrong)[axes] == "contradicted"
    assert suggest(question, wrong, WORDS).grade <= 2
    assert statuses(question.id, right)[axes] == "covered"
    assert suggest(question, right, WORDS).grade == 5


def test_the_metric_named_where_the_loss_belongs_contradicts_the_point():
    question = BANK.get("loss-vs-metric")
    wrong = (
        "The metric is what the optimiser uses to update the weights, and the loss is for people."
    )
    right = "The loss is what the optimiser uses to update the weights; a metric is for people."
    uses = "the loss is what the optimiser uses to update the weights"
    assert statuses(question.id, wrong)[uses] == "contradicted"
    assert suggest(question, wrong, WORDS).grade <= 2
    assert statuses(question.id, right)[uses] == "covered"


def test_accuracy_named_for_the_loss_in_a_list_of_steps_fails():
    question = BANK.get("seven-steps")
    wrong = "Predict, calculate the accuracy, and change the learning rate until it stops rising."
    right = (
        "Initialise the weights, predict, calculate the loss, calculate the gradients, "
        "step the weights with the learning rate, repeat, then stop."
    )
    assert suggest(question, wrong, WORDS).grade <= 2
    assert suggest(question, right, WORDS).grade == 5


def test_a_prompt_naming_both_words_of_a_pair_offers_no_choice_between_them():
    # "accuracy as a loss" names both; only "training set, or validation set?" offers a choice.
    question = BANK.get("accuracy-as-loss")
    right = "We need the loss function to be differentiable so we know which way to move."
    assert suggest(question, right, WORDS).grade >= 3
    chosen = "Metrics are calculated on the training set."
    assert suggest(BANK.get("metrics-on-validation"), chosen, WORDS).grade <= 2


def test_an_un_word_and_its_stem_are_opposites():
    bank = load_bank(ROOT / "banks" / "fastbook-ch5" / "questions.yaml")
    question = bank.get("fine-tune-steps")
    wrong = (
        "It first trains the whole model for one epoch, then freezes the body and trains "
        "only the new head for the other epochs."
    )
    right = (
        "It first trains only the new head for one epoch with the body frozen, then "
        "unfreezes all layers and trains for the requested epochs."
    )
    assert [f.status for f in suggest(question, wrong, bank.words).points][1] == "contradicted"
    assert suggest(question, wrong, bank.words).grade <= 2
    assert suggest(question, right, bank.words).grade == 5


def test_a_change_into_the_wrong_result_contradicts_the_point():
    question = BANK.get("relu")
    zero = "negative numbers become zero"
    wrong = "Rectified linear unit: it turns negative numbers into positive ones, like abs(x)."
    right = (
        "Rectified linear unit: it turns negative numbers into zeros and leaves positive "
        "numbers unchanged, max(x, 0)."
    )
    assert statuses(question.id, wrong)[zero] == "contradicted"
    assert suggest(question, wrong, WORDS).grade <= 2
    assert statuses(question.id, right)[zero] == "covered"
    assert suggest(question, right, WORDS).grade == 5


def test_a_plural_in_ves_stems_as_its_singular():
    assert stem("negatives") == stem("negative")
    assert stem("curves") == stem("curve")


def test_another_measure_the_question_names_contradicts_the_point():
    question = BANK.get("grayscale-image")
    intensity = "each number is the pixel's intensity, from 0 to 255"
    wrong = "A grid of numbers, one per pixel, where each number is the pixel's colour code."
    right = (
        "A grid of numbers, one per pixel, where each number is the pixel's brightness, 0 to 255."
    )
    assert statuses(question.id, wrong)[intensity] == "contradicted"
    assert suggest(question, wrong, WORDS).grade <= 2
    assert statuses(question.id, right)[intensity] == "covered"


def test_a_definition_in_words_the_question_lacks_is_not_called_wrong():
    bank = load_bank(ROOT / "banks" / "fastbook-ch5" / "questions.yaml")
    question = bank.get("log-negative")
    right = (
        "It is undefined (PyTorch gives nan), because the log is the inverse of the "
        "exponential and e to any power is always positive, so no power gives -2."
    )
    assert "contradicted" not in [f.status for f in suggest(question, right, bank.words).points]


def test_a_qualifier_turned_round_contradicts_the_point():
    question = BANK.get("activation-function")
    between = (
        "placed between linear layers, which would otherwise collapse into one linear function"
    )
    wrong = "It is a linear function, such as x@w + b, put between the nonlinear layers."
    right = (
        "A nonlinear function such as sigmoid, put between linear layers, which would "
        "otherwise collapse into one linear function."
    )
    assert statuses(question.id, wrong)[between] == "contradicted"
    assert suggest(question, wrong, WORDS).grade <= 2
    # "one linear function" is the key points' own pair, so it says nothing wrong.
    assert "contradicted" not in statuses(question.id, right).values()
    assert suggest(question, right, WORDS).grade >= 4


def test_a_condition_swapped_with_its_consequence_contradicts_the_point():
    question = BANK.get("gradient")
    changes = "how much the loss changes when each weight changes"
    wrong = "The slope: how much a weight changes when the loss changes."
    right = "The slope: how much the loss changes when a weight changes."
    assert statuses(question.id, wrong)[changes] == "contradicted"
    assert suggest(question, wrong, WORDS).grade <= 2
    assert statuses(question.id, right)[changes] == "covered"


def test_a_size_change_told_with_a_verb_meets_its_antonym():
    question = BANK.get("sgd")
    reduce = "an optimisation method that updates the weights to reduce the loss"
    wrong = "Stochastic gradient descent: it changes the weights so that the loss goes up."
    right = "Stochastic gradient descent: it changes the weights so that the loss goes down."
    assert statuses(question.id, wrong)[reduce] == "contradicted"
    assert statuses(question.id, right)[reduce] != "contradicted"


def test_a_property_given_to_another_thing_the_question_names_contradicts_the_point():
    question = BANK.get("accuracy-as-loss")
    smooth = "a loss must be smooth (differentiable, with a useful gradient)"
    wrong = "Accuracy is differentiable, but it is too slow to compute for every batch."
    right = "Accuracy is flat almost everywhere; a loss must be differentiable."
    assert statuses(question.id, wrong)[smooth] == "contradicted"
    assert suggest(question, wrong, WORDS).grade <= 2
    assert statuses(question.id, right)[smooth] == "covered"


def test_a_name_alone_covers_only_the_point_it_names():
    # "Stochastic gradient descent" is the first point whole; its words say nothing yet of
    # the gradient it uses or the loss it reduces.
    question = BANK.get("sgd")
    bare = suggest(question, "Stochastic gradient descent.", WORDS)
    assert [f.status for f in bare.points] == ["covered", "missing", "missing"]
    assert bare.grade <= 2
    full = "Stochastic gradient descent: it updates the weights to reduce the loss, using its gradient."
    assert suggest(question, full, WORDS).grade == 5


def test_without_one_turns_round_nothing_after_it():
    # "without one" stands for "without an activation function", as "without it" does.
    question = BANK.get("activation-function")
    right = (
        "The nonlinearity between layers: linear layers stacked without one collapse into a "
        "single linear function, so we add ReLU or sigmoid."
    )
    assert "contradicted" not in statuses(question.id, right).values()
    assert suggest(question, right, WORDS).grade >= 4


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (
            "On the training set, as that is what it learns from; the validation set is only"
            " there for picking the learning rate.",
            "contradicted",
        ),
        ("Training set. Validation is for tuning.", "contradicted"),
        ("Not the training set but the validation set, since it holds unseen data.", "covered"),
        (
            "The validation set: on the training set a model can score well by memorising.",
            "covered",
        ),
    ],
)
def test_an_either_or_prompt_is_answered_by_the_option_the_answer_picks_first(answer, status):
    point = "the validation set"
    assert statuses("metrics-on-validation", answer)[point] == status
    if status == "contradicted":
        assert suggest(BANK.get("metrics-on-validation"), answer, WORDS).grade <= 2


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [
        (  # a thing turned down for what the next clause says of it
            "mini-batches",
            "Not the whole dataset, which would be too slow for every step, and not a single"
            " item, whose gradient is too noisy; a GPU works well on many items at once.",
        ),
        (  # "only changes when" said as "doesn't change unless", and "doesn't move it"
            "accuracy-as-loss",
            "Accuracy doesn't change unless a prediction flips, so a small change in a weight"
            " usually doesn't move it at all. Its gradient is zero almost everywhere; a loss"
            " must be smooth, not stepwise.",
        ),
        (  # the negation is about the phrase it stands in: a loop with append
            "list-comprehension",
            "One expression, not a loop with append, that builds a new list from an iterable:"
            " [expression for item in iterable if condition], where the if filters the items.",
        ),
        ("rank-3-tensor", "It has three axes, not three elements: a stack of matrices."),
        (  # an antonym said of another thing the clause names: GPUs are fast
            "mini-batches",
            "GPUs are fast when given lots of work in parallel, so we group 256 images and"
            " compute the loss and gradients on them together. You get many more updates per"
            " epoch than with the full batch, and less noise than with single examples.",
        ),
        (  # a sentence says the point whole; the next denies something else of its words
            "gradient",
            "It's the derivative of the loss with respect to each weight: how much the loss"
            " changes when that weight is nudged. It's not the second derivative, and it"
            " doesn't change the weights by itself; the optimiser uses it to do that.",
        ),
        (  # validation data turned twice: the data the model never trained on
            "metrics-on-validation",
            "Not the training set: the model has already seen those images, so a good score"
            " there proves nothing. We use validation data the model never trained on to get"
            " an honest measure.",
        ),
        (  # "isn't linear" is nonlinear
            "activation-function",
            "It's a function that isn't linear, placed between layers. Without it, however"
            " many linear layers you stack, the model is no more capable than one linear layer.",
        ),
        (  # "never trains" beside "train/" said rightly
            "mnist-sample-layout",
            "There are train and valid folders with a subfolder for each digit, 3 and 7; the"
            " folder's name is the label. Validation images sit in valid/, not mixed in with"
            " train/, so the model never trains on them.",
        ),
        (  # part of what the point rejects ("a Python loop") is no proposal of it
            "vectorised-computation",
            "Put the numbers in a tensor and use elementwise operations and broadcasting on"
            " the whole tensor at once, so the loop runs in optimised C or on the GPU.",
        ),
        (  # what the point rejects, found fault with
            "vectorised-computation",
            "Python loops are slow because every iteration goes through the interpreter. Do"
            " operations on the whole tensor at once instead, so they run in optimised C or CUDA.",
        ),
        (  # a thing turned down in a clause of its own
            "mini-batches",
            "Not one item at a time and not the whole dataset: the whole dataset for every step"
            " would be too slow, a single item gives an unstable gradient, and a GPU is"
            " efficient on many items at once.",
        ),
        (  # the other option of an either-or question, explaining the choice
            "metrics-on-validation",
            "On the validation set. If you measured on the training set you couldn't detect"
            " overfitting, because the model has already seen those images and may have"
            " memorised the training data; we need data it has not seen.",
        ),
        (  # "fixes them" repairs; it is not "fixed"
            "weight-initialisation",
            "Random values. It doesn't matter much that they start out bad, because training"
            " with SGD fixes them, improving them from there.",
        ),
    ],
)
def test_a_negation_that_belongs_to_a_right_answer_turns_no_point_round(question_id, answer):
    found = statuses(question_id, answer)
    assert "contradicted" not in found.values(), found
    assert suggest(BANK.get(question_id), answer, WORDS).grade >= 3


@pytest.mark.parametrize(
    "answer",
    [
        "Accuracy changes smoothly with every weight, so its gradient is not zero.",
        "It is not true that accuracy only changes when a prediction flips.",
    ],
)
def test_what_only_restricts_can_still_be_denied_with_the_rest_of_the_point(answer):
    point = (
        "accuracy only changes when a prediction flips, so its gradient is zero almost everywhere"
    )
    assert statuses("accuracy-as-loss", answer)[point] == "contradicted"


CH5 = load_bank(ROOT / "banks" / "fastbook-ch5" / "questions.yaml")


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [
        (  # a negation and an antonym in one clause: "different sizes can't be batched"
            "presizing",
            "Images of different sizes can't be collated into a batch, so each is first"
            " resized to a large size on the CPU, which leaves extra room for the augmentations."
            " Then the GPU combines all the augmentations into one operation with a single"
            " interpolation, fast, on a whole batch at once.",
        ),
        (  # "no power of e is negative": exp is always positive
            "log-negative",
            "It is undefined, nan in PyTorch. Log is the inverse of exp, and no power of e"
            " gives a negative result.",
        ),
        (  # a rejected word after the clause's negation: not having to handle strings
            "pathlib",
            "You don't have to manipulate paths as strings: Path objects stand for file paths,"
            " the / operator joins them, name, stem, suffix and parent give the parts, and glob"
            " or iterdir list a folder's files.",
        ),
        (  # the alternative turned down is one the point names too: "101 layers instead of 50"
            "resnet-depth",
            "Only the depth: resnet101 has 101 layers instead of 50. The deeper one has more"
            " parameters, so it needs more GPU memory and is slower to train.",
        ),
        (
            "data-formats",
            "Either individual files, organised in folders or with names that carry information"
            " such as the label, or a table such as a CSV with a row per item instead of a file"
            " per item.",
        ),
    ],
)
def test_a_double_turn_or_a_phrase_turned_down_leaves_the_point_said(question_id, answer):
    found = {f.point: f.status for f in suggest(CH5.get(question_id), answer, CH5.words).points}
    assert "contradicted" not in found.values(), found
    assert suggest(CH5.get(question_id), answer, CH5.words).grade >= 3


def test_the_suggestion_is_the_same_whatever_order_python_gives_sets():
    script = (
        "import yaml, sys; from quiz.bank import load_bank; from quiz.recall import suggest\n"
        "bank = load_bank(sys.argv[1])\n"
        "rows = yaml.safe_load(open(sys.argv[2]))['answers']\n"
        "print([(s.grade, s.sure, [f.status for f in s.points]) for s in"
        " (suggest(bank.get(r['q']), r['a'], bank.words) for r in rows)])\n"
    )
    answers = ROOT / "tests" / "data" / "recall_answers_second_author.yaml"
    runs = {
        subprocess.run(
            [sys.executable, "-c", script, str(ROOT / "questions.yaml"), str(answers)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (0, 1, 2, 3)
    }
    assert len(runs) == 1


def test_choosing_the_other_option_instead_still_contradicts():
    answer = "We measure on the training set instead of the validation set."
    assert statuses("metrics-on-validation", answer)["the validation set"] == "contradicted"


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (
            "Yes, you must derive every gradient yourself and write the backward pass.",
            "contradicted",
        ),
        ("No, PyTorch calculates them automatically with backward.", "covered"),
    ],
)
def test_a_yes_or_no_question_is_answered_by_the_first_word(answer, status):
    assert statuses("computing-gradients", answer)["no"] == status


@pytest.mark.parametrize(
    "form",
    [
        "I don't think {}.",
        "I doubt that {}.",
        "Nobody believes that {}.",
        "It is wrong to say that {}.",
        "That {} is false.",
        "The idea that {} is a myth.",
        "{}? No.",
        "{}? That isn't so.",
        "I would not say {}.",
    ],
)
def test_other_ways_of_denying_a_sentence_turn_the_point_round(form):
    answer = form.format("backward adds the new gradients to the old ones")
    assert statuses("zeroing-gradients", answer)[ACCUMULATES] == "contradicted"


def test_not_this_only_that_says_what_the_point_restricts():
    answer = (
        "Use ?? after the name for the source code. One question mark doesn't show the code,"
        " only the signature and docstring."
    )
    point = "a single ? (one question mark) shows only the signature and docstring"
    found = {f.point: f.status for f in suggest(CH5.get("source-code"), answer, CH5.words).points}
    assert found[point] == "covered"


@pytest.mark.parametrize("bank", [BANK, CH5], ids=["ch4", "ch5"])
def test_our_own_answer_to_every_recall_question_passes(bank):
    failing = {
        q.id: suggest(q, q.answer, bank.words).grade
        for q in bank
        if not q.is_code and suggest(q, q.answer, bank.words).grade < 3
    }
    assert not failing


def test_a_qualifier_turned_down_with_its_noun_leaves_the_noun_said():
    answer = (
        "It turns on mixed-precision training: half-precision floats (fp16) instead of 32-bit"
        " floats, faster on the GPU's tensor cores, using less GPU memory."
    )
    found = {f.point: f.status for f in suggest(CH5.get("to-fp16"), answer, CH5.words).points}
    assert set(found.values()) == {"covered"}, found


def test_that_is_why_is_no_denial():
    answer = (
        "Accuracy only changes when a prediction flips, so its gradient is zero almost"
        " everywhere. That is why accuracy is wrong as a loss: a loss must be smooth."
    )
    assert suggest(BANK.get("accuracy-as-loss"), answer, WORDS).grade >= 4


def test_the_whole_model_not_just_the_head_says_both():
    answer = (
        "First it freezes the pretrained body and trains only the new head for one epoch; then it"
        " unfreezes everything and trains the whole model for the requested epochs, not just"
        " the head."
    )
    found = {
        f.point: f.status for f in suggest(CH5.get("fine-tune-steps"), answer, CH5.words).points
    }
    assert set(found.values()) == {"covered"}, found


def test_not_before_a_whole_clause_denies_it():
    answer = "Not shape is the size of each axis. Not rank is the number of axes."
    found = statuses("rank-and-shape", answer)
    assert found["shape is the size of each axis (dimension)"] == "contradicted", found
    assert suggest(BANK.get("rank-and-shape"), answer, WORDS).grade <= 2
