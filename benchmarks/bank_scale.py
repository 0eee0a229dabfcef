"""Time `quiz validate` and `quiz list` on a large question bank, as a learner runs them.

Builds a bank of recall and code questions (the chapter's own, repeated under new ids,
with one shared solution file), then runs each command in a fresh process: first with no
parsed-bank cache (the first run after editing the bank), then warm. The goal is 2 s each.

    python benchmarks/bank_scale.py [--questions 50000] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 2.0

QUESTION = """\
  - id: question-{n}
    number: {n}
    kind: recall
    prompt: |
      How is a grayscale image represented on a computer? How about a color image? ({n})
    answer: |
      A grayscale image is a 2-D grid (a matrix) of numbers, one per pixel, each giving
      that pixel's intensity. Usually each is an 8-bit integer from 0 to 255.
    key_points:
      - a 2-D grid of numbers, one per pixel
      - each pixel an intensity from 0 to 255
      - colour has three channels (red, green, blue)
    tags: [images, tensors]
"""

CODE_QUESTION = """\
  - id: question-{n}
    number: {n}
    kind: code
    prompt: |
      Write `relu(x)`, which replaces every negative entry of a tensor with zero. ({n})
    answer: |
      `x.clamp(min=0)` or `torch.where(x < 0, 0., x)`.
    key_points:
      - negative entries become zero
      - positive entries pass through
    tags: [activations]
    contract: [relu]
    starter: |
      def relu(x):
          ...
    hints:
      - clamp has a min argument
    solution: solutions/relu.py
    checks:
      cases:
        - relu(torch.tensor([-1.0, 0.0, 2.0]))
"""


def write_bank(folder: Path, questions: int) -> Path:
    """A bank of `questions` questions, one in ten a coding question."""
    (folder / "solutions").mkdir(parents=True, exist_ok=True)
    (folder / "solutions" / "relu.py").write_text("def relu(x):\n    return x.clamp(min=0)\n")
    parts = ["bank: scale\ntitle: A large bank\nquestions:\n"]
    for n in range(1, questions + 1):
        parts.append((CODE_QUESTION if n % 10 == 0 else QUESTION).format(n=n))
    path = folder / "bank.yaml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build in DIR and leave it there")
    options = parser.parse_args()

    folder = options.keep or Path(tempfile.mkdtemp(prefix="quiz-bank-scale-"))
    try:
        bank = write_bank(folder, options.questions)
        data = folder / "data"
        env = {**os.environ, "QUIZ_DATA_DIR": str(data), "QUIZ_DB": str(data / "quiz.db")}
        env.pop("QUIZ_BANK", None)
        quiz = [sys.executable, "-m", "quiz", "--bank", str(bank)]
        size = bank.stat().st_size / 2**20
        print(f"bank: {options.questions:,} questions, {size:.1f} MiB; goal {GOAL_S:.1f} s each")
        results = {}
        for name, command in (("validate", ["validate", str(bank)]), ("list", ["list"])):
            cold, warm = [], []
            for _ in range(options.runs):
                shutil.rmtree(data / "bank-cache", ignore_errors=True)
                cold.append(timed(quiz + command, env))
                warm.append(timed(quiz + command, env))
            results[name] = (statistics.median(cold), statistics.median(warm))
        for name, (cold, warm) in results.items():
            verdict = "ok" if max(cold, warm) <= GOAL_S else "OVER GOAL"
            print(
                f"quiz {name:<8} first run {cold:5.2f} s   cached {warm:5.2f} s"
                f"   (median of {options.runs})  {verdict}"
            )
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
