"""The plain-value bridge: the child's encoder (hostile objects included) and the parent's comparison."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from quiz.grader.encoding import encode
from quiz.grader.values import Array, Opaque, decode, difference, show


def round_trip(value):
    return decode(json.loads(json.dumps(encode(value))))


def test_plain_values_keep_their_exact_types():
    value = round_trip([1, 2.5, "x", None, True, (1, "a"), {"k": [3]}])
    assert value == [1, 2.5, "x", None, True, (1, "a"), {"k": [3]}]
    assert type(value[5]) is tuple


def test_tensors_and_arrays_travel_as_dtype_shape_and_values():
    tensor = round_trip(torch.tensor([[1.5, 2.0], [3.0, 4.0]], requires_grad=True))
    assert tensor == Array("torch", "float32", (2, 2), (1.5, 2.0, 3.0, 4.0))
    array = round_trip(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert array.library == "numpy" and array.shape == (2, 3) and array.values == tuple(range(6))
    assert round_trip(np.float64(0.25)) == Array("numpy", "float64", (), (0.25,))


def test_lookalikes_of_builtin_types_are_opaque():
    class LyingList(list):
        def __eq__(self, other):
            return True

    class LyingInt(int):
        def __eq__(self, other):
            return True

    assert round_trip(LyingList([1])).type_name.endswith(".LyingList")
    assert round_trip(LyingInt(3)).type_name.endswith(".LyingInt")
    assert round_trip(zip([1], [2], strict=True)) == Opaque("zip")


def test_a_tensor_subclass_is_read_for_its_real_data():
    class Liar(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            if func in (torch.Tensor.tolist, torch.Tensor.reshape):
                return torch.tensor([9.0, 9.0])
            return super().__torch_function__(func, types, args, kwargs or {})

    value = round_trip(torch.tensor([1.0, 2.0]).as_subclass(Liar))
    assert value.values == (1.0, 2.0) and value.subclass.endswith(".Liar")


def test_a_huge_tensor_travels_without_its_values():
    value = round_trip(torch.zeros(1000, 1000))
    assert value.shape == (1000, 1000) and value.values is None
    assert "too large" in difference(Array("torch", "float32", (1000, 1000), (0.0,) * 10**6), value)


@pytest.mark.parametrize(
    ("expected", "got", "words"),
    [
        ([-6, -2, 14], [14], "1 items, not 3"),
        ([(1, "a")], [[1, "a"]], "a list at [0], not a tuple"),
        ([(1, "a")], Opaque("zip"), "a zip object, not a list"),
        (
            Array("torch", "int64", (2, 2), (10, 12, 16, 18)),
            Array("torch", "int64", (1, 3), (2, 4, 6)),
            "shape (1, 3), not (2, 2)",
        ),
        (
            Array("torch", "float32", (2,), (0.5, 1.0)),
            Array("torch", "float32", (2,), (0.5, float("nan"))),
            "element [1] = nan, not 1",
        ),
        (Array("torch", "float32", (), (2.0,)), 2.0, "a float, not a tensor of shape ()"),
        (
            Array("torch", "bool", (2,), (True, False)),
            Array("torch", "float32", (2,), (1.0, 0.0)),
            None,
        ),
    ],
)
def test_difference_names_the_first_difference(expected, got, words):
    assert difference(expected, got) == words


def test_bool_dtype_can_be_required_and_tolerances_apply():
    expected = Array("torch", "bool", (2,), (True, False))
    assert "dtype float32" in difference(
        expected, Array("torch", "float32", (2,), (1.0, 0.0)), dtype=True
    )
    near = Array("torch", "float32", (1,), (1.0 + 1e-7,))
    assert difference(Array("numpy", "float64", (1,), (1.0,)), near) is None


def test_show_summarises_big_values():
    assert show(Array("torch", "int64", (2, 2), (10, 12, 16, 18))) == "tensor([[10, 12], [16, 18]])"
    assert (
        show(Array("torch", "float32", (60, 784), None)) == "a tensor of shape (60, 784), float32"
    )
    assert show(list(range(100))).endswith("… 100 items]")


def test_the_parent_side_imports_neither_torch_nor_numpy():
    """The TUI's process checks code without ever loading torch: only the worker does."""
    code = (
        "import sys\n"
        "import quiz.grader.command\n"
        "from quiz.bank import load_bank\n"
        "from quiz.grader import Checker\n"
        "from quiz.grader.question_checks import checks_for\n"
        "for question in load_bank():\n"
        "    if question.is_code:\n"
        "        checks_for(question)\n"
        "with Checker() as checker:\n"
        "    verdict = checker.check('sigmoid', 'def sigmoid(x):\\n    return x\\n')\n"
        "print(verdict.plot['label'], sorted(m for m in ('torch', 'numpy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "sigmoid []", result.stderr
