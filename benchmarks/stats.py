"""Time the statistics over a year of heavy study: `quiz stats --json` and the Stats screen.

Generates a 500-question recall bank and a year of SM-2 history ending today (every
answer's states follow the scheduler exactly; study days roll over at 04:00), imports
it with `quiz import`, then times `quiz stats --json` in a fresh process, as a learner
runs it, and the Stats screen from being pushed to its figures on screen.

A learner who recalls nearly 90% of the cards due answers about 9,500 times a year over
500 cards (scheduled reviews and same-day drills); SM-2 asks for no more. The rest of
the requested answers are cram, practice outside the schedule, spread over the year.
The slowest case, the same log with every answer a scheduled review, is timed as well.

    python benchmarks/stats.py [--answers 100000] [--questions 500] [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from quiz.schedulers import ScheduleState, make_scheduler
from quiz.session import study_day, utc_timestamp

SM2 = make_scheduler("sm2")
"""The scheduler every simulated answer is graded by."""

NEW_PER_DAY = 10
DAY_STARTS_AT = 4
TARGETS = {"stats --json": 1.0, "Stats screen": 0.5}


def write_bank(path: Path, questions: int) -> list[str]:
    ids = [f"q{n:03d}" for n in range(1, questions + 1)]
    lines = ["bank: bench", "title: Benchmark bank", "questions:"]
    for number, qid in enumerate(ids, start=1):
        lines += [
            f"  - id: {qid}",
            f"    number: {number}",
            "    kind: recall",
            f"    prompt: What is fact {number}?",
            f"    answer: Fact {number} is the {number}th fact.",
            "    key_points: [the fact, its number]",
            "    tags: [bench]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


class Learner:
    """Grades drawn from each card's own difficulty; answers timed and stamped in order."""

    def __init__(self, ids: list[str], rng: random.Random):
        self.rng = rng
        self.difficulty = {qid: rng.random() for qid in ids}
        self.states: dict[str, ScheduleState] = {}
        self.records: list[dict] = []
        self.clock = datetime.min

    def grade(self, qid: str, practice: bool = False) -> int:
        hard = self.difficulty[qid]
        state = self.states.get(qid, SM2.new_state())
        if practice:
            miss = 0.1 + 0.2 * hard
        elif state.is_new:
            miss = 0.35
        else:
            miss = (0.05 + 0.15 * hard) * (0.6 if state.interval >= 21 else 1.0)
        if self.rng.random() < miss:
            return self.rng.choice((0, 1, 2))
        return self.rng.choices((3, 4, 5), (1 + 2 * hard, 3, 3 - 2 * hard))[0]

    def answer(self, qid: str, kind: str, grade: int, before: ScheduleState | None = None) -> None:
        """Log one answer; a scheduled review moves the card on, as the session would."""
        before = before or self.states.get(qid, SM2.new_state())
        today = study_day(self.clock, DAY_STARTS_AT)
        after = SM2.review(before, grade, today) if kind == "review" else before
        if kind == "review":
            self.states[qid] = after
        seconds = round(self.rng.uniform(*((3.0, 12.0) if kind == "cram" else (4.0, 45.0))), 1)
        self.records.append(
            {
                "bank": "bench",
                "question_id": qid,
                "reviewed_at": utc_timestamp(self.clock.astimezone()),
                "day": today.isoformat(),
                "grade": grade,
                "kind": kind,
                "answer": "",
                "duration_s": seconds,
                "check_runs": None,
                "first_run_passed": None,
                "state_before": before.to_dict(),
                "state_after": after.to_dict(),
            }
        )
        self.clock += timedelta(seconds=seconds + self.rng.uniform(1.0, 6.0))


