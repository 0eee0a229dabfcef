"""The grader end to end: real worker, real children, real reference solutions.

One Checker (one warm worker) serves the whole module, as it would serve a study session.
"""

from __future__ import annotations

import json
import os
import textwrap
import threading
import time
from pathlib import Path

import pytest

from quiz.bank import load_bank
from quiz.grader import Checker

from .conftest import require_full_mnist

REPO_ROOT = Path(__file__).resolve().parent.parent
BANK = load_bank(REPO_ROOT / "questions.yaml")
CODE_QUESTIONS = [q for q in BANK if q.kind == "code"]
NEEDS_FULL_MNIST = {"pixel-similarity", "learner-from-scratch", "full-mnist"}
"""Their checks measure accuracy on all of MNIST's real digits, which a bare clone lacks."""


@pytest.fixture(scope="module")
def checker():
    with Checker(BANK) as checker:
        yield checker


def check(checker, question_id: str, source: str, **options):
    return checker.check(question_id, textwrap.dedent(source), **options)


def failed(verdict) -> list:
    return [c for c in verdict.checks if not c.passed]


def messages(verdict) -> str:
    return "\n".join(f"{c.name}: {c.message}" for c in verdict.checks)


def test_each_code_question_brings_its_checks_from_its_bank():
    """Chapter 4's checks live beside its questions; the grader and the bank loader name none."""
    checks_dir = REPO_ROOT / "solutions" / "checks"
    assert {q.checks for q in CODE_QUESTIONS} == {checks_dir / f"{q.id}.py" for q in CODE_QUESTIONS}
    named = [q.id for q in CODE_QUESTIONS if "-" in q.id]
    engine = [*(REPO_ROOT / "quiz" / "grader").rglob("*.py"), REPO_ROOT / "quiz" / "bank.py"]
    for path in [*engine, REPO_ROOT / "quiz" / "checks.py"]:
        text = path.read_text(encoding="utf-8")
        assert not [qid for qid in named if qid in text], path


@pytest.mark.parametrize("question", CODE_QUESTIONS, ids=lambda q: q.id)
def test_each_reference_solution_passes_its_own_checks(checker, question):
    if question.id in NEEDS_FULL_MNIST:
        require_full_mnist()
    verdict = checker.check(question.id, question.solution.read_text(encoding="utf-8"))
    assert verdict.error is None
    assert verdict.checks and not failed(verdict), messages(verdict)
    assert verdict.passed
    json.dumps(verdict.to_dict(), allow_nan=False)


# ----------------------------------------------------------------------------- list-comprehension


def test_the_seeds_comprehension_without_in_is_a_syntax_error_at_its_line(checker):
    verdict = check(
        checker,
        "list-comprehension",
        """
        def double_odds(nums):
            return [2*num for num if num % 2 == 1]
        """,
    )
    assert not verdict.passed and not verdict.checks
    assert verdict.error.kind == "syntax"
    assert verdict.error.line == 3  # dedent keeps the leading blank line
    assert "[2*num for num if num % 2 == 1]" in verdict.error.detail
    assert "^" in verdict.error.detail
    assert "`in nums`" in verdict.error.message


def test_a_loop_gives_the_right_values_but_is_not_a_comprehension(checker):
    verdict = check(
        checker,
        "list-comprehension",
        """
        def double_odds(nums):
            result = []
            for n in nums:
                if n % 2 == 1:
                    result.append(2 * n)
            return result
        """,
    )
    assert [c.name for c in failed(verdict)] == ["written as a list comprehension"]


def test_dropping_negative_odd_numbers_is_named(checker):
    verdict = check(
        checker,
        "list-comprehension",
        "def double_odds(nums):\n    return [2 * n for n in nums if n % 2 == 1 and n > 0]\n",
    )
    wrong = failed(verdict)
    assert [c.name for c in wrong][0] == "double_odds([-3, -2, -1, 0, 7])"
    assert "-3 is odd" in wrong[0].message
    assert wrong[0].expected == "[-6, -2, 14]" and wrong[0].got == "[14]"


