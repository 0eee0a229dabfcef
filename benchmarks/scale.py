"""Every command and screen at 10k, 100k and 1M answers, side by side, so growth shows.

For each size, builds a log of several banks over the years it takes (scheduled reviews
that follow SM-2 exactly, same-day drills until a card is graded 4, and cram filling the
rest), writes it as an export and loads it with the real `quiz import`, then times, each
in a fresh process as a learner runs them (median of --runs):

    quiz import (answers per second, peak memory), quiz export, quiz list,
    quiz stats --json (as logged, and with every answer a scheduled review),
    the TUI from launch to the first question, and, in process, the Browse and
    Stats screens from being pushed to their tables filled.

    python benchmarks/scale.py [--sizes 10000 100000 1000000] [--runs 3] [--keep DIR]

Times are wall-clock on whatever else the machine is doing: run it on a quiet machine,
and compare sizes within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import CHILD as FIRST_QUESTION_CHILD  # noqa: E402

from quiz.schedulers import ScheduleState, make_scheduler  # noqa: E402
from quiz.session import study_day, utc_timestamp  # noqa: E402

SM2 = make_scheduler("sm2")
"""The scheduler every simulated answer is graded by."""

BANKS = ("ch4", "ch5", "ch6", "ch7")
QUESTIONS = 500
NEW_PER_DAY = 10
DAY_STARTS_AT = 4
SCHEDULED_PER_BANK_DAY = 22
"""About how many reviews and drills a bank of 500 asks a day, averaged over the years."""
GOALS = {
    "quiz list": 0.5,
    "Browse open": 0.5,
    "Stats screen": 0.5,
    "stats --json": 1.0,
    "stats --json, all scheduled": 1.0,
    "first question": 0.6,
}
CHILD_TIMEOUT_S = 600
MEASURE_RSS = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('maxrss', resource.getrusage(resource.RUSAGE_SELF)"
    ".ru_maxrss, file=sys.stderr))\n"
    "from quiz.cli import main\n"
    "sys.argv[0] = 'quiz'\n"
    "main()\n"
)


def write_bank(path: Path, bank: str) -> None:
    lines = [f"bank: {bank}", f"title: Bank {bank}", "questions:"]
    for n in range(1, QUESTIONS + 1):
        lines += [
            f"  - id: q{n:03d}",
            f"    number: {n}",
            "    kind: recall",
            f"    prompt: What is fact {n}?",
            f"    answer: Fact {n} is the {n}th fact.",
            "    key_points: [the fact, its number]",
            "    tags: [bench]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Bank:
    """One bank's learner: grades from each card's own difficulty, the cards' states."""

    def __init__(self, name: str, rng: random.Random):
        self.name = name
        self.rng = rng
        self.ids = [f"q{n:03d}" for n in range(1, QUESTIONS + 1)]
        self.difficulty = {qid: rng.random() for qid in self.ids}
        self.states: dict[str, ScheduleState] = {}
        self.unseen = list(self.ids)

    def grade(self, qid: str, practice: bool) -> int:
        hard, state = self.difficulty[qid], self.states.get(qid, SM2.new_state())
        if practice:
            miss = 0.1 + 0.2 * hard
        elif state.is_new:
            miss = 0.35
        else:
            miss = (0.05 + 0.15 * hard) * (0.6 if state.interval >= 21 else 1.0)
        if self.rng.random() < miss:
            return self.rng.choice((0, 1, 2))
        return self.rng.choices((3, 4, 5), (1 + 2 * hard, 3, 3 - 2 * hard))[0]