def simulate(ids: list[str], answers: int, last_day: date, seed: int = 4) -> list[dict]:
    """A year of daily sessions (due cards, new cards, drills until 4), then cram to fill.

    The scheduled year is played first; the cram that makes up the requested count is
    spread over the days after it, each known card at most once a day.
    """
    rng = random.Random(seed)
    learner = Learner(ids, rng)
    unseen = list(ids)
    days = 365
    sessions: list[tuple[datetime, dict[str, ScheduleState]]] = []
    for offset in range(days):
        day = last_day - timedelta(days=days - 1 - offset)
        # Sessions start in the evening; the late ones run past midnight.
        learner.clock = datetime.combine(day, datetime.min.time()) + timedelta(
            hours=rng.choice((19, 20, 21, 23)), minutes=rng.randint(0, 59)
        )
        due = sorted(q for q, s in learner.states.items() if s.due <= day)
        new, unseen[:NEW_PER_DAY] = unseen[:NEW_PER_DAY], []
        drills = []
        for qid in due + new:
            grade = learner.grade(qid)
            learner.answer(qid, "review", grade)
            if grade < 4:
                drills.append(qid)
        while drills:
            qid = drills.pop(0)
            grade = learner.grade(qid, practice=True)
            learner.answer(qid, "drill", grade)
            if grade < 4:
                drills.append(qid)
        sessions.append((learner.clock, dict(learner.states)))
    left = max(0, answers - len(learner.records))
    for index, (clock, states) in enumerate(sessions):
        cram = min(math.ceil(left / (days - index)), len(states))
        left -= cram
        learner.clock = clock
        for qid in rng.sample(sorted(states), cram):
            learner.answer(qid, "cram", learner.grade(qid, practice=True), states[qid])
    learner.records.sort(key=lambda r: r["reviewed_at"])
    return learner.records


class Run(NamedTuple):
    """Wall-clock seconds, and CPU seconds, which other load on the machine barely moves."""

    wall: float
    cpu: float


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def quiz(env: dict, *args: str) -> tuple[Run, str]:
    exe = Path(sys.executable).with_name("quiz")
    start, cpu = time.perf_counter(), child_cpu()
    done = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, check=True)
    return Run(time.perf_counter() - start, child_cpu() - cpu), done.stdout