def test_a_lambda_comprehension_counts(checker):
    source = "double_odds = lambda nums: [2 * n for n in nums if n % 2]\n"
    assert check(checker, "list-comprehension", source).passed


DECOYS = {
    "decoy beside a loop": """
        def double_odds(nums):
            decoy = [n for n in []]
            out = []
            for n in nums:
                if n % 2 == 1:
                    out.append(2 * n)
            return out
        """,
    "loop fills the comprehension": """
        def double_odds(nums):
            out = [n for n in []]
            for n in nums:
                if n % 2 == 1:
                    out.append(2 * n)
            return out
        """,
    "extended afterwards": """
        def double_odds(nums):
            out = [n for n in []]
            out.extend(map(lambda n: 2 * n, filter(lambda n: n % 2 == 1, nums)))
            return out
        """,
    "added to afterwards": """
        def double_odds(nums):
            out = [n for n in []]
            out += list(map(lambda n: 2 * n, filter(lambda n: n % 2 == 1, nums)))
            return out
        """,
    "rebound": """
        def double_odds(nums):
            out = [n for n in []]
            out = list(map(lambda n: 2 * n, filter(lambda n: n % 2 == 1, nums)))
            return out
        """,
    "filled by slice": """
        def double_odds(nums):
            out = [n for n in []]
            out[:] = list(map(lambda n: 2 * n, filter(lambda n: n % 2 == 1, nums)))
            return out
        """,
}


@pytest.mark.parametrize("source", DECOYS.values(), ids=DECOYS.keys())
def test_a_decoy_comprehension_does_not_make_another_way_a_comprehension(checker, source):
    verdict = check(checker, "list-comprehension", source)
    assert [c.name for c in failed(verdict)] == ["written as a list comprehension"]


HONEST = {
    "helper variable": """
        def double_odds(nums):
            doubled = [2 * n for n in nums if n % 2 == 1]
            return doubled
        """,
    "early return": """
        def double_odds(nums):
            if not nums:
                return []
            return [2 * n for n in nums if n % 2 == 1]
        """,
    "helper function": """
        def double_odds(nums):
            def is_odd(n):
                for _ in range(1):
                    return n % 2 == 1
            result: list = [2 * n for n in nums if is_odd(n)]
            return result
        """,
}


@pytest.mark.parametrize("source", HONEST.values(), ids=HONEST.keys())
def test_honest_comprehensions_with_helpers_pass(checker, source):
    verdict = check(checker, "list-comprehension", source)
    assert verdict.passed, messages(verdict)


def test_floats_are_not_the_doubled_odd_ints(checker):
    verdict = check(
        checker,
        "list-comprehension",
        "def double_odds(nums):\n    return [2.0 * n for n in nums if n % 2 == 1]\n",
    )
    wrong = failed(verdict)
    assert wrong and wrong[0].name == "double_odds([1, 2, 3, 4, 5])"
    assert "a float 2 at [0], not an int" in wrong[0].message
    assert "2 * n, not 2.0 * n" in wrong[0].message


# ----------------------------------------------------------------------------- tensor-3x3


def test_the_seeds_arange_to_9_fails_to_reshape_with_the_end_exclusive_hint(checker):
    verdict = check(
        checker,
        "tensor-3x3",
        """\
        import torch
        t = torch.arange(1,9, step=1).reshape((3,3))
        doubled = t * 2
        bottom_right = doubled[:1][:1]
        """,
    )
    assert verdict.error.kind == "exception"
    assert verdict.error.line == 2
    assert "RuntimeError" in verdict.error.message
    assert "arange(1, 10)" in verdict.error.message
    assert "line 2" in verdict.error.detail and "quiz" not in verdict.error.detail


