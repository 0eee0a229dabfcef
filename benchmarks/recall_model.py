"""Whether a small sentence-embedding model, added to the word match, makes the suggested grade
agree with people more often, and what it would cost.

The word match (`quiz.recall.suggest`) stays as it is; the model may only raise a key point
that the words leave missing or partly said to covered, when some sentence of the answer is
that close to the point (cosine similarity of the two embeddings). Contradictions, listed
mistakes and word salad keep the word match's grade. The threshold is chosen on the tuning
answers alone, and the held-out answers are reported at that threshold beside the word match
alone. It also prints what the model costs: its size on disk, the time to import and load it,
and the time per answer.

The model is not a dependency of quiz: this measure needs sentence-transformers and a model
folder in its format (for example all-MiniLM-L6-v2 as a package ships it), in an environment
of its own:

    python benchmarks/recall_model.py --model PATH [--bank PATH] [--answers PATH ...]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from recall_agreement import ANSWERS, KINDS, AnswersError, agrees, gaming_rows, read_answers

from quiz.bank import BankError, load_bank
from quiz.errors import QuizError
from quiz.recall import PREMISE, UNSAID, Suggestion, graded, suggest

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS = [round(0.40 + 0.05 * step, 2) for step in range(10)]
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")


def regraded(word: Suggestion, raised: list[bool]) -> int:
    """The grade once the model has raised the points in `raised` to covered, with the word
    match's caps: a listed mistake, a denied premise or word salad keeps its grade."""
    premise = PREMISE.split("{}")[0]
    if word.mistakes or word.check == UNSAID or word.check.startswith(premise):
        return word.grade
    return graded(
        ["covered" if up else f.status for f, up in zip(word.points, raised, strict=True)]
    )


def shares(rows: list[dict], split: str) -> dict[str, tuple[float, int]]:
    result = {}
    for key in KINDS:
        group = [r for r in rows if r["kind"] == key and r["split"] == split]
        if group:
            result[key] = (sum(map(agrees, group)) / len(group), len(group))
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a sentence-transformers folder")
    parser.add_argument("--bank", type=Path, default=ROOT / "questions.yaml")
    parser.add_argument("--answers", type=Path, action="append", help="repeat for several")
    args = parser.parse_args(argv)
    try:
        bank = load_bank(args.bank)
        rows = read_answers(args.answers or list(ANSWERS), bank) + gaming_rows(bank)
    except (BankError, QuizError, AnswersError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("error: this measure needs sentence-transformers installed", file=sys.stderr)
        return 2
    imported = time.perf_counter()
    model = SentenceTransformer(str(args.model), device="cpu")
    loaded = time.perf_counter()
    size = sum(p.stat().st_size for p in args.model.rglob("*") if p.is_file())

    encode_started = time.perf_counter()
    for row in rows:
        question = bank.get(row["q"])
        row["word"] = suggest(question, row["a"], bank.words)
        said = [s for s in _SENTENCE.split(row["a"]) if s.strip()] or [row["a"]]
        vectors = model.encode([*question.key_points, *said], normalize_embeddings=True)
        points, sentences = vectors[: len(question.key_points)], vectors[len(question.key_points) :]
        row["closest"] = [float((sentences @ point).max()) for point in points]
    per_answer = (time.perf_counter() - encode_started) / len(rows)

    def measured(threshold: float | None) -> dict[str, dict[str, tuple[float, int]]]:
        for row in rows:
            word = row["word"]
            raised = [
                threshold is not None and f.status in ("missing", "partly") and closest >= threshold
                for f, closest in zip(word.points, row["closest"], strict=True)
            ]
            row["grade"] = regraded(word, raised) if any(raised) else word.grade
        return {split: shares(rows, split) for split in ("tune", "holdout", "all")}

    def mean(found: dict[str, tuple[float, int]]) -> float:
        return sum(share for share, _ in found.values()) / len(found)

    alone = measured(None)
    best = max(THRESHOLDS, key=lambda t: (mean({**measured(t)["tune"], **measured(t)["all"]}), t))
    chosen = measured(best)
    print(f"{bank.name}: {len(rows)} labelled answers; the model: {args.model}")
    print(f"{'kind':<30}{'tune: words':>13}{'+ model':>10}{'holdout: words':>16}{'+ model':>10}")
    for key, kind in KINDS.items():
        cells = []
        for split in ("tune", "holdout") if key not in ("denied", "shuffled") else ("all", ""):
            for found in (alone, chosen):
                share = found.get(split, {}).get(key)
                cells.append(f"{share[0]:.1%}" if share else "")
        count = (alone["holdout"].get(key) or alone["all"].get(key) or (0, 0))[1]
        print(f"{kind.name:<30}{cells[0]:>13}{cells[1]:>10}{cells[2]:>16}{cells[3]:>10}  ({count})")
    print(f"threshold chosen on the tuning answers: {best:.2f}")
    print(f"model on disk: {size / 2**20:.1f} MiB")
    print(f"import sentence-transformers (torch with it): {imported - started:.2f} s")
    print(f"load the model: {loaded - imported:.2f} s")
    print(f"per answer (its sentences and the key points): {per_answer * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
