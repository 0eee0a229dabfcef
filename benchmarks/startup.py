"""Start-up to the first question, in a fresh interpreter each time; the budget is 0.6 s.

Two cases: the bundled bank on an empty database, and a generated 500-question bank with a
100,000-answer history (built through the store's import API). Each run is a new process
that loads the bank (from its parsed copy, as every start after a learner's first does),
opens the store, shows Home (headless, 80x24) and waits for it to settle, presses Enter,
and notes the first frame written with the question on it (`first_question`, the figure
the budget is for) and the moment the app is idle again (`settled`: Textual fills the
footer's keys in just after the first frame). Prints the median and best of several runs.

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

BUDGET_S = 0.6
QUESTIONS = 500
REVIEWS = 100_000

CHILD = r"""
import json, os, sys, time
t0 = float(os.environ["QUIZ_BENCH_T0"])
marks = {"interpreter": time.time() - t0}
start = time.perf_counter()

def mark(name):
    marks[name] = time.time() - t0

from quiz.bank import load_bank
from quiz.settings import Settings
from quiz.store import open_store
from quiz.tui.app import create_app
mark("imports")
settings = Settings.from_environment()
bank = load_bank(settings.bank_path)
mark("bank")
store = open_store(settings.db_path)
mark("store")
app = create_app(settings, bank, store)
mark("app")

import asyncio
from textual.screen import Screen

_frame = Screen._compositor_refresh

def frame(screen):
    # Each call writes a frame to the terminal: the first with a question on it is the mark.
    _frame(screen)
    if "first_question" not in marks and getattr(screen, "question", None) is not None:
        mark("first_question")

Screen._compositor_refresh = frame

async def painted(ready):
    # Wait until ready() holds, then for the screen refresh that follows it.
    while not ready():
        await asyncio.sleep(0.001)
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()

async def drive(pilot):
    await painted(lambda: type(app.screen).__name__ == "HomeScreen")
    mark("home")
    await pilot.press("enter")
    await painted(lambda: getattr(app.screen, "question", None) is not None)
    mark("settled")
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=drive)
app.close_checker()
marks["torch_loaded"] = "torch" in sys.modules
print(json.dumps(marks))
"""


def generate_bank(path: Path) -> None:
    lines = ["bank: generated", "title: A generated bank of 500 questions", "questions:"]
    for n in range(1, QUESTIONS + 1):
        lines += [
            f"  - id: question-{n}",
            f"    number: {n}",
            "    kind: recall",
            f"    prompt: What is fact number {n} about gradient descent and its learning rate?",
            f"    answer: Fact {n} says the step is the gradient times the learning rate.",
            "    key_points: [the gradient, times the learning rate]",
            "    tags: [generated, sgd]",
        ]
    path.write_text("\n".join(lines) + "\n")


def generate_history(db: Path, bank_path: Path) -> None:
    """REVIEWS answers spread over the bank, each question's run graded by real SM-2."""
    from quiz.bank import load_bank
    from quiz.schedulers import make_scheduler
    from quiz.session import study_day, utc_timestamp
    from quiz.store import Review, open_store

    sm2 = make_scheduler("sm2")

    bank = load_bank(bank_path)
    store = open_store(db)
    rng = random.Random(4)
    per_question = REVIEWS // QUESTIONS
    today = study_day(datetime.now())
    reviews = []
    for q in bank:
        state = sm2.new_state()
        first = today - timedelta(days=2 * per_question + rng.randrange(30))
        for i in range(per_question):
            day = first + timedelta(days=2 * i)
            # A lapse now and then, and always after long intervals, keeps dates in range.
            grade = 1 if state.interval > 90 else rng.choice((1, 3, 4, 4, 5, 5))
            after = sm2.review(state, grade, day)
            moment = datetime.combine(day, datetime.min.time()) + timedelta(
                hours=9, seconds=q.number
            )
            reviews.append(
                Review(
                    bank=bank.name,
                    question_id=q.id,
                    reviewed_at=utc_timestamp(moment),
                    day=day.isoformat(),
                    grade=grade,
                    kind="review",
                    state_before=state,
                    state_after=after,
                    answer="an answer",
                    duration_s=20.0,
                )
            )
            state = after
    store.import_reviews(reviews)


def run_case(name: str, env: dict, runs: int) -> dict:
    """Time `runs` starts after one unmeasured start, which fills the bank's parsed copy
    the way a learner's first start does."""
    results = []
    for attempt in range(runs + 1):
        child_env = {**os.environ, **env, "QUIZ_BENCH_T0": repr(time.time())}
        proc = subprocess.run(
            [sys.executable, "-c", CHILD], env=child_env, capture_output=True, text=True
        )
        if proc.returncode != 0:
            sys.exit(f"{name}: the app failed to start:\n{proc.stderr}")
        if attempt:
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {"name": name, "runs": results}


def report(case: dict) -> bool:
    runs = case["runs"]
    stages = ["interpreter", "imports", "bank", "store", "app", "home", "first_question", "settled"]
    print(f"\n{case['name']}  ({len(runs)} runs, seconds since the process was spawned)")
    for stage in stages:
        values = [r[stage] for r in runs]
        print(f"  {stage:<15} median {statistics.median(values):6.3f}   best {min(values):6.3f}")
    first = statistics.median(r["first_question"] for r in runs)
    ok = first <= BUDGET_S
    torch = any(r["torch_loaded"] for r in runs)
    verdict = "within" if ok else "OVER"
    print(f"  -> first question after {first:.3f} s: {verdict} the {BUDGET_S} s budget")
    print(f"  -> torch imported by the app process: {'YES (bug)' if torch else 'no'}")
    return ok and not torch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    repo = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(repo))
    # An installed quiz has its bytecode compiled by pip; a checkout may hold stale .pyc files
    # that PYTHONDONTWRITEBYTECODE keeps from being refreshed, so compile them first.
    compileall.compile_dir(repo / "quiz", quiet=1)
    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as scratch:
        scratch = Path(scratch)
        empty_db = scratch / "empty.db"
        big_bank, big_db = scratch / "bank500.yaml", scratch / "history.db"
        started = time.perf_counter()
        generate_bank(big_bank)
        generate_history(big_db, big_bank)
        print(
            f"generated {QUESTIONS} questions and {REVIEWS:,} reviews "
            f"in {time.perf_counter() - started:.1f} s"
        )
        cases = [
            run_case(
                "bundled bank, empty database",
                {"QUIZ_DB": str(empty_db), "QUIZ_DATA_DIR": str(scratch)},
                args.runs,
            ),
            run_case(
                f"{QUESTIONS}-question bank, {REVIEWS:,}-review history",
                {"QUIZ_DB": str(big_db), "QUIZ_BANK": str(big_bank), "QUIZ_DATA_DIR": str(scratch)},
                args.runs,
            ),
        ]
        results = [report(case) for case in cases]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