def test_the_seeds_rows_twice_slice_gets_its_hint(checker):
    verdict = check(
        checker,
        "tensor-3x3",
        """\
        import torch
        t = torch.arange(1, 10).view(3, 3)
        doubled = t * 2
        bottom_right = doubled[:1][:1]
        """,
    )
    (wrong,) = failed(verdict)
    assert wrong.name == "bottom_right"
    assert "rows twice" in wrong.message
    assert wrong.expected == "tensor([[10, 12], [16, 18]])"
    assert wrong.got == "tensor([[2, 4, 6]])"


def test_arange_without_reshape_gets_the_end_exclusive_hint(checker):
    source = "import torch\nt = torch.arange(1, 9)\ndoubled = t * 2\nbottom_right = doubled[-4:]\n"
    wrong = failed(check(checker, "tensor-3x3", source))
    assert "arange(1, 10)" in wrong[0].message


def test_numpy_arrays_count_as_well(checker):
    source = "import numpy as np\nt = np.arange(1, 10).reshape(3, 3)\ndoubled = 2 * t\nbottom_right = doubled[1:, 1:]\n"
    assert check(checker, "tensor-3x3", source).passed


def test_names_other_than_the_contracts_are_reported_missing(checker):
    source = "import torch\nthis_tensor = torch.arange(1, 10).view(3, 3)\nt = this_tensor\n"
    verdict = check(checker, "tensor-3x3", source)
    assert verdict.error.kind == "missing-name"
    assert "doubled or bottom_right" in verdict.error.message


# ----------------------------------------------------------------------------- zip-pairs


def test_the_seeds_push_loop_is_a_syntax_error_then_an_attribute_error(checker):
    seed = """\
    def pair_up(a, b):
        list = []
        for index in range(len(a)):
            list.push(a[index], b[index]
        return list
    """
    verdict = check(checker, "zip-pairs", seed)
    assert verdict.error.kind == "syntax" and verdict.error.line == 4
    assert "never closed" in verdict.error.message

    fixed = check(checker, "zip-pairs", seed.replace("b[index]\n", "b[index])\n"))
    wrong = failed(fixed)
    assert "raised AttributeError" in wrong[0].message and "line 4" in wrong[0].message
    assert "append" in wrong[0].message


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ("return zip(a, b)", "list(zip(a, b))"),
        ("return [[x, y] for x, y in zip(a, b)]", "should be a tuple"),
    ],
)
def test_zip_objects_and_lists_of_lists_get_their_hints(checker, body, hint):
    wrong = failed(check(checker, "zip-pairs", f"def pair_up(a, b):\n    {body}\n"))
    assert wrong and hint in wrong[0].message


def test_hard_coding_the_example_is_caught_by_hidden_inputs(checker):
    source = "def pair_up(a, b):\n    return [(1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')]\n"
    verdict = check(checker, "zip-pairs", source)
    assert verdict.checks[0].passed
    assert not verdict.passed and len(failed(verdict)) == 4


# ----------------------------------------------------------------------------- numbers and tensors


def test_rmse_without_the_square_root_and_as_a_float(checker):
    source = """\
    def rmse(a, b):
        return ((a - b) ** 2).mean()
    def l1(a, b):
        return (a - b).abs().mean().item()
    """
    verdict = check(checker, "rmse-l1", source)
    text = messages(verdict)
    assert "takes its square root" in text
    assert ".item()" in text
    assert not verdict.passed


def test_broadcasting_with_a_loop_or_row_means_fails(checker):
    loop = """\
    import torch
    def center_columns(m):
        return torch.stack([m[:, j] - m[:, j].mean() for j in range(m.shape[1])], dim=1)
    """
    assert [c.name for c in failed(check(checker, "broadcasting", loop))] == ["no Python loops"]
    rows = "def center_columns(m):\n    return m - m.mean(dim=1, keepdim=True)\n"
    assert "row means" in failed(check(checker, "broadcasting", rows))[0].message


