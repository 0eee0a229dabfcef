"""How long a learner waits for a verdict: warm checks against a cold `quiz check`.

    python benchmarks/check_latency.py [--runs 20] [--cold-runs 3]

Warm: one Checker, already started and with its reference values cached, checks the reference
answer `--runs` times; the figures are p50 and p90 of the wall time of `checker.check`.
Cold: a fresh `quiz check` process per run, which pays for starting Python, importing torch in
its worker and computing the reference; the figure is the median. Goals on a 2-core machine:
tensor-3x3 p50 <= 0.15 s, training-loop p50 <= 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from quiz.grader import Checker

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = {"tensor-3x3": 0.15, "training-loop": 0.5}


def warm_times(checker: Checker, question_id: str, source: str, runs: int) -> list[float]:
    assert checker.check(question_id, source).passed, f"{question_id}: the reference must pass"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        verdict = checker.check(question_id, source)
        times.append(time.perf_counter() - started)
        assert verdict.passed
    return times


def cold_times(question_id: str, answer: Path, runs: int) -> list[float]:
    program = Path(sys.executable).with_name("quiz")
    command = [str(program), "check", question_id, str(answer)]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=dict(os.environ))
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="warm checks per question")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per question")
    args = parser.parse_args()

    answers = {q: ROOT / "solutions" / f"{q.replace('-', '_')}.py" for q in QUESTIONS}
    started = time.perf_counter()
    with Checker() as checker:
        checker.check("zip-pairs", "def pair_up(a, b):\n    return list(zip(a, b))\n")
        ready = time.perf_counter() - started
        warm = {q: warm_times(checker, q, answers[q].read_text(), args.runs) for q in QUESTIONS}
    cold = {q: cold_times(q, answers[q], args.cold_runs) for q in QUESTIONS}

    print(f"cpus: {os.cpu_count()}, warm runs: {args.runs}, cold runs: {args.cold_runs}")
    print(f"worker start-up to first verdict: {ready:.2f} s")
    header = ("question", "warm p50", "warm p90", "goal", "cold p50", "cold/warm")
    print(f"{header[0]:<15}" + "".join(f"{h:>10}" for h in header[1:]))
    for question, goal in QUESTIONS.items():
        p50 = statistics.median(warm[question])
        p90 = statistics.quantiles(warm[question], n=10)[8]
        cold_p50 = statistics.median(cold[question])
        mark = "ok" if p50 <= goal else "SLOW"
        print(
            f"{question:<15}{p50:>9.3f}s{p90:>9.3f}s{goal:>9.2f}s{cold_p50:>9.2f}s"
            f"{cold_p50 / p50:>9.0f}x  {mark}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
