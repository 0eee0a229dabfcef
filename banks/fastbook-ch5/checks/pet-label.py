"""pet-label: `pet_label(fname)`, a pet's breed from its file name, with a regular expression."""

from __future__ import annotations

import ast

from quiz.checks import CheckResult, Probe, Run, parse, same_as_reference

# Breeds of one word and of several, capitalised (the cats) and not (the dogs), as the Oxford-IIIT
# Pet images name them. Only the one-word breeds survive a split at the first underscore.
NAMES = [
    "boxer_188.jpg",
    "great_pyrenees_173.jpg",
    "Ragdoll_262.jpg",
    "staffordshire_bull_terrier_37.jpg",
    "Egyptian_Mau_110.jpg",
    "german_shorthaired_3.jpg",
    "american_pit_bull_terrier_1000.jpg",
]
MISTAKES = {
    "first underscore": (
        "That stops at the first underscore, so a breed of several words loses all but its first. "
        "The breed is everything before the last underscore that is followed by the number: "
        "a greedy (.+) before _\\d+ finds it."
    ),
    "number kept": "The number is not part of the breed: match it with _\\d+ outside the group.",
    "lowercased": "Keep the name as it is written: the cats' breeds are capitalised in the data.",
}
PATTERN_METHODS = {"match", "fullmatch", "search", "findall", "finditer"}


def probe(p: Probe) -> None:
    pet_label = p.function("pet_label")
    for name in NAMES:
        stem = name.removesuffix(".jpg")
        mistakes = {
            "first underscore": name.split("_")[0],
            "number kept": stem,
            "lowercased": stem.rsplit("_", 1)[0].lower(),
        }
        p.call_each("pet_label", pet_label, [(name,)], mistakes=mistakes)


def judge(run: Run, reference: Run) -> list[CheckResult]:
    return [_uses_regex(run.source), *same_as_reference(run, reference, mistakes=MISTAKES)]


def _uses_regex(source: str) -> CheckResult:
    """Passes when the code calls the `re` module: re.<function>(...), a function imported from
    re, or a compiled pattern's matching method (str has no method of those names)."""
    name = "with a regular expression"
    tree = parse(source)
    if tree is None:
        return CheckResult(name, False, "the code could not be read")
    from_re = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "re"
        for alias in node.names
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        on_re = isinstance(func, ast.Attribute) and getattr(func.value, "id", None) == "re"
        if on_re or getattr(func, "id", None) in from_re:
            return CheckResult(name, True, "uses the re module")
        if isinstance(func, ast.Attribute) and func.attr in PATTERN_METHODS:
            return CheckResult(name, True, "uses a compiled regular expression")
    return CheckResult(
        name,
        False,
        "the task is to practise regular expressions: import re and use re.match or re.findall "
        "with a pattern such as r'(.+)_\\d+\\.jpg$'.",
    )