def test_sigmoid_must_be_written_by_hand_and_stay_finite(checker):
    builtin = check(
        checker, "sigmoid", "import torch\ndef sigmoid(x):\n    return torch.sigmoid(x)\n"
    )
    (wrong,) = failed(builtin)
    assert "line 3 uses torch.sigmoid" in wrong.message

    overflowing = "import torch\ndef sigmoid(x):\n    return torch.exp(x) / (1 + torch.exp(x))\n"
    verdict = check(checker, "sigmoid", overflowing)
    assert any("nan" in c.message and "overflows" in c.message for c in failed(verdict))


def test_sigmoid_and_relu_send_a_plot_of_both_curves(checker):
    verdict = check(checker, "sigmoid", "import torch\ndef sigmoid(x):\n    return torch.tanh(x)\n")
    plot = verdict.plot
    assert plot["label"] == "sigmoid" and len(plot["x"]) == len(plot["expected"]) == 121
    assert plot["x"][0] == -6 and plot["x"][-1] == 6
    assert plot["expected"][60] == pytest.approx(0.5) and plot["got"][0] == pytest.approx(
        -1, abs=1e-3
    )
    json.dumps(verdict.to_dict(), allow_nan=False)

    relu = check(checker, "relu", "def relu(x):\n    return x.abs()\n")
    assert relu.plot["x"][0] == -2 and relu.plot["got"][0] == 2
    assert "absolute value" in failed(relu)[0].message


def test_relu_rejects_torchs_own(checker):
    verdict = check(
        checker, "relu", "import torch.nn.functional as F\ndef relu(x):\n    return F.relu(x)\n"
    )
    assert [c.name for c in failed(verdict)] == ["written by hand"]


SIGMOID_REACHED = {
    "getattr": "import torch\ndef sigmoid(x):\n    return getattr(torch, 'sig' + 'moid')(x)\n",
    "aten": "import torch\ndef sigmoid(x):\n    return getattr(torch.ops.aten, 'sig' + 'moid')(x)\n",
    "method": "def sigmoid(x):\n    return getattr(x, 'sig' + 'moid')()\n",
    "logsigmoid": "import torch.nn.functional as F\ndef sigmoid(x):\n    return F.logsigmoid(x).exp()\n",
}
RELU_REACHED = {
    "vars": "import torch.nn.functional as F\ndef relu(x):\n    return vars(F)['re' + 'lu'](x)\n",
    "module": "import torch\ndef relu(x):\n    return getattr(torch.nn, 'Re' + 'LU')()(x)\n",
    "threshold": "import torch.nn.functional as F\ndef relu(x):\n    return F.threshold(x, 0.0, 0.0)\n",
}


@pytest.mark.parametrize(
    ("question", "source"),
    [
        *(("sigmoid", s) for s in SIGMOID_REACHED.values()),
        *(("relu", s) for s in RELU_REACHED.values()),
    ],
    ids=[*SIGMOID_REACHED, *RELU_REACHED],
)
def test_torchs_own_function_fails_however_it_is_reached(checker, question, source):
    verdict = check(checker, question, source)
    assert [c.name for c in failed(verdict)] == ["written by hand"], messages(verdict)
    assert "ran torch's own" in failed(verdict)[0].message


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("relu", "import torch\ndef relu(x):\n    return torch.where(x > 0, x, 0.0)\n"),
        ("relu", "import torch\ndef relu(x):\n    return torch.maximum(x, torch.zeros_like(x))\n"),
        (
            "sigmoid",
            "import torch\ndef sigmoid(x):\n    return torch.exp(-torch.logaddexp(torch.zeros_like(x), -x))\n",
        ),
    ],
)
def test_hand_written_relu_and_sigmoid_pass(checker, question, source):
    verdict = check(checker, question, source)
    assert verdict.passed, messages(verdict)


@pytest.mark.parametrize(
    ("source", "hint"),
    [
        ("def sgd_step(params, lr):\n    for p in params:\n        p -= lr * p.grad\n", "no_grad"),
        (
            "import torch\ndef sgd_step(params, lr):\n    for p in params:\n        p = p - lr * p.grad\n",
            "only rebinds",
        ),
        (
            "import torch\ndef sgd_step(params, lr):\n    with torch.no_grad():\n"
            "        for p in params:\n            p -= lr * p.grad\n",
            "not zeroed",
        ),
    ],
    ids=["untracked", "rebinding", "grads-kept"],
)
def test_weight_update_mistakes(checker, source, hint):
    verdict = check(checker, "weight-update", source)
    assert not verdict.passed
    assert hint in messages(verdict)


