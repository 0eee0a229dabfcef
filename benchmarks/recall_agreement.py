"""How often the suggested grade agrees with a person's label on tests/data/recall_answers.yaml.

A good answer agrees when it is suggested 3 or more; a poor one when it is suggested 2 or less.
Prints the figures for the whole set, the tuning and held-out parts, and each source.
`--misses` lists the tuning answers it disagrees with (held-out ones stay unread).

    python benchmarks/recall_agreement.py [--misses]
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import yaml

from quiz.bank import load_bank
from quiz.recall import suggest
from quiz.scheduler import PASSING_QUALITY

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = ROOT / "tests" / "data" / "recall_answers.yaml"


def agreement(rows: list[dict]) -> tuple[float, float, int, int]:
    """(share of good suggested >= 3, share of poor suggested <= 2, goods, poors)."""
    good = [r for r in rows if r["label"] == "good"]
    poor = [r for r in rows if r["label"] == "poor"]
    good_ok = sum(r["grade"] >= PASSING_QUALITY for r in good)
    poor_ok = sum(r["grade"] < PASSING_QUALITY for r in poor)
    return good_ok / max(1, len(good)), poor_ok / max(1, len(poor)), len(good), len(poor)


def graded_answers() -> list[dict]:
    bank = load_bank(ROOT / "questions.yaml")
    rows = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))["answers"]
    for row in rows:
        row["grade"] = suggest(bank.get(row["q"]), row["a"]).grade
    return rows


def main(argv: list[str]) -> None:
    rows = graded_answers()
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups["all"].append(row)
        groups[f"split={row['split']}"].append(row)
        groups[f"source={row['source']}"].append(row)
    print(f"{'answers':<20}{'good >= 3':>16}{'poor <= 2':>16}")
    for name, group in groups.items():
        good, poor, goods, poors = agreement(group)
        good_text = f"{good:6.1%} of {goods:3d}" if goods else "-"
        poor_text = f"{poor:6.1%} of {poors:3d}" if poors else "-"
        print(f"{name:<20}{good_text:>16}{poor_text:>16}")
    if "--misses" in argv:
        for row in rows:
            wrong = (row["grade"] >= PASSING_QUALITY) != (row["label"] == "good")
            if wrong and row["split"] == "tune":
                print(f"\n{row['q']} [{row['label']}, suggested {row['grade']}]: {row['a']}")


if __name__ == "__main__":
    main(sys.argv[1:])
