"""The child process of `quiz optimize`: the `fsrs` package's optimizer, which needs torch.

Reads each card's reviews as JSON on stdin ([[study day, FSRS rating], ...] per card) and
writes the fitted parameters as a JSON list on stdout. A study day is handed over as
midnight UTC, as quiz's FSRS does, so days between reviews are exactly study days.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, time


def main() -> None:
    from fsrs import Rating, ReviewLog
    from fsrs.optimizer import Optimizer

    cards = json.load(sys.stdin)
    logs = [
        ReviewLog(
            card_id=card_id,
            rating=Rating(rating),
            review_datetime=datetime.combine(date.fromisoformat(day), time(), UTC),
            review_duration=None,
        )
        for card_id, history in enumerate(cards, start=1)
        for day, rating in history
    ]
    json.dump(Optimizer(logs).compute_optimal_parameters(), sys.stdout)


if __name__ == "__main__":
    main()
