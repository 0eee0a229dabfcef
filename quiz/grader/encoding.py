"""Turn whatever the learner's code returned into plain JSON values (child side).

Only exact built-in types pass through; tensors and arrays become
{"$tensor"|"$ndarray": {dtype, shape, values}} read from their raw data; anything else becomes
{"$object": type name}. No method of the learner's objects is called to judge them: a subclass
with a lying `__eq__`, `tolist` or `__torch_function__` is read as the data it really holds.
The functions used here are bound at import, in the worker, before any learner code runs, so
monkeypatching torch or json afterwards changes nothing.
"""

from __future__ import annotations

import json

import numpy as np
import torch

from quiz.grader.text import printable

MAX_ELEMENTS = 100_000  # per tensor or array; larger ones travel as shape and dtype only
MAX_ITEMS = 200_000  # items of lists, tuples and dicts in one value, all levels together
MAX_DEPTH = 24
MAX_STRING = 10_000

_Tensor = torch.Tensor
_Parameter = torch.nn.Parameter
_as_subclass = torch.Tensor.as_subclass
_detach = torch.Tensor.detach
_reshape = torch.Tensor.reshape
_to = torch.Tensor.to
_tolist = torch.Tensor.tolist
_numel = torch.Tensor.numel
_is_complex = torch.Tensor.is_complex
_is_floating_point = torch.Tensor.is_floating_point
_to_dense = torch.Tensor.to_dense
_contiguous = torch.Tensor.contiguous
_dispatch_keys = torch._C._dispatch_keys
_PYTHON_KEY = torch._C.DispatchKey.Python
_no_torch_function = torch._C.DisableTorchFunctionSubclass
_ndarray = np.ndarray
_np_generic = np.generic
_np_view = np.ndarray.view
_np_ravel = np.ndarray.ravel
_np_tolist = np.ndarray.tolist
_np_asarray = np.asarray
_json = json.JSONEncoder(ensure_ascii=False, allow_nan=True, separators=(",", ":")).encode
_type_name_of = type.__dict__["__name__"].__get__
_module_of = type.__dict__["__module__"].__get__


class TooBig(Exception):
    """The value holds more items than the grader will carry."""


def to_json(value) -> str:
    """Encode a plain message (already made of built-in types) as one JSON text."""
    return _json(value)


def type_name(value) -> str:
    """The name of value's class, read without calling anything the class defines."""
    cls = type(value)
    try:
        name = _type_name_of(cls)
        module = _module_of(cls)
    except Exception:
        return "object"
    if type(name) is not str:
        return "object"
    if type(module) is str and module not in ("builtins", "__main__", "answer"):
        name = f"{module}.{name}"
    return printable(name[:MAX_STRING])  # a class may be named to move a terminal's cursor


def plain_tensor(value) -> torch.Tensor | None:
    """value as an ordinary detached CPU tensor, or None if it is not tensor data we can read.

    Subclasses are stripped to the base class with their __torch_function__ disabled;
    tensors whose every operation is routed through Python (__torch_dispatch__ wrappers)
    hold no data of their own and are refused."""
    if not isinstance(value, _Tensor):
        return None
    with _no_torch_function():
        try:
            if type(value) is not _Tensor and type(value) is not _Parameter:
                if _dispatch_keys(value).has(_PYTHON_KEY):
                    return None
            tensor = _detach(_as_subclass(value, _Tensor))
            if tensor.layout != torch.strided:
                tensor = _to_dense(tensor)
            if tensor.device.type != "cpu":
                tensor = _to(tensor, "cpu")
            return tensor
        except Exception:
            return None


def encode(value) -> object:
    """The JSON-ready form of value; raises TooBig past MAX_ITEMS."""
    return _Encoder().encode(value, 0)


class _Encoder:
    def __init__(self) -> None:
        self.items = 0

    def count(self, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise TooBig(f"more than {MAX_ITEMS:,} items")

    def encode(self, value, depth: int) -> object:
        kind = type(value)
        if value is None or kind is bool or kind is float:
            return value
        if kind is int:
            return value if abs(value) < 2**63 else {"$object": "int", "note": "a huge integer"}
        if kind is str:
            return value if len(value) <= MAX_STRING else value[:MAX_STRING] + "…"
        if depth >= MAX_DEPTH:
            return {"$object": type_name(value), "note": "nested too deeply"}
        if kind is list or kind is tuple:
            self.count(len(value))
            items = [self.encode(item, depth + 1) for item in value]
            return items if kind is list else {"$tuple": items}
        if kind is dict:
            self.count(len(value))
            pairs = [
                [self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()
            ]
            return {"$dict": pairs}
        if isinstance(value, _Tensor):
            return self.tensor(value)
        if isinstance(value, _ndarray | _np_generic):
            return self.array(value)
        return {"$object": type_name(value)}

    def tensor(self, value) -> dict:
        tensor = plain_tensor(value)
        if tensor is None:
            return {"$object": type_name(value), "note": "a tensor without readable data"}
        body = {"dtype": str(tensor.dtype).removeprefix("torch."), "shape": list(tensor.shape)}
        if type(value) is not _Tensor and type(value) is not _Parameter:
            body["subclass"] = type_name(value)
        size = _numel(tensor)
        if size > MAX_ELEMENTS or _is_complex(tensor) or tensor.is_quantized:
            body["values"] = None
        else:
            self.count(size)
            flat = _reshape(_contiguous(tensor), (-1,))
            if _is_floating_point(flat) and flat.dtype not in (torch.float32, torch.float64):
                flat = _to(flat, torch.float32)
            body["values"] = _tolist(flat)
        return {"$tensor": body}

    def array(self, value) -> dict:
        try:
            array = _np_asarray(value) if isinstance(value, _np_generic) else value
            array = _np_view(array, _ndarray)
        except Exception:
            return {"$object": type_name(value), "note": "an array without readable data"}
        body = {"dtype": str(array.dtype), "shape": list(array.shape)}
        if array.size > MAX_ELEMENTS or array.dtype.kind not in "biuf":
            body["values"] = None
        else:
            self.count(int(array.size))
            body["values"] = _np_tolist(_np_ravel(array))
            if array.dtype.kind == "f":
                body["values"] = [float(x) for x in body["values"]]
        return {"$ndarray": body}
