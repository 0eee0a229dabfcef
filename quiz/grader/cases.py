"""Checks given as calls (`checks: {cases: [...]}` in a bank): the probe and the judge they share.

Each case is a Python expression such as `softmax(torch.zeros(2, 3))`, evaluated once with the
answer's functions and once with the reference's, and the two values must agree in value, type,
dtype and shape. `forbid` names calls the answer may not make: each is replaced, wherever torch
exposes it under that name, by a tripwire that notes the use and then does the work, and the
aten operators of that name are watched as well, so a use is seen however the code reached it.
"""

from __future__ import annotations

import importlib
import re

from quiz.checks import CallFailed, CheckResult, Probe, Run, same_as_reference
from quiz.grader.values import ATOL, RTOL

FORBIDDEN_KEY = "forbidden calls"
_ALIASES = {"F": "torch.nn.functional", "nn": "torch.nn", "np": "numpy"}
_PLACES = ("torch", "torch.nn.functional", "torch.special", "torch.linalg", "torch.nn")


class CasesChecks:
    """The checks module of a question whose checks are calls."""

    NEEDS_REFERENCE = True

    def __init__(self, cases, forbid=(), tolerance: float | None = None, names=()):
        self.cases = tuple(cases)
        self.forbid = tuple(forbid)
        self.tolerance = tolerance
        self.names = tuple(names)
        self._used: list[str] = []

    # ------------------------------------------------------------------- in the child

    def before(self) -> None:
        """Set the tripwires, before the answer's own code runs and can keep a reference."""
        for dotted in self.forbid:
            _trip(dotted, self._used)

    def probe(self, p: Probe) -> None:
        import math

        import numpy as np
        import torch

        scope = {"torch": torch, "math": math, "np": np, "F": torch.nn.functional, "nn": torch.nn}
        scope.update({name: p.namespace[name] for name in self.names})
        watch = frozenset(op for dotted in self.forbid for op in _aten_names(dotted))
        try:
            for case in self.cases:
                code = compile(case, "<case>", "eval")
                try:
                    p.call(case, eval, code, dict(scope), watch=watch)
                except CallFailed:
                    continue
        finally:
            if self.forbid:
                p.record(FORBIDDEN_KEY, sorted(set(self._used)))

    # ------------------------------------------------------------------ in the parent

    def judge(self, run: Run, reference: Run) -> list[CheckResult]:
        tolerance = self.tolerance
        rtol, atol = (RTOL, ATOL) if tolerance is None else (tolerance, tolerance)
        keys = [key for key in reference.observations if key != FORBIDDEN_KEY]
        results = same_as_reference(run, reference, keys=keys, dtype=True, rtol=rtol, atol=atol)
        if self.forbid:
            results.append(self._forbidden(run))
        return results

    def _forbidden(self, run: Run) -> CheckResult:
        names = ", ".join(self.forbid)
        used = run.observations.get(FORBIDDEN_KEY)
        seen = list(used.value) if used is not None and isinstance(used.value, list) else []
        for observation in run.observations.values():
            for op in observation.ops:
                seen.append(f"torch's {op} (in {observation.call})")
        if used is None and not seen:
            return CheckResult(f"written without {names}", False, "did not run to the end")
        if seen:
            return CheckResult(
                f"written without {names}",
                False,
                f"your code used {seen[0]}: this question asks you to do it without {names}.",
            )
        return CheckResult(f"written without {names}", True, f"uses none of {names}")


def _resolve(dotted: str):
    """The object a dotted name such as `torch.softmax` or `F.cross_entropy` names, or None."""
    head, _, rest = dotted.partition(".")
    head = _ALIASES.get(head, head)
    try:
        value = importlib.import_module(head)
    except ImportError:
        return None
    for part in rest.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _trip(dotted: str, used: list[str]) -> None:
    """Replace what dotted names, under its own name in torch's namespaces, by a tripwire."""
    import torch

    target = _resolve(dotted)
    if target is None:
        return
    last = dotted.rsplit(".", 1)[-1]
    parent = _resolve(dotted.rsplit(".", 1)[0])
    places = [importlib.import_module(name) for name in _PLACES] + [torch.Tensor]
    if parent is not None:
        places.append(parent)
    for place in places:
        found = getattr(place, last, None)
        if found is None:
            continue
        try:
            setattr(place, last, _tripwire(found, dotted, used))
        except (AttributeError, TypeError):
            continue


def _tripwire(original, dotted: str, used: list[str]):
    if isinstance(original, type):

        class Tripped(original):
            def __init__(self, *args, **kwargs):
                used.append(dotted)
                super().__init__(*args, **kwargs)

        Tripped.__name__ = Tripped.__qualname__ = original.__name__
        return Tripped

    def tripped(*args, **kwargs):
        used.append(dotted)
        return original(*args, **kwargs)

    tripped.__name__ = getattr(original, "__name__", dotted)
    return tripped


def _aten_names(dotted: str) -> tuple[str, ...]:
    """The aten operators a forbidden name reaches: `softmax` runs as aten's `_softmax`."""
    last = dotted.rsplit(".", 1)[-1]  # a class's name in snake case: NLLLoss -> nll_loss
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", last).lower()
    return (name, f"_{name}", f"{name}_forward", f"_{name}_forward")
