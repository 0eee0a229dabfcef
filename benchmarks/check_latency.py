"""How long a learner waits for a verdict: warm checks against a cold `quiz check`.

    python benchmarks/check_latency.py [--runs 20] [--cold-runs 3] [--only sandbox]

Warm: one Checker, already started and with its reference values cached, checks the reference
answer `--runs` times; the figures are p50 and p90 of the wall time of `checker.check`.
Sandbox: warm p50 and p95 of tensor-3x3 with the sandbox on and off (the switches that make it
behave as on a kernel without Landlock or user namespaces), in this one process, and their ratio.
Cold: a fresh `quiz check --no-worker` process per run, which pays for starting Python,
importing torch in its worker and computing the reference; the figure is the median. Goals on a
2-core machine: tensor-3x3 p50 <= 0.15 s, training-loop p50 <= 0.5 s.

From the command line, against a background worker on a private socket: worker cold is a whole
`quiz check` that finds no worker and starts one, one-shot a `--no-worker` call run just before
each (medians of `--cold-runs`); warm CLI is a whole
`quiz check` that finds one warm (p50 and p95 of `--runs`); watch is the time from writing the
answer file to `quiz check --watch` printing its verdict (p50 and p95 of `--runs`). Goals:
warm CLI p50 <= 0.3 s and watch p50 <= 0.05 s for tensor-3x3; worker cold no slower than one-shot.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from quiz.grader import Checker
from quiz.grader.sandbox import NO_LANDLOCK_ENV, NO_NAMESPACES_ENV

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
    command = [str(program), "check", question_id, str(answer), "--no-worker"]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=dict(os.environ))
        times.append(time.perf_counter() - started)
    return times


@contextlib.contextmanager
def sandbox_off():
    """Workers started inside run as on a kernel without Landlock or user namespaces."""
    saved = {name: os.environ.get(name) for name in (NO_LANDLOCK_ENV, NO_NAMESPACES_ENV)}
    os.environ.update(dict.fromkeys(saved, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def sandbox_cost(runs: int) -> None:
    """Print warm tensor-3x3 p50/p95 with the sandbox on and off, and the ratio."""
    question = "tensor-3x3"
    source = (ROOT / "solutions" / "tensor_3x3.py").read_text()
    figures = {}
    for label, fences in (("on", contextlib.nullcontext), ("off", sandbox_off)):
        with fences(), Checker() as checker:
            times = warm_times(checker, question, source, runs)
        figures[label] = (statistics.median(times), statistics.quantiles(times, n=20)[18])
    goal = QUESTIONS[question]
    print(f"sandbox cost, {question}, {runs} warm runs each")
    print(f"{'sandbox':<15}{'warm p50':>10}{'warm p95':>10}{'goal':>10}")
    for label, (p50, p95) in figures.items():
        mark = "ok" if p50 <= goal else "SLOW"
        print(f"{label:<15}{p50:>9.3f}s{p95:>9.3f}s{goal:>9.2f}s  {mark}")
    (on50, on95), (off50, off95) = figures["on"], figures["off"]
    print(f"{'on/off':<15}{on50 / off50:>9.2f}x{on95 / off95:>9.2f}x")


def quiz_program() -> str:
    return str(Path(sys.executable).with_name("quiz"))


def timed_run(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def worker_cold_times(question_id: str, answer: Path, runs: int, env: dict) -> dict:
    """Whole `quiz check` calls that each find no worker running and start one, each paired
    with a one-shot `--no-worker` call just before it, so both meet the same load."""
    check = [quiz_program(), "check", question_id, str(answer)]
    times = {"one-shot": [], "worker cold": []}
    for _ in range(runs):
        times["one-shot"].append(timed_run([*check, "--no-worker"], env))
        subprocess.run([quiz_program(), "worker", "stop"], check=True, capture_output=True, env=env)
        times["worker cold"].append(timed_run(check, env))
    return times


def worker_warm_times(question_id: str, answer: Path, runs: int, env: dict) -> list[float]:
    """Whole `quiz check` calls answered by a warm worker that has the reference cached."""
    check = [quiz_program(), "check", question_id, str(answer)]
    timed_run(check, env)
    return [timed_run(check, env) for _ in range(runs)]


def watch_times(question_id: str, answer: Path, runs: int, env: dict) -> list[float]:
    """From writing the answer file to `quiz check --watch` having printed the verdict."""
    with tempfile.TemporaryDirectory(prefix="quiz-watch-") as folder:
        copy = Path(folder) / answer.name
        copy.write_text(answer.read_text())
        process = subprocess.Popen(
            [quiz_program(), "check", question_id, str(copy), "--watch"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True).start()

        def verdict_printed() -> bool:
            """Read up to the line that follows each verdict; whether the verdict passed."""
            passed = False
            while "watching" not in (line := lines.get(timeout=120)):
                passed = passed or "passed" in line
            return passed

        try:
            assert verdict_printed(), f"{question_id}: the reference must pass"
            times = []
            for n in range(runs):
                time.sleep(0.3)  # apart, so each save is a batch of its own
                started = time.perf_counter()
                # A new text each time: a save that changes nothing keeps its verdict unprinted.
                copy.write_text(f"{answer.read_text()}\n# save {n}\n")
                assert verdict_printed()
                times.append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return times


def command_line_figures(answers: dict[str, Path], runs: int, cold_runs: int) -> dict:
    """Worker cold, warm CLI and watch times per question, on a worker of the benchmark's own."""
    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as runtime:
        env = dict(os.environ, QUIZ_RUNTIME_DIR=runtime)
        env.pop("QUIZ_NO_WORKER", None)
        try:
            return {
                q: {
                    **worker_cold_times(q, answers[q], cold_runs, env),
                    "warm CLI": worker_warm_times(q, answers[q], runs, env),
                    "watch": watch_times(q, answers[q], runs, env),
                }
                for q in answers
            }
        finally:
            subprocess.run([quiz_program(), "worker", "stop"], capture_output=True, env=env)


def print_command_line(figures: dict, warm: dict) -> None:
    def p95(times: list[float]) -> float:
        return statistics.quantiles(times, n=20)[18]

    print("\nquiz check from the command line (whole command; seconds):")
    header = ("question", "one-shot", "worker cold", "warm CLI p50", "p95", "in-process")
    header += ("watch p50", "p95")
    print(f"{header[0]:<15}" + "".join(f"{h:>13}" for h in header[1:]))
    for question, times in figures.items():
        row = (
            statistics.median(times["one-shot"]),
            statistics.median(times["worker cold"]),
            statistics.median(times["warm CLI"]),
            p95(times["warm CLI"]),
            statistics.median(warm[question]),
            statistics.median(times["watch"]),
            p95(times["watch"]),
        )
        print(f"{question:<15}" + "".join(f"{x:>13.3f}" for x in row))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="warm checks per question")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per question")
    parser.add_argument(
        "--only", choices=("all", "sandbox"), default="all", help="which figures to print"
    )
    args = parser.parse_args()
    if args.only == "sandbox":
        sandbox_cost(args.runs)
        return 0

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
    print()
    sandbox_cost(args.runs)
    print()
    figures = command_line_figures(answers, args.runs, args.cold_runs)
    print_command_line(figures, warm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
