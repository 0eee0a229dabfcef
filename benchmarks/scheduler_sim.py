"""Which scheduler to pick: a simulated year of daily study under SM-2, FSRS with its
default parameters, and FSRS with parameters optimised on the simulated learner's log.

The learner's memory follows neither scheduler's model but half-life regression
(Settles & Meeder, "A Trainable Spaced Repetition Model for Language Learning", ACL 2016):
a question last seen `t` days ago is recalled with probability 2 ** (-t / h), its half-life

    h = 2 ** (THETA_BIAS + THETA_RIGHT * sqrt(1 + right) - THETA_WRONG * sqrt(1 + wrong) - d)

in days, where `right` and `wrong` count the learner's past recalls and lapses of that
question and `d` is the question's own difficulty, drawn once per seed (normal, mean
DIFFICULTY_MEAN, spread DIFFICULTY_SD; coding questions a little harder). Recall is
drawn at random; a recalled answer is graded by how sure it was (probability of recall
over 0.9: easy, over 0.6: good, else hard), and the same answer is given to both
schedulers on their own scale (SM-2 5/4/3, FSRS Easy/Good/Hard; a lapse is SM-2 1,
FSRS Again).

Each seed studies the bank's 39 questions for a year: up to NEW_PER_DAY new questions a
day, then every card due. Same-day drills are not simulated; every review counted is a
scheduled one. "FSRS optimised" fits the `fsrs` package's optimizer (as `quiz optimize`
does, in a child process) to this seed's SM-2 and default-FSRS years together (a year
of one 39-card scheduler alone is close to the optimizer's 512-review minimum), then
studies the same year again with the fitted parameters.

Figures per scheduler, averaged over the seeds: scheduled reviews per day, retention at
the end (mean probability of recall of the 39 questions on the last day), and reviews
per question remembered (all reviews over the expected number recalled on the last day).

    python benchmarks/scheduler_sim.py [--seeds 5] [--days 365]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta

from quiz.bank import load_bank
from quiz.optimize import counted_reviews, fit_parameters, histories
from quiz.paths import default_bank_path
from quiz.schedulers import make_scheduler

THETA_BIAS = 0.0
THETA_RIGHT = 2.0
THETA_WRONG = 1.0
DIFFICULTY_MEAN = 0.5
DIFFICULTY_SD = 0.6
CODE_EXTRA = 0.5
NEW_PER_DAY = 10
START = date(2026, 1, 5)
# (recalled, sure) -> rating on each scale
SM2_GRADES = {"easy": 5, "good": 4, "hard": 3, "lapse": 1}
FSRS_RATINGS = {"easy": 4, "good": 3, "hard": 2, "lapse": 1}


@dataclass
class Memory:
    """What the simulated learner holds of one question."""

    difficulty: float
    right: int = 0
    wrong: int = 0
    last_seen: date | None = None

    def half_life(self) -> float:
        exponent = (
            THETA_BIAS
            + THETA_RIGHT * math.sqrt(1 + self.right)
            - THETA_WRONG * math.sqrt(1 + self.wrong)
            - self.difficulty
        )
        return 2.0**exponent

    def recall(self, day: date) -> float:
        if self.last_seen is None:
            return 0.0
        return 2.0 ** (-(day - self.last_seen).days / self.half_life())


@dataclass
class Year:
    reviews: int
    days: int
    retention: float
    questions: int
    log: list[tuple[str, str, int, date]]

    @property
    def per_day(self) -> float:
        return self.reviews / self.days

    @property
    def per_remembered(self) -> float:
        return self.reviews / (self.retention * self.questions)


def difficulties(questions, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {
        q.id: rng.gauss(DIFFICULTY_MEAN, DIFFICULTY_SD) + (CODE_EXTRA if q.is_code else 0.0)
        for q in questions
    }


def study_year(questions, difficulty, scheduler, seed: int, days: int) -> Year:
    """One learner, one scheduler, `days` days; the same seed draws the same luck."""
    rng = random.Random(seed * 7919 + 1)
    scale = SM2_GRADES if scheduler.name == "sm2" else FSRS_RATINGS
    memory = {q.id: Memory(difficulty[q.id]) for q in questions}
    states: dict[str, object] = {}
    log = []
    for offset in range(days):
        day = START + timedelta(days=offset)
        due = [qid for qid, state in states.items() if state.due <= day]
        new = [q.id for q in questions if q.id not in states][:NEW_PER_DAY]
        for qid in due + new:
            mind = memory[qid]
            if mind.last_seen is None:
                answer = "hard"  # first sight: read the answer, then grade it as learned
            else:
                p = mind.recall(day)
                if rng.random() < p:
                    mind.right += 1
                    answer = "easy" if p > 0.9 else "good" if p > 0.6 else "hard"
                else:
                    mind.wrong += 1
                    answer = "lapse"
            mind.last_seen = day
            rating = scale[answer]
            states[qid] = scheduler.review(states.get(qid, scheduler.new_state()), rating, day)
            log.append((qid, scheduler.name, rating, day))
    last = START + timedelta(days=days - 1)
    retention = statistics.fmean(m.recall(last) for m in memory.values())
    return Year(len(log), days, retention, len(questions), log)


def spread(values, form: str) -> str:
    """Mean ± standard deviation over the seeds."""
    values = list(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{form.format(statistics.fmean(values))} ± {form.format(sd)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    questions = list(load_bank(default_bank_path()))
    names = ("SM-2", "FSRS default", "FSRS optimised")
    years: dict[str, list[Year]] = {name: [] for name in names}
    started = time.perf_counter()
    for seed in range(1, args.seeds + 1):
        difficulty = difficulties(questions, seed)
        sm2 = study_year(questions, difficulty, make_scheduler("sm2"), seed, args.days)
        default = study_year(questions, difficulty, make_scheduler("fsrs"), seed, args.days)
        # One fit per seed on both years, each year's cards kept apart.
        both = [(f"sm2:{q}", s, r, d) for q, s, r, d in sm2.log]
        both += [(f"fsrs:{q}", s, r, d) for q, s, r, d in default.log]
        cards = histories(both)
        parameters = fit_parameters(cards)
        fitted = make_scheduler("fsrs", parameters=parameters)
        optimised = study_year(questions, difficulty, fitted, seed, args.days)
        for name, year in zip(names, (sm2, default, optimised), strict=True):
            years[name].append(year)
        print(
            f"seed {seed}: fitted on {counted_reviews(cards)} reviews; "
            + ", ".join(
                f"{n} {y.reviews} reviews, {y.retention:.1%}"
                for n, y in zip(names, (sm2, default, optimised), strict=True)
            ),
            flush=True,
        )
    print()
    print(f"{len(questions)} questions, {args.days} days, {args.seeds} seeds (mean ± sd)")
    print(f"{'scheduler':<16}{'reviews/day':>16}{'retention at end':>20}{'reviews/remembered':>22}")
    for name in names:
        runs = years[name]
        print(
            f"{name:<16}"
            f"{spread((y.per_day for y in runs), '{:.2f}'):>16}"
            f"{spread((100 * y.retention for y in runs), '{:.1f}'):>18} %"
            f"{spread((y.per_remembered for y in runs), '{:.1f}'):>22}"
        )
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
