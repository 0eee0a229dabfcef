"""The API a bank's checks are written against: the one module of quiz a checks file imports.

A checks file (`checks: checks/<id>.py` in a bank) defines two functions:

- `probe(p: Probe) -> None` runs in the sandboxed child, after the answer's code has run. It
  calls the answer's functions through `p.call`, which records what each call returned (or
  raised) under a key. Import torch inside the function: the parent never loads it.
- `judge(run: Run, reference: Run) -> list[CheckResult]` runs in quiz's own process. It gets the
  answer's observations and the reference solution's, made by the same probe, and says what
  passed. `same_as_reference` covers most questions; a `CheckResult` can say anything else.

Optional module-level names: `NEEDS_REFERENCE = False` (the probe's facts suffice; the reference
is then not run), `MEMORY_BUDGET` (bytes a check may use beyond the worker's own, default 2 GiB),
`explain(error, source) -> str | None` (advice on an error that ended the run), and
`plot(run, reference) -> dict` (a curve for the TUI: see `curve_plot`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from quiz.grader.judging import (
    compare,
    definition,
    forbidden_check,
    loops,
    not_reached,
    parse,
    percent,
    raised,
    same_as_reference,
    uses_of,
)
from quiz.grader.limits import GIB
from quiz.grader.outcome import Observation, Run
from quiz.grader.values import (
    ATOL,
    RTOL,
    Array,
    Opaque,
    as_floats,
    as_number,
    close,
    finite_or_none,
    number_text,
    show,
)
from quiz.grader.verdict import CheckResult, GraderError

__all__ = [
    "ATOL",
    "GIB",
    "RTOL",
    "Array",
    "CallFailed",
    "CheckResult",
    "GraderError",
    "Observation",
    "Opaque",
    "Probe",
    "Run",
    "as_floats",
    "as_number",
    "as_tensor",
    "close",
    "compare",
    "curve_plot",
    "definition",
    "finite_or_none",
    "forbidden_check",
    "loops",
    "not_reached",
    "number_text",
    "parse",
    "percent",
    "raised",
    "same_as_reference",
    "show",
    "uses_of",
]


class CallFailed(Exception):
    """Raised by `Probe.call` once the answer's call raised and the failure is recorded: a probe
    catches it to go on with independent calls, or lets it end the probe."""


class Probe(Protocol):
    """The answer's module as a probe sees it, and the recorder of what it does."""

    namespace: dict[str, Any]
    mnist_dir: str

    def value(self, name: str) -> Any:
        """The answer's top-level name (a contract name is always defined)."""

    def function(self, name: str) -> Callable[..., Any]:
        """The answer's function `name`; a clear verdict if the answer made it something else."""

    def call(
        self,
        key: str,
        fn: Callable[..., Any],
        *args: Any,
        label: str | None = None,
        record: bool = True,
        mistakes: dict[str, Any] | None = None,
        watch: frozenset[str] = frozenset(),
        **kwargs: Any,
    ) -> Any:
        """Call fn and record its outcome under key; return what it returned.

        `mistakes` maps a known mistake's name to the value it would give, so `judge` can name
        it (`same_as_reference(..., mistakes={name: advice})`). `watch` names torch operators,
        as aten names them (`"sigmoid"`), to note if the call ran them however it reached them.
        Raises CallFailed, after recording, if fn raised."""

    def call_each(
        self, name: str, fn: Callable[..., Any], cases: Iterable[tuple[Any, ...]], **options: Any
    ) -> None:
        """`call` once per tuple of arguments, each labelled `name(args…)`, each independent."""

    def record(self, key: str, value: Any, label: str | None = None) -> None:
        """Record a fact the probe measured itself, such as an accuracy."""

    def mnist(self, split: str) -> tuple[Any, Any]:
        """MNIST's "train" or "test" split: uint8 images (N, 28, 28) and int64 labels (N,)."""

    def digits(self, split: str, *digits: int) -> list[Any]:
        """The images of each digit in a split, as float tensors scaled to [0, 1]."""


def as_tensor(value: Any) -> Any:
    """In a probe: the answer's value as a plain torch tensor to measure, or None."""
    from quiz.grader.encoding import plain_tensor

    return plain_tensor(value)


def curve_plot(run: Run, reference: Run, key: str, xs_key: str, label: str) -> dict[str, Any]:
    """A `plot` for the TUI: the reference's curve at `key` over the x values recorded under
    `xs_key`, beside the answer's (empty when the answer gave no curve of that shape).

    Values that are not finite numbers (nan, inf) are sent as None."""
    xs, expected = reference.value(xs_key), reference.value(key)
    got = run.value(key)
    same_shape = isinstance(got, Array) and got.shape == expected.shape
    got_values = got.values if same_shape else None
    return {
        "x": finite_or_none(list(xs.values)),
        "expected": finite_or_none(list(expected.values)),
        "got": finite_or_none(list(got_values)) if got_values is not None else [],
        "label": label,
    }