async def time_screen(bank_path: Path, db_path: Path, runs: int) -> list[tuple[Run, Run]]:
    """From push to the overview's figures shown; then from opening the question tab
    to its table filled."""
    from textual.app import App
    from textual.widgets import DataTable, TabbedContent

    from quiz.bank import load_bank
    from quiz.settings import Settings
    from quiz.store import open_store
    from quiz.tui.screens.stats import StatsScreen

    settings = Settings(bank_path=bank_path, db_path=db_path)
    bank, store = load_bank(bank_path), open_store(db_path)
    timings = []
    app = App()
    async with app.run_test(size=(120, 50)) as pilot:
        for _ in range(runs):
            start, cpu = time.perf_counter(), time.process_time()
            screen = StatsScreen(settings, bank, store)
            await app.push_screen(screen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.stats is not None
            shown = Run(time.perf_counter() - start, time.process_time() - cpu)
            start, cpu = time.perf_counter(), time.process_time()
            screen.query_one(TabbedContent).active = "stats-every-question"
            await pilot.pause()
            assert screen.query_one("#stats-questions", DataTable).row_count == len(bank)
            timings.append((shown, Run(time.perf_counter() - start, time.process_time() - cpu)))
            # Let the popped screen's teardown finish outside the next measurement.
            await pilot.press("escape")
            await pilot.pause()
            gc.collect()
    return timings


def in_process_breakdown(bank_path: Path, db_path: Path) -> dict[str, float]:
    from quiz.bank import load_bank
    from quiz.settings import Settings
    from quiz.stats import compute_stats
    from quiz.stats_report import read_log, stats_json
    from quiz.store import open_store

    today = Settings(bank_path=bank_path, db_path=db_path).today()
    marks = {}
    start = time.perf_counter()
    bank = load_bank(bank_path)
    marks["load bank"] = time.perf_counter() - start
    store = open_store(db_path)
    start = time.perf_counter()
    log = read_log(store, "bench", today)
    marks["SQL: read the log"] = time.perf_counter() - start
    start = time.perf_counter()
    stats = compute_stats(log, bank, store.card_states("bench"), today)
    marks["figures"] = time.perf_counter() - start
    start = time.perf_counter()
    json.dumps(stats_json(stats, bank))
    marks["JSON"] = time.perf_counter() - start
    return marks


def every_answer_scheduled(db_path: Path, into: Path) -> Path:
    """A copy of the log where every answer is a scheduled review: the slowest case."""
    shutil.copyfile(db_path, into)
    with sqlite3.connect(into) as conn:
        conn.execute("UPDATE reviews SET kind = 'review'")
    from quiz.store import open_store

    open_store(into).rebuild_totals()
    return into


def summary(runs: list[Run], target: float | None = None) -> str:
    wall, cpu = [r.wall for r in runs], [r.cpu for r in runs]
    line = (
        f"wall median {statistics.median(wall):.3f} (min {min(wall):.3f}, max {max(wall):.3f}),"
        f" CPU median {statistics.median(cpu):.3f}"
    )
    if target is not None:
        verdict = "ok" if statistics.median(wall) <= target else "OVER"
        line += f"  [target {target}: {verdict}]"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="work in DIR and keep the files")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        bank_path, db_path, log_path = work / "bank.yaml", work / "bench.db", work / "log.jsonl"
        env = {**os.environ, "QUIZ_BANK": str(bank_path), "QUIZ_DB": str(db_path)}
        env["QUIZ_DAY_STARTS_AT"] = str(DAY_STARTS_AT)
        today = study_day(datetime.now(), DAY_STARTS_AT)

        start = time.perf_counter()
        ids = write_bank(bank_path, args.questions)
        records = simulate(ids, args.answers, today)
        with log_path.open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(r) + "\n" for r in records)
        kinds = {k: sum(r["kind"] == k for r in records) for k in ("review", "drill", "cram")}
        print(f"generated {len(records)} answers over {len(ids)} questions: {kinds}")
        print(f"  {time.perf_counter() - start:.1f} s, log {log_path.stat().st_size / 1e6:.1f} MB")
        if db_path.exists():
            db_path.unlink()
        run, out = quiz(env, "import", str(log_path))
        print(f"{out.strip()} in {run.wall:.1f} s")

        timings = [quiz(env, "stats", "--json")[0] for _ in range(args.runs)]
        figures = json.loads(quiz(env, "stats", "--json")[1])
        screen = asyncio.run(time_screen(bank_path, db_path, args.runs))
        worst_env = {**env, "QUIZ_DB": str(every_answer_scheduled(db_path, work / "worst.db"))}
        worst = [quiz(worst_env, "stats", "--json")[0] for _ in range(args.runs)]
        floor = [quiz(env, "--help")[0] for _ in range(args.runs)]

        print("\nfigures")
        print(f"  today:     {figures['studied_today']}")
        print(f"  streak:    {figures['streak']}")
        print(f"  cards:     {figures['cards']}")
        for window in figures["retention"]:
            young, mature = window["young"], window["mature"]
            print(
                f"  retention {window['days']:>3} days: young {young['ratio']} of {young['total']},"
                f" mature {mature['ratio']} of {mature['total']}"
            )
        print(f"  due next 7 days: {[d['due'] for d in figures['forecast'][:7]]}")
        print(f"  hardest:   {figures['hardest'][:5]}")
        print("\nin-process breakdown of one run (s)")
        for name, value in in_process_breakdown(bank_path, db_path).items():
            print(f"  {name:<20} {value:.3f}")
        load, cpus = os.getloadavg()[0], os.cpu_count()
        print(f"\ntimings over {args.runs} runs (s), load average {load:.1f} on {cpus} CPUs")
        print(f"  quiz stats --json            {summary(timings, TARGETS['stats --json'])}")
        overview = summary([shown for shown, _ in screen], TARGETS["Stats screen"])
        print(f"  Stats screen, overview       {overview}")
        print(f"  Stats screen, question tab   {summary([table for _, table in screen])}")
        print(f"  stats --json, all scheduled  {summary(worst)}")
        print(f"  quiz --help (start-up floor) {summary(floor)}")


if __name__ == "__main__":
    main()
