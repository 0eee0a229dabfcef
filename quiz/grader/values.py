"""Plain values from the child, decoded and compared in the parent (no torch, no numpy here).

The child encodes tensors as {"$tensor": {dtype, shape, values}}, tuples as {"$tuple": [...]},
and anything it will not read as {"$object": type name}. `difference` compares a decoded value
with the reference's and says, in words, the first way they differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RTOL = 1e-4
ATOL = 1e-5


@dataclass(frozen=True)
class Array:
    """A torch tensor or NumPy array as data: flat row-major values (None if not carried)."""

    library: str  # "torch" or "numpy"
    dtype: str
    shape: tuple[int, ...]
    values: tuple | None
    subclass: str | None = None

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def dtype_kind(self) -> str:
        if self.dtype == "bool":
            return "bool"
        if "float" in self.dtype or self.dtype == "half":
            return "float"
        if "complex" in self.dtype:
            return "complex"
        return "int"

    def item(self, flat_index: int):
        return self.values[flat_index]

    def rows(self) -> list:
        """The values nested by shape, as Python lists."""
        return _nest(list(self.values or ()), self.shape)


@dataclass(frozen=True)
class Opaque:
    """Something the child would not turn into data, known only by its type name."""

    type_name: str
    note: str = ""


class Garbled(ValueError):
    """A value the child's encoder could not have written: the line it came in is not judged."""


MAX_DECODE_DEPTH = 64  # the encoder nests at most encoding.MAX_DEPTH levels, plus its tags
_INT_BOUND = 2**63  # the encoder sends larger ints as {"$object": "int"}


def decode(value, depth: int = 0):
    """The parent's form of one value the child encoded; Garbled if it could not be one."""
    if depth > MAX_DECODE_DEPTH:
        raise Garbled("nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is float or kind is str:
        return value
    if kind is int:
        if abs(value) >= _INT_BOUND:
            raise Garbled("an integer too large for the encoder to have sent")
        return value
    if kind is list:
        return [decode(item, depth + 1) for item in value]
    if kind is not dict or len(value) == 0:
        raise Garbled(f"a {kind.__name__} where a value should be")
    if "$tuple" in value:
        return tuple(decode(item, depth + 1) for item in _field(value, "$tuple", list))
    if "$dict" in value:
        pairs = []
        for pair in _field(value, "$dict", list):
            if type(pair) is not list or len(pair) != 2:
                raise Garbled("a dict entry that is not a key and a value")
            pairs.append((decode(pair[0], depth + 1), decode(pair[1], depth + 1)))
        try:
            return dict(pairs)
        except TypeError:
            return Opaque("dict", "with keys that cannot be compared")
    for tag, library in (("$tensor", "torch"), ("$ndarray", "numpy")):
        if tag in value:
            return _array(_field(value, tag, dict), library)
    if "$object" in value:
        return Opaque(_field(value, "$object", str), _field(value, "note", str, ""))
    raise Garbled("a dict with no tag the encoder writes")


def _array(body: dict, library: str) -> Array:
    shape = _field(body, "shape", list)
    if any(type(n) is not int or not 0 <= n < _INT_BOUND for n in shape):
        raise Garbled("a shape that is not a list of sizes")
    values = _field(body, "values", list, None)
    if values is not None:
        if len(values) != math.prod(shape):
            raise Garbled(f"{len(values)} values for shape {shape_text(shape)}")
        for x in values:
            if type(x) is int and abs(x) >= 2 * _INT_BOUND:  # uint64 arrays reach 2**64 - 1
                raise Garbled("an element too large for the encoder to have sent")
            if type(x) not in (int, float, bool):
                raise Garbled("an element that is not a number")
    return Array(
        library=library,
        dtype=_field(body, "dtype", str),
        shape=tuple(shape),
        values=tuple(values) if values is not None else None,
        subclass=_field(body, "subclass", str, None),
    )


_REQUIRED = object()


def _field(data: dict, name: str, kind: type, default=_REQUIRED):
    """data[name], which must be exactly of kind (or absent or None, where a default is given)."""
    if name not in data or (data[name] is None and default is not _REQUIRED):
        if default is _REQUIRED:
            raise Garbled(f"no {name!r}")
        return default
    found = data[name]
    if type(found) is not kind:
        raise Garbled(f"{name!r} is a {type(found).__name__}, not a {kind.__name__}")
    return found


def kind_of(value) -> str:
    """A phrase naming what value is: 'a list', 'a torch tensor', 'a zip object'…"""
    if value is None:
        return "None"
    if isinstance(value, Array):
        what = "a tensor" if value.library == "torch" else "a NumPy array"
        return f"{what} of shape {shape_text(value.shape)}"
    if isinstance(value, Opaque):
        name = value.type_name
        what = f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name} object"
        return f"{what} ({value.note})" if value.note else what
    names = {
        bool: "a bool",
        int: "an int",
        float: "a float",
        str: "a string",
        list: "a list",
        tuple: "a tuple",
        dict: "a dict",
    }
    return names.get(type(value), "a value")