def generate(path: Path, answers: int, today: date, seed: int = 4) -> dict[str, int]:
    """Write `answers` answers ending about `today`, a day at a time, to `path`."""
    rng = random.Random(seed)
    banks = [Bank(name, rng) for name in BANKS]
    days = max(30, answers // int(len(BANKS) * SCHEDULED_PER_BANK_DAY * 2.5))
    kinds = dict.fromkeys(("review", "drill", "cram"), 0)
    written = 0
    with path.open("w", encoding="utf-8") as out:

        def log(bank: Bank, clock: datetime, qid: str, kind: str, grade: int) -> datetime:
            nonlocal written
            before = bank.states.get(qid, SM2.new_state())
            day = study_day(clock, DAY_STARTS_AT)
            after = SM2.review(before, grade, day) if kind == "review" else before
            if kind == "review":
                bank.states[qid] = after
            seconds = round(rng.uniform(*((3.0, 12.0) if kind == "cram" else (4.0, 45.0))), 1)
            record = {
                "bank": bank.name,
                "question_id": qid,
                "reviewed_at": utc_timestamp(clock.astimezone()),
                "day": day.isoformat(),
                "grade": grade,
                "kind": kind,
                "answer": "",
                "duration_s": seconds,
                "check_runs": None,
                "first_run_passed": None,
                "state_before": before.to_dict(),
                "state_after": after.to_dict(),
            }
            out.write(json.dumps(record) + "\n")
            kinds[kind] += 1
            written += 1
            return clock + timedelta(seconds=seconds + rng.uniform(1.0, 6.0))

        for offset in range(days):
            day = today - timedelta(days=days - 1 - offset)
            target = answers * (offset + 1) // days
            for bank in banks:
                if written >= answers:
                    break
                clock = datetime.combine(day, datetime.min.time()) + timedelta(
                    hours=rng.choice((7, 12, 19, 21)), minutes=rng.randint(0, 59)
                )
                due = sorted(q for q, s in bank.states.items() if s.due <= day)
                new, bank.unseen[:NEW_PER_DAY] = bank.unseen[:NEW_PER_DAY], []
                drills = []
                for qid in due + new:
                    if written >= answers:
                        break
                    grade = bank.grade(qid, practice=False)
                    clock = log(bank, clock, qid, "review", grade)
                    if grade < 4:
                        drills.append(qid)
                while drills and written < answers:
                    qid = drills.pop(0)
                    grade = bank.grade(qid, practice=True)
                    clock = log(bank, clock, qid, "drill", grade)
                    if grade < 4:
                        drills.append(qid)
            known = [(b, q) for b in banks for q in b.states]
            cram = max(0, min(target - written, answers - written))
            for _ in range(cram if known else 0):
                bank, qid = rng.choice(known)
                clock = datetime.combine(day, datetime.min.time()) + timedelta(
                    hours=22, seconds=rng.randrange(3600)
                )
                log(bank, clock, qid, "cram", bank.grade(qid, practice=True))
    return kinds


def run(env: dict, *args: str, code: str | None = None) -> tuple[float, str, str]:
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "quiz"]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [*command, *args], env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        sys.exit(f"quiz {' '.join(args)} gave no answer in {CHILD_TIMEOUT_S} s")
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"quiz {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout, done.stderr


def median_of(runs: int, measure) -> float:
    return statistics.median(measure() for _ in range(runs))