def test_weight_update_via_data_and_none_grads_passes(checker):
    source = "def sgd_step(params, lr):\n    for p in params:\n        p.data -= lr * p.grad.data\n        p.grad = None\n"
    assert check(checker, "weight-update", source).passed


def test_view_that_copies_or_hard_codes_the_batch_fails(checker):
    copy = check(checker, "view", "def flatten_images(x):\n    return x.clone().view(-1, 784)\n")
    assert any("copy" in c.message for c in failed(copy))
    fixed = check(checker, "view", "def flatten_images(x):\n    return x.view(2, 784)\n")
    wrong = failed(fixed)[0]
    assert "(5, 28, 28)" in wrong.name and "-1" in wrong.message


def test_matmul_without_bias_and_in_the_wrong_order(checker):
    no_bias = check(
        checker, "matmul-operator", "def linear1(xb, weights, bias):\n    return xb @ weights\n"
    )
    assert "Add the bias" in failed(no_bias)[0].message
    swapped = check(checker, "matmul-operator", "def linear1(xb, w, b):\n    return w @ xb + b\n")
    assert "Order matters" in failed(swapped)[0].message


def test_backward_must_use_autograd(checker):
    by_hand = check(checker, "backward", "def square_sum_grad(x):\n    return 2 * x\n")
    assert [c.name for c in failed(by_hand)] == ["uses .backward()"]
    untracked = check(
        checker,
        "backward",
        "def square_sum_grad(x):\n    (x ** 2).sum().backward()\n    return x.grad\n",
    )
    assert "requires_grad_()" in failed(untracked)[0].message


# ----------------------------------------------------------------------------- training


LOOP = """\
def train_epoch(model, dl, opt, loss_func):
    for xb, yb in dl:
{body}
"""


def loop(*lines: str) -> str:
    return LOOP.format(body="\n".join("        " + line for line in lines))


def test_a_loop_that_never_zeroes_gradients_fails_though_its_loss_falls(checker):
    verdict = check(
        checker, "training-loop", loop("loss_func(model(xb), yb).backward()", "opt.step()")
    )
    by_name = {c.name: c for c in verdict.checks}
    gradients = by_name["each step uses its own mini-batch's gradient"]
    assert not gradients.passed
    assert "at step 2 of epoch 1" in gradients.message and "opt.zero_grad()" in gradients.message
    assert not verdict.passed


def test_zeroing_before_backward_is_as_right_as_after_the_step(checker):
    source = loop("opt.zero_grad()", "loss_func(model(xb), yb).backward()", "opt.step()")
    assert check(checker, "training-loop", source).passed


def test_zeroing_between_backward_and_step_fails(checker):
    source = loop("loss_func(model(xb), yb).backward()", "opt.zero_grad()", "opt.step()")
    text = messages(check(checker, "training-loop", source))
    assert "at step 1 of epoch 1 there were no gradients" in text
    assert "never between backward() and step()" in text


def test_skipping_a_batch_fails(checker):
    source = """\
    def train_epoch(model, dl, opt, loss_func):
        for xb, yb in list(dl)[:-1]:
            loss_func(model(xb), yb).backward()
            opt.step()
            opt.zero_grad()
    """
    by_name = {c.name: c for c in check(checker, "training-loop", source).checks}
    assert not by_name["every batch used once per epoch"].passed
    assert by_name["each step uses its own mini-batch's gradient"].passed


