"""`quiz optimize`: FSRS parameters fitted to the learner's own review log.

The fit is the `fsrs` package's optimizer, which needs torch, so it runs in a child
process (`quiz.optimize_child`): this module, like the TUI, never imports torch. The
fitted and the default parameters are then judged here, on the same log, by log-loss and
RMSE of FSRS's predicted recall against what happened.

What counts as a review for the fit is what the package's optimizer counts: the first
MAX_REVIEWS_PER_CARD scheduled reviews of each card, leaving out each card's first review
and any review on the same study day as the card's previous one (nothing was forgotten
in between). Below MIN_REVIEWS of those the package quietly returns its defaults, so quiz
refuses instead and says how many more are needed.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from quiz.errors import QuizError
from quiz.schedulers import convert_rating, make_scheduler

MIN_REVIEWS = 512
"""The package's mini-batch: below this many counted reviews it fits nothing."""
MAX_REVIEWS_PER_CARD = 64
"""The package's optimizer reads only each card's first 64 reviews."""
FIT_TIMEOUT_S = 1800

History = list[tuple[date, int]]
"""One card's scheduled reviews: (study day, FSRS rating), in order."""


@dataclass(frozen=True)
class Accuracy:
    """How well parameters predict recall on a log: lower is better for both."""

    log_loss: float
    rmse: float


@dataclass(frozen=True)
class Fit:
    reviews: int
    """Reviews the fit learned from and was judged on."""
    questions: int
    parameters: tuple[float, ...]
    fitted: Accuracy
    default: Accuracy


def histories(log: Iterable[tuple[str, str, int, date]]) -> dict[str, History]:
    """Each card's scheduled reviews on FSRS's scale, from a store's `scheduled_log`."""
    cards: dict[str, History] = {}
    for question_id, logged_under, rating, day in log:
        cards.setdefault(question_id, []).append(
            (day, convert_rating(rating, logged_under, "fsrs"))
        )
    return cards


def counted_reviews(cards: dict[str, History]) -> int:
    """Reviews the package's optimizer learns from: see the module docstring."""
    return sum(
        1
        for history in cards.values()
        for (before, _), (day, _) in zip(history, history[1:MAX_REVIEWS_PER_CARD], strict=False)
        if day > before
    )


def accuracy(cards: dict[str, History], parameters: Sequence[float] | None = None) -> Accuracy:
    """Log-loss and RMSE of the recall FSRS predicts with `parameters` (its defaults unless
    given), over the counted reviews, each card replayed as quiz schedules it (whole days,
    no learning steps)."""
    scheduler = make_scheduler("fsrs", parameters=parameters)
    losses, squares = [], []
    for history in cards.values():
        state = scheduler.new_state()
        previous: date | None = None
        for day, rating in history[:MAX_REVIEWS_PER_CARD]:
            if previous is not None and day > previous:
                recalled = rating != 1
                chance = scheduler.figures(state, day)["retrievability"]
                p = min(max(chance, 1e-6), 1 - 1e-6)
                losses.append(-math.log(p if recalled else 1 - p))
                squares.append((recalled - p) ** 2)
            state = scheduler.review(state, rating, day)
            previous = day
    if not losses:
        return Accuracy(math.nan, math.nan)
    return Accuracy(sum(losses) / len(losses), math.sqrt(sum(squares) / len(squares)))


def fit_parameters(cards: dict[str, History]) -> tuple[float, ...]:
    """The package optimizer's parameters for `cards`, computed in a child process."""
    payload = json.dumps(
        [[[day.isoformat(), rating] for day, rating in history] for history in cards.values()]
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "quiz.optimize_child"],
            input=payload,
            capture_output=True,
            text=True,
            timeout=FIT_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise QuizError(f"the FSRS fit took over {FIT_TIMEOUT_S // 60} minutes; stopped") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise QuizError(f"the FSRS optimizer failed: {last}")
    return tuple(float(p) for p in json.loads(done.stdout))


def optimize(log: Iterable[tuple[str, str, int, date]]) -> Fit:
    """Fit FSRS to `log` (a store's `scheduled_log`) and judge the fit against the
    defaults; raise QuizError, saying how many more are needed, on too few reviews."""
    cards = histories(log)
    reviews = counted_reviews(cards)
    if reviews < MIN_REVIEWS:
        raise QuizError(
            f"too few reviews to fit FSRS: it needs {MIN_REVIEWS} reviews of a card on a later "
            f"day than its previous one, and the log has {reviews}, so {MIN_REVIEWS - reviews} more"
        )
    parameters = fit_parameters(cards)
    return Fit(
        reviews=reviews,
        questions=len(cards),
        parameters=parameters,
        fitted=accuracy(cards, parameters),
        default=accuracy(cards),
    )