def shape_text(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def number_text(x) -> str:
    if isinstance(x, bool) or x is None:
        return str(x)
    if isinstance(x, float):
        return format(x, ".4g") if math.isfinite(x) else str(x)
    return str(x)


def show(value, limit: int = 160) -> str:
    """Readable text for a value, summarised by shape and dtype when it is large."""
    text = _show(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value) -> str:
    if isinstance(value, Array):
        if value.values is None or value.size > 24:
            return f"{kind_of(value)}, {value.dtype}"
        name = "tensor" if value.library == "torch" else "array"
        body = _nested_text(value.rows()) if value.shape else number_text(value.values[0])
        return f"{name}({body})"
    if isinstance(value, Opaque):
        return f"<{value.type_name} object>" + (f" ({value.note})" if value.note else "")
    if isinstance(value, list):
        if len(value) > 12:
            head = ", ".join(_show(v) for v in value[:5])
            return f"[{head}, … {len(value)} items]"
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_show(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_show(k)}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return number_text(value)
    return repr(value)


def _nested_text(rows) -> str:
    if isinstance(rows, list):
        return "[" + ", ".join(_nested_text(r) for r in rows) + "]"
    return number_text(rows)


def _nest(flat: list, shape: tuple[int, ...]):
    if not shape:
        return flat[0] if flat else None
    if len(shape) == 1:
        return flat
    step = math.prod(shape[1:])
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def index_text(flat_index: int, shape: tuple[int, ...]) -> str:
    index = []
    for size in reversed(shape):
        index.append(flat_index % size if size else 0)
        flat_index //= size if size else 1
    return "[" + ", ".join(str(i) for i in reversed(index)) + "]"


def close(expected, got, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Numbers equal within tolerance; nan matches only nan."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected == got
    if isinstance(expected, float) or isinstance(got, float):
        if expected is None or got is None:
            return False
        if math.isnan(expected) or math.isnan(got):
            return math.isnan(expected) and math.isnan(got)
        if math.isinf(expected) or math.isinf(got):
            return expected == got
        return abs(expected - got) <= atol + rtol * abs(expected)
    return expected == got


def difference(
    expected, got, *, rtol: float = RTOL, atol: float = ATOL, dtype: bool = False, where: str = ""
) -> str | None:
    """None if got matches expected, else the first difference in words.

    Tensors and NumPy arrays count as the same kind of thing; `dtype=True` also requires the
    same kind of element (bool, int or float), and an int where the reference has an int."""
    at = f" at {where}" if where else ""
    if isinstance(expected, Array):
        if not isinstance(got, Array):
            return f"{kind_of(got)}{at}, not {kind_of(expected)}"
        if got.shape != expected.shape:
            return f"shape {shape_text(got.shape)}{at}, not {shape_text(expected.shape)}"
        if dtype and got.dtype_kind != expected.dtype_kind:
            return f"dtype {got.dtype}{at}, not {expected.dtype_kind} ({expected.dtype})"
        if got.values is None:
            return f"{kind_of(got)}{at} that is too large or of a dtype ({got.dtype}) to compare"
        for i, (e, g) in enumerate(zip(expected.values, got.values, strict=True)):
            if not close(e, g, rtol, atol):
                element = f"element {index_text(i, got.shape)}" if got.shape else "the value"
                return f"{element}{at} = {number_text(g)}, not {number_text(e)}"
        return None
    if isinstance(expected, Opaque):
        return None if got == expected else f"{kind_of(got)}{at}, not {kind_of(expected)}"
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if type(got) is type(expected) and got == expected:
            return None
        if type(got) is not type(expected):
            return f"{kind_of(got)}{at}, not {kind_of(expected)}"
        return f"{show(got, 60)}{at}, not {show(expected, 60)}"
    if isinstance(expected, int | float):
        if isinstance(got, bool) or not isinstance(got, int | float):
            return f"{kind_of(got)}{at}, not a number"
        if dtype and isinstance(expected, int) and not isinstance(got, int):
            return f"{kind_of(got)} {number_text(got)}{at}, not an int"
        return (
            None
            if close(expected, got, rtol, atol)
            else (f"{number_text(got)}{at}, not {number_text(expected)}")
        )
    if isinstance(expected, list | tuple):
        if type(got) is not type(expected):
            return f"{kind_of(got)}{at}, not {kind_of(expected)}"
        if len(got) != len(expected):
            return f"{len(got)} items{at}, not {len(expected)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            found = difference(e, g, rtol=rtol, atol=atol, dtype=dtype, where=f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{kind_of(got)}{at}, not a dict"
        if set(got) != set(expected):
            return f"keys {sorted(map(str, got))}{at}, not {sorted(map(str, expected))}"
        for key in expected:
            found = difference(
                expected[key],
                got[key],
                rtol=rtol,
                atol=atol,
                dtype=dtype,
                where=f"{where}[{key!r}]",
            )
            if found:
                return found
        return None
    return None if got == expected else f"{show(got, 60)}{at}, not {show(expected, 60)}"


def as_number(value) -> float | None:
    """value as a float if it is one number: an int, a float, or a one-element tensor/array."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Array) and value.values is not None and value.size == 1:
        return float(value.values[0])
    return None


def as_floats(value) -> list[float] | None:
    """The flat values of a numeric Array as floats, else None."""
    if isinstance(value, Array) and value.values is not None:
        return [float(x) for x in value.values]
    return None


def finite_or_none(values: list | None) -> list | None:
    """Floats fit for strict JSON: nan and infinities become None."""
    if values is None:
        return None
    return [x if isinstance(x, int | float) and math.isfinite(x) else None for x in values]