async def time_screens(bank_path: Path, db_path: Path, runs: int) -> dict[str, float]:
    """Browse and Stats, each from being pushed to its table filled, in one app."""
    from textual.widgets import DataTable

    from quiz.bank import load_bank
    from quiz.settings import Settings
    from quiz.store import open_store
    from quiz.tui.app import create_app
    from quiz.tui.screens.browse import BrowseScreen
    from quiz.tui.screens.stats import StatsScreen

    settings = Settings(bank_path=bank_path, db_path=db_path, day_starts_at=DAY_STARTS_AT)
    bank, store = load_bank(bank_path), open_store(db_path)
    app = create_app(settings, bank, store)
    browse, stats = [], []
    async with app.run_test(size=(120, 50)) as pilot:
        for _ in range(runs):
            start = time.perf_counter()
            screen = BrowseScreen()
            await app.push_screen(screen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.query_one(DataTable).row_count == len(bank)
            browse.append(time.perf_counter() - start)
            await pilot.press("escape")
            await pilot.pause()
            start = time.perf_counter()
            stats_screen = StatsScreen(settings, bank, store)
            await app.push_screen(stats_screen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert stats_screen.stats is not None
            stats.append(time.perf_counter() - start)
            await pilot.press("escape")
            await pilot.pause()
            gc.collect()
    return {"Browse open": statistics.median(browse), "Stats screen": statistics.median(stats)}


def every_answer_scheduled(db_path: Path, into: Path) -> Path:
    """A copy of the log where every answer is a scheduled review: the slowest case."""
    from quiz.store import open_store

    shutil.copyfile(db_path, into)
    with sqlite3.connect(into) as conn:
        conn.execute("UPDATE reviews SET kind = 'review'")
    open_store(into).rebuild_totals()
    return into


def measure(work: Path, answers: int, runs: int) -> dict[str, str]:
    work.mkdir(parents=True, exist_ok=True)
    bank_path, db_path, log_path = work / "bank.yaml", work / "quiz.db", work / "log.jsonl"
    write_bank(bank_path, BANKS[0])
    env = {
        **os.environ,
        "QUIZ_BANK": str(bank_path),
        "QUIZ_DB": str(db_path),
        "QUIZ_DATA_DIR": str(work),
        "QUIZ_DAY_STARTS_AT": str(DAY_STARTS_AT),
    }
    today = study_day(datetime.now(), DAY_STARTS_AT)
    start = time.perf_counter()
    # The log ends yesterday: today's due cards are waiting, as a learner finds them.
    kinds = generate(log_path, answers, today - timedelta(days=1))
    size = log_path.stat().st_size / 2**20
    print(
        f"  {answers:,} answers {kinds}, {size:.0f} MiB,"
        f" generated in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    elapsed, _, err = run(env, "import", str(log_path), code=MEASURE_RSS)
    rss = int(err.split("maxrss")[-1]) / 1024
    export_s, _, _ = run(env, "export", str(work / "export.jsonl"))
    out: dict[str, str] = {
        "import": f"{answers / elapsed:,.0f}/s",
        "import peak memory": f"{rss:.0f} MB",
        "export": f"{export_s:.2f} s",
    }
    run(env, "list")  # the first start fills the bank's parsed copy, as a learner's does
    figures = {
        "quiz list": median_of(runs, lambda: run(env, "list")[0]),
        "stats --json": median_of(runs, lambda: run(env, "stats", "--json")[0]),
    }
    worst = every_answer_scheduled(db_path, work / "worst.db")
    worst_env = {**env, "QUIZ_DB": str(worst)}
    figures["stats --json, all scheduled"] = median_of(
        runs, lambda: run(worst_env, "stats", "--json")[0]
    )
    figures.update(asyncio.run(time_screens(bank_path, db_path, runs)))

    def first_question() -> float:
        child_env = {**env, "QUIZ_BENCH_T0": repr(time.time())}
        _, stdout, _ = run(child_env, code=FIRST_QUESTION_CHILD)
        return json.loads(stdout.strip().splitlines()[-1])["first_question"]

    figures["first question"] = median_of(runs, first_question)
    out.update({name: f"{value:.3f} s" for name, value in figures.items()})
    for name, value in figures.items():
        if value > GOALS[name]:
            out[name] += " OVER"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build in DIR and leave it there")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="quiz-scale-"))
    results = {}
    try:
        for answers in args.sizes:
            print(f"{answers:,} answers", flush=True)
            results[answers] = measure(folder / str(answers), answers, args.runs)
            if args.keep is None:
                shutil.rmtree(folder / str(answers), ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    names = list(next(iter(results.values())))
    goals = {**{n: f"<= {g} s" for n, g in GOALS.items()}, "import": ">= 30,000/s"}
    goals["import peak memory"] = "<= 200 MB"
    load = os.getloadavg()[0]
    print(f"\nmedian of {args.runs} runs; load average {load:.1f} on {os.cpu_count()} CPUs")
    header = f"{'':<28}" + "".join(f"{f'{n:,}':>14}" for n in results) + "   goal"
    print(header)
    for name in names:
        cells = "".join(f"{results[n][name]:>14}" for n in results)
        print(f"{name:<28}{cells}   {goals.get(name, '')}")


if __name__ == "__main__":
    main()
