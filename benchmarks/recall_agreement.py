"""How often the suggested grade for a written answer agrees with a person's label.

Each labelled answer (YAML: `answers:` rows of q, label good|poor, source, split tune|holdout,
a) falls in one kind: a misconception (the chapter's words saying something wrong) should be
suggested 2 or less, a right answer phrased with negations 3 or more, any other good answer 3
or more and any other poor one 2 or less. Two ways of gaming the marker are generated for every
recall question: each key point denied ("It is not true that ..."), and the key points' words
shuffled into no sentence; both should be suggested 2 or less. Tuning and held-out answers are
counted apart; `--misses` lists the tuning answers it disagrees with (held-out ones stay unread).
It also counts the answers read as saying one of the bank's listed mistakes, and how many of
those are labelled right (each one a right answer the listed mistakes fail).

    python benchmarks/recall_agreement.py [--bank PATH] [--answers PATH ...] [--misses]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from quiz.bank import Bank, BankError, Question, load_bank
from quiz.errors import QuizError
from quiz.recall import suggest

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = (
    ROOT / "tests" / "data" / "recall_answers.yaml",
    ROOT / "tests" / "data" / "recall_answers_misconceptions.yaml",
    ROOT / "tests" / "data" / "recall_answers_fresh.yaml",
    ROOT / "tests" / "data" / "recall_answers_second_author.yaml",
    ROOT / "tests" / "data" / "recall_answers_third_author.yaml",
    ROOT / "tests" / "data" / "recall_answers_fourth_author.yaml",
    ROOT / "tests" / "data" / "recall_answers_fifth_author.yaml",
    ROOT / "tests" / "data" / "recall_answers_negations.yaml",
    ROOT / "tests" / "data" / "recall_answers_independent.yaml",
    ROOT / "tests" / "data" / "recall_answers_late_holdout.yaml",
)
PASSING = 3
MARKS = {"covered": "✓", "partly": "~", "missing": "✗", "contradicted": "!"}
SHUFFLE_SEED = 25


@dataclass(frozen=True)
class Kind:
    """One kind of answer, what grade it should get, and the share that must agree."""

    name: str
    passes: bool
    target: float


KINDS = {
    "good": Kind("good answers >= 3", True, 0.90),
    "poor": Kind("poor answers <= 2", False, 0.90),
    "misconception": Kind("misconceptions <= 2", False, 0.85),
    "negation": Kind("right, with negations >= 3", True, 0.85),
    "denied": Kind("every point denied <= 2", False, 0.90),
    "shuffled": Kind("key words shuffled <= 2", False, 0.80),
}


def kind_of(row: dict) -> str:
    if row["source"] in ("misconception", "negation"):
        return row["source"]
    return "good" if row["label"] == "good" else "poor"


def denied(question: Question) -> str:
    """Every key point asserted the other way round."""
    return " ".join(f"It is not true that {point}." for point in question.key_points)


def shuffled(question: Question) -> str:
    """The key points' own words in a fixed random order, with no punctuation."""
    words = re.findall(r"[\w'-]+", " ".join(question.key_points))
    random.Random(f"{SHUFFLE_SEED}:{question.id}").shuffle(words)
    return " ".join(words)


def gaming_rows(bank: Bank) -> list[dict]:
    rows = []
    for question in bank:
        if not question.is_code:
            for kind, make in (("denied", denied), ("shuffled", shuffled)):
                rows.append({"q": question.id, "kind": kind, "split": "all", "a": make(question)})
    return rows


class AnswersError(Exception):
    """A labelled answer set that cannot be read or does not fit the bank."""


def read_answers(paths: list[Path], bank: Bank) -> list[dict]:
    rows = []
    for path in paths:
        try:
            found = yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]
            for row in found:
                if row["q"] not in bank:
                    raise AnswersError(f"{path}: no question '{row['q']}' in bank {bank.name}")
                rows.append({**row, "kind": kind_of(row)})
        except (OSError, UnicodeDecodeError, yaml.YAMLError, TypeError, KeyError) as exc:
            message = exc.strerror if isinstance(exc, OSError) else f"{type(exc).__name__} {exc}"
            raise AnswersError(f"{path}: not a labelled answer set: {message}") from None
    return rows


def agrees(row: dict) -> bool:
    return (row["grade"] >= PASSING) == KINDS[row["kind"]].passes


def report(rows: list[dict]) -> None:
    print(f"{'kind':<30}{'tune':>16}{'holdout':>16}{'target':>9}")
    for key, kind in KINDS.items():
        cells = []
        for split in ("tune", "holdout") if key not in ("denied", "shuffled") else ("all",):
            group = [r for r in rows if r["kind"] == key and r["split"] == split]
            share = sum(map(agrees, group)) / len(group) if group else None
            cells.append(f"{share:6.1%} of {len(group):3d}" if group else "-")
        if len(cells) == 1:
            cells = [f"{cells[0]} questions", ""]
        print(f"{kind.name:<30}{cells[0]:>16}{cells[1]:>16}{kind.target:>9.0%}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=Path, default=ROOT / "questions.yaml")
    parser.add_argument("--answers", type=Path, action="append", help="repeat for several")
    parser.add_argument("--misses", action="store_true", help="list the tuning disagreements")
    args = parser.parse_args(argv)
    try:
        bank = load_bank(args.bank)
    except BankError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        words = bank.words
        rows = read_answers(args.answers or list(ANSWERS), bank) + gaming_rows(bank)
    except (QuizError, AnswersError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for row in rows:
        row["suggestion"] = suggest(bank.get(row["q"]), row["a"], words=words)
        row["grade"] = row["suggestion"].grade
    print(f"{bank.name}: {len(rows)} answers")
    report(rows)
    wrong_passes = [r for r in rows if not KINDS[r["kind"]].passes and not agrees(r)]
    sure = sum(r["suggestion"].sure for r in wrong_passes)
    print(
        f"answers that should fail but are suggested 3 or more: {len(wrong_passes)}, "
        f"of which sure (Enter would take them): {sure}"
    )
    mistaken = {
        split: [r for r in rows if r["split"] == split and r["suggestion"].mistakes]
        for split in ("tune", "holdout")
    }
    for split, found in mistaken.items():
        wrongly = sum(KINDS[r["kind"]].passes for r in found)
        print(
            f"{split}: answers read as saying a listed mistake: {len(found)}, "
            f"of which labelled right: {wrongly}"
        )
    if args.misses:
        for row in rows:
            if not agrees(row) and row["split"] != "holdout":
                marks = " ".join(MARKS[f.status] for f in row["suggestion"].points)
                print(f"\n{row['q']} [{row['kind']}, {row['grade']}, {marks}]: {row['a']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