def test_pixel_similarity_averaging_over_everything(checker, mnist_dir):
    source = """\
    def mnist_distance(a, b):
        return (a - b).abs().mean()
    def is_3(x, mean3, mean7):
        return mnist_distance(x, mean3) < mnist_distance(x, mean7)
    """
    verdict = check(checker, "pixel-similarity", source)
    assert "pixel axes only" in failed(verdict)[0].message
    accuracy = verdict.checks[-1]
    assert accuracy.name == "accuracy on real 3s and 7s" and not accuracy.passed


def test_pixel_similarity_reversed_scores_below_the_bar(checker, mnist_dir):
    source = """\
    def mnist_distance(a, b):
        return (a - b).abs().mean((-1, -2))
    def is_3(x, mean3, mean7):
        return mnist_distance(x, mean3) > mnist_distance(x, mean7)
    """
    accuracy = check(checker, "pixel-similarity", source).checks[-1]
    assert not accuracy.passed and "of the 2,038 test 3s and 7s" in accuracy.message


def test_an_untrained_full_mnist_model_fails_with_its_accuracy(checker, mnist_dir):
    source = (
        "from torch import nn\ndef train_mnist(x_train, y_train):\n    return nn.Linear(784, 10)\n"
    )
    (result,) = check(checker, "full-mnist", source).checks
    assert not result.passed and "needs 90.0%" in result.message


def test_a_learner_that_returns_no_history(checker, mnist_dir):
    solution = (REPO_ROOT / "solutions" / "learner_from_scratch.py").read_text()
    source = solution.replace("        return history\n", "")
    verdict = check(checker, "learner-from-scratch", source)
    trained, history = verdict.checks
    assert trained.passed and "validation" in trained.message and "%" in trained.message
    assert not history.passed and "list of 5 metrics" in history.message


# ----------------------------------------------------------------------------- hostile code


@pytest.fixture
def same_worker(checker):
    """The worker survives whatever the test runs and serves the next check."""
    checker.start()
    check(checker, "zip-pairs", "def pair_up(a, b):\n    return list(zip(a, b))\n")
    pid = checker.worker_pid
    yield
    assert check(checker, "zip-pairs", "def pair_up(a, b):\n    return list(zip(a, b))\n").passed
    assert checker.worker_pid == pid


@pytest.mark.usefixtures("same_worker")
@pytest.mark.parametrize(
    "source",
    ["while True:\n    pass\n", "import time\ntime.sleep(600)\n"],
    ids=["busy", "sleeping"],
)
def test_an_endless_loop_times_out(checker, source):
    verdict = checker.check("zip-pairs", source, time_limit=1)
    assert not verdict.passed and verdict.checks == []
    assert verdict.error.kind == "timeout"
    assert "still running after 1 s" in verdict.error.message


@pytest.mark.usefixtures("same_worker")
def test_a_timeout_names_the_call_that_hung(checker):
    verdict = checker.check(
        "list-comprehension", "def double_odds(nums):\n    while True: pass\n", time_limit=1
    )
    assert "(in double_odds([1, 2, 3, 4, 5]))" in verdict.error.message


@pytest.mark.usefixtures("same_worker")
def test_an_output_flood_is_capped_and_stopped(checker):
    verdict = checker.check("zip-pairs", "while True:\n    print('spam' * 100)\n", time_limit=5)
    assert verdict.error.kind == "output-limit"
    assert len(verdict.output) < 66 * 1024
    assert verdict.output.startswith("spam") and "output truncated" in verdict.output


@pytest.mark.usefixtures("same_worker")
def test_a_long_print_is_truncated_with_a_note_and_the_answer_still_passes(checker):
    source = "print('x' * 200_000)\ndef pair_up(a, b):\n    return list(zip(a, b))\n"
    verdict = check(checker, "zip-pairs", source)
    assert verdict.passed
    assert "output truncated: your code printed 195 KB" in verdict.output


