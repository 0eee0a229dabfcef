"""broadcasting: `center_columns(m)` subtracts each column's mean, with no Python loop."""

from __future__ import annotations

from quiz.checks import CheckResult, definition, loops, parse, same_as_reference

MISTAKES = {
    "row means": "Those are row means: columns run along dim 0, so use m.mean(dim=0).",
    "overall mean": "m.mean() is one mean of everything; each column needs its own, m.mean(dim=0).",
}


def probe(p) -> None:
    import torch

    center_columns = p.function("center_columns")
    generator = torch.Generator().manual_seed(3)
    matrices = [
        torch.tensor([[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]]),
        torch.randn(5, 4, generator=generator) * 10,
        torch.randn(1, 6, generator=generator),
    ]
    for m in matrices:
        mistakes = {"row means": m - m.mean(dim=1, keepdim=True), "overall mean": m - m.mean()}
        p.call_each("center_columns", center_columns, [(m.clone(),)], mistakes=mistakes)


def judge(run, reference) -> list[CheckResult]:
    return [_no_loops(run.source), *same_as_reference(run, reference, mistakes=MISTAKES)]


def _no_loops(source: str) -> CheckResult:
    name = "no Python loops"
    found = loops(definition(parse(source), "center_columns"))
    if not found:
        return CheckResult(name, True, "one tensor expression, broadcast")
    return CheckResult(
        name,
        False,
        f"line {found[0].lineno} loops in Python; broadcasting does it in one expression: "
        "m - m.mean(dim=0)",
    )
