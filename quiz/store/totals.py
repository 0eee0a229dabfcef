"""The totals kept beside the log, so no screen or command reads the whole log: each
card's scheduled reviews totalled (`question_totals`) and each study day's answers and
true-retention counts (`day_totals`), worked out in SQL.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from quiz.schedulers import MATURE_INTERVAL, passing_from, scheduler_names
from quiz.store.database import Database


def total_everything(db: Database, passes: str) -> None:
    """Work every card's and every day's totals out again from the whole log."""
    for table, query in (("question_totals", QUESTION_TOTALS), ("day_totals", DAY_TOTALS)):
        db.execute(f"DELETE FROM {table}")
        db.execute(query.format(where="1", passes=passes))


SM2_PASSES = f"grade >= {passing_from('sm2')}"
"""Whether a review passed, while every review was SM-2's (before m004 named them)."""


def passes() -> str:
    """Whether a review passed, in SQL: its grade reaches its own scheduler's lowest passing
    rating (`quiz.schedulers.passing_from`). Built on first use, so FSRS loads only then."""
    return _passes_among(scheduler_names())


@lru_cache(maxsize=4)
def _passes_among(names: tuple[str, ...]) -> str:
    floors = " ".join(f"WHEN '{name}' THEN {passing_from(name)}" for name in names)
    return f"grade >= CASE scheduler {floors} END"


# Both statements total the log's rows matching `where`, with `passes` deciding a pass,
# and replace the totals they cover. They are the one definition, in SQL, of what
# `quiz.scheduled_totals.reduce_scheduled` does.
QUESTION_TOTALS = (
    "INSERT OR REPLACE INTO question_totals SELECT bank, question_id, COUNT(*),"
    " TOTAL(NOT ({passes}) AND json_extract(state_before, '$.repetitions') > 0),"
    " (SELECT l.grade FROM reviews l WHERE l.bank = r.bank AND l.question_id = r.question_id"
    "  AND l.kind = 'review' ORDER BY l.reviewed_at DESC, l.id DESC LIMIT 1),"
    " TOTAL(duration_s), COUNT(duration_s), COUNT(first_run_passed), TOTAL(first_run_passed)"
    " FROM reviews r WHERE kind = 'review' AND {where} GROUP BY bank, question_id"
)
DAY_TOTALS = (
    "INSERT OR REPLACE INTO day_totals SELECT bank, day, answers,"
    " COALESCE(young_passed, 0), COALESCE(young_total, 0),"
    " COALESCE(mature_passed, 0), COALESCE(mature_total, 0)"
    " FROM (SELECT bank, day, COUNT(*) AS answers FROM reviews INDEXED BY idx_reviews_bank_day"
    " WHERE {where} GROUP BY bank, day)"
    " LEFT JOIN (SELECT bank, day,"
    f" TOTAL(counted AND interval < {MATURE_INTERVAL} AND passed) AS young_passed,"
    f" TOTAL(counted AND interval < {MATURE_INTERVAL}) AS young_total,"
    f" TOTAL(counted AND interval >= {MATURE_INTERVAL} AND passed) AS mature_passed,"
    f" TOTAL(counted AND interval >= {MATURE_INTERVAL}) AS mature_total"
    " FROM (SELECT bank, day, {passes} AS passed, ROW_NUMBER() OVER"
    "  (PARTITION BY bank, question_id, day ORDER BY reviewed_at, id) = 1"
    "  AND json_extract(state_before, '$.repetitions') > 0 AS counted,"
    "  json_extract(state_before, '$.interval') AS interval"
    "  FROM reviews WHERE kind = 'review' AND {where})"
    " GROUP BY bank, day) USING (bank, day)"
)
"""Only scheduled reviews count toward retention, so only they are ranked and decoded."""


def total(db: Database, table: str, query: str, where: str, params: list[Any]) -> None:
    """Replace the totals in `table` that cover the log's rows matching `where`."""
    db.execute(f"DELETE FROM {table} WHERE {where}", params)
    db.execute(query.format(where=where, passes=passes()), params * query.count("{where}"))