@pytest.mark.usefixtures("same_worker")
@pytest.mark.parametrize(
    "allocation",
    [
        "import torch\nbig = torch.empty(64 * 2**30, dtype=torch.uint8)\n",
        "big = bytearray(64 * 2**30)\n",
    ],
    ids=["tensor", "bytes"],
)
def test_a_64_gb_allocation_is_a_memory_error(checker, allocation):
    verdict = checker.check("zip-pairs", allocation)
    assert verdict.error.kind == "memory"
    assert "out of memory" in verdict.error.message and verdict.error.line == (
        2 if "torch" in allocation else 1
    )


@pytest.mark.usefixtures("same_worker")
@pytest.mark.parametrize(
    "ending",
    ["import sys\nsys.exit(0)\n", "import os\nos._exit(0)\n", "raise SystemExit\n"],
    ids=["sys.exit", "os._exit", "SystemExit"],
)
def test_printing_pass_and_exiting_is_not_a_pass(checker, ending):
    verdict = check(checker, "zip-pairs", "print('PASS')\n" + ending)
    assert not verdict.passed
    assert verdict.error.kind == "exited"
    assert (
        "exited" in verdict.error.message and "before producing a result" in verdict.error.message
    )
    assert "PASS" in verdict.output


@pytest.mark.usefixtures("same_worker")
def test_exiting_inside_a_call_is_reported_too(checker):
    verdict = check(checker, "zip-pairs", "import sys\ndef pair_up(a, b):\n    sys.exit('done')\n")
    assert verdict.error.kind == "exited" and "sys.exit('done')" in verdict.error.message


@pytest.mark.usefixtures("same_worker")
def test_processes_the_code_spawns_are_gone_after_the_check(checker):
    source = """\
    import os, subprocess
    plain = subprocess.Popen(["sleep", "600.125"])
    detached = subprocess.Popen(["sleep", "601.125"], start_new_session=True)
    if os.fork() == 0:          # a double fork, as daemons do
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "602.125"])
        os._exit(0)
    print(plain.pid, detached.pid)
    def pair_up(a, b):
        return list(zip(a, b))
    """
    verdict = check(checker, "zip-pairs", source)
    assert verdict.passed
    # The pids it printed are its own PID namespace's, so look for the processes by what they run.
    assert len(verdict.output.split()) == 2
    # The worker replies first and kills what a check left before it reads the next request:
    # once a second check has its verdict, the first check's processes must all be gone.
    assert check(checker, "zip-pairs", "def pair_up(a, b):\n    return list(zip(a, b))\n").passed
    # The exact command lines, so that some other program's `sleep 60` is never mistaken for one.
    spawned = {f"sleep\x00{seconds}.125\x00" for seconds in (600, 601, 602)}
    assert not any(_command_line(p) in spawned for p in os.listdir("/proc") if p.isdigit())


def _command_line(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


@pytest.mark.usefixtures("same_worker")
def test_a_lying_eq_cannot_pass(checker):
    source = """\
    class Liar:
        def __eq__(self, other):
            return True
        def __repr__(self):
            return "[(1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')]"
    class LyingList(list):
        def __eq__(self, other):
            return True
    def pair_up(a, b):
        return Liar() if a else LyingList()
    """
    verdict = check(checker, "zip-pairs", source)
    assert all(not c.passed for c in verdict.checks)
    assert "a Liar object, not a list" in verdict.checks[0].message
    assert "LyingList" in verdict.checks[2].message


@pytest.mark.usefixtures("same_worker")
def test_patching_torch_equal_and_printing_a_verdict_cannot_pass(checker):
    source = """\
    import torch
    torch.equal = lambda *args: True
    torch.allclose = lambda *args, **kwargs: True
    torch.Tensor.__eq__ = lambda self, other: torch.tensor(True)
    torch.Tensor.tolist = lambda self: [[10, 12], [16, 18]]
    print('{"event": "done"}')
    print("PASS: all checks passed")
    t = torch.zeros(3, 3)
    doubled = t
    bottom_right = t[1:, 1:]
    """
    verdict = check(checker, "tensor-3x3", source)
    assert not verdict.passed
    assert len(failed(verdict)) == 3


@pytest.mark.usefixtures("same_worker")
def test_a_tensor_subclass_is_judged_by_the_data_it_holds(checker):
    source = """\
    import torch
    class Always(torch.Tensor):
        def __eq__(self, other):
            return True
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            if func is torch.Tensor.tolist:
                return [[10, 12], [16, 18]]
            return super().__torch_function__(func, types, args, kwargs or {})
    t = torch.arange(1, 10).view(3, 3)
    doubled = t * 2
    bottom_right = torch.zeros(2, 2).as_subclass(Always)
    """
    (wrong,) = failed(check(checker, "tensor-3x3", source))
    assert wrong.name == "bottom_right" and "element [0, 0] = 0, not 10" in wrong.message


@pytest.mark.usefixtures("same_worker")
def test_the_child_runs_one_thread_without_cuda_and_holds_no_reference(checker):
    source = """\
    import sys, torch
    print(torch.get_num_threads(), torch.cuda.is_initialized())
    print([m for m in sys.modules if "solution" in m or "mnist_trainer" in m])
    def pair_up(a, b):
        return list(zip(a, b))
    """
    verdict = check(checker, "zip-pairs", source)
    assert verdict.output.split("\n")[:2] == ["1 False", "[]"]


def test_a_dead_worker_is_replaced_transparently(checker):
    check(checker, "zip-pairs", "def pair_up(a, b):\n    return list(zip(a, b))\n")
    old = checker.worker_pid
    os.kill(old, 9)
    deadline = time.monotonic() + 5
    while Path(f"/proc/{old}").exists() and _state(old) != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert check(checker, "zip-pairs", "def pair_up(a, b):\n    return list(zip(a, b))\n").passed
    assert checker.worker_pid != old


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return ""


def test_checks_from_several_threads_are_served_one_at_a_time(checker):
    verdicts = {}

    def run(name: str, source: str) -> None:
        verdicts[name] = check(checker, "zip-pairs", source)

    threads = [
        threading.Thread(
            target=run, args=("right", "def pair_up(a, b):\n    return list(zip(a, b))\n")
        ),
        threading.Thread(target=run, args=("wrong", "def pair_up(a, b):\n    return zip(a, b)\n")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert verdicts["right"].passed and not verdicts["wrong"].passed


def test_unknown_and_recall_questions_are_quiz_errors(checker):
    from quiz.errors import QuizError

    with pytest.raises(QuizError, match="no question 'nope'"):
        checker.check("nope", "")
    with pytest.raises(QuizError, match="recall question"):
        checker.check("grayscale-image", "")


PIXEL_ANSWERS = {
    "right": (REPO_ROOT / "solutions" / "pixel_similarity.py").read_text(),
    "fails on real digits": """
        def mnist_distance(a, b):
            return (a - b).abs().mean((-1, -2))

        def is_3(x, mean3, mean7):
            if len(x) > 100:
                raise ValueError("too many")
            return mnist_distance(x, mean3) < mnist_distance(x, mean7)
        """,
    "fails at once": """
        def mnist_distance(a, b):
            raise ValueError("not yet")

        def is_3(x, mean3, mean7):
            raise ValueError("not yet")
        """,
}


def test_pixel_similarity_counts_the_same_checks_whatever_the_answer_did(checker, mnist_dir):
    counts = {
        name: len(check(checker, "pixel-similarity", source).checks)
        for name, source in PIXEL_ANSWERS.items()
    }
    assert len(set(counts.values())) == 1, counts


WEIGHT_ANSWERS = {
    "right": (REPO_ROOT / "solutions" / "weight_update.py").read_text(),
    "raises": "def sgd_step(params, lr):\n    raise ValueError('not yet')\n",
    "rebinds": "def sgd_step(params, lr):\n    for p in params:\n        p = p - lr * p.grad\n",
}


def test_weight_update_counts_the_same_checks_whatever_the_answer_did(checker):
    counts = {
        name: len(check(checker, "weight-update", source).checks)
        for name, source in WEIGHT_ANSWERS.items()
    }
    assert len(set(counts.values())) == 1, counts
