"""Adding another log's answers to this one: streamed in one transaction, in order of
instant, each answer once, with the cards and totals they touch brought up to date."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from quiz.store.connection import Connection
from quiz.store.rows import REVIEW_FIELDS, Review, utc_instant
from quiz.store.totals import DAY_TOTALS, QUESTION_TOTALS, total

IMPORT_CACHE_KIB = 32 * 1024
"""The page cache an import may use, so the log's indexes stay in memory as they grow."""
IMPORT_TOUCHED_KEPT = 100_000
"""How many cards and days an import notes as it goes before it reads them back instead."""
IMPORT_ORDER_WINDOW = 10_000
"""How far out of place an answer may arrive for an import to put it in order as it goes."""


class LogImport(Connection):
    """Imports into the `reviews` table, which write the cards and totals in SQL."""

    def import_reviews(self, reviews: Iterable[Review]) -> int:
        """Add answers from another log, skipping ones already present; all or nothing."""
        return self.import_rows(
            (*values[:2], utc_instant(values[2]), *values[3:])
            for values in (review.to_values() for review in reviews)
        )

    def import_rows(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Add answers from another log, skipping ones already present; all or nothing.

        Each row is an answer as `Review.to_values` gives it, its instant in UTC
        (`utc_instant`). The rows stream straight into the log in one transaction, so any
        size of log takes the same memory, and an error raised while they stream writes
        nothing. Instants are compared in UTC, so the same answer written with another
        offset is the same answer; new ones join the log in order of instant. Each card
        then takes the state after its latest scheduled review, by instant, whether that
        came from the import or was already here, and its totals and its days' are worked
        out again.
        """
        names = ", ".join(REVIEW_FIELDS)
        values = ", ".join(f"?{n}" for n in range(1, len(REVIEW_FIELDS) + 1))
        insert = f"INSERT INTO reviews ({names}) VALUES ({values})"
        # One answer is the same as another with the same card, instant and kind.
        insert_unless_present = (
            f"INSERT INTO reviews ({names}) SELECT {values} WHERE NOT EXISTS (SELECT 1"
            " FROM reviews WHERE bank = ?1 AND question_id = ?2 AND reviewed_at = ?3"
            " AND kind = ?6)"
        )
        in_order = _InOrder(rows, IMPORT_ORDER_WINDOW)
        instant = itemgetter(2)
        touched = _Touched()
        with self._writing():
            conn = self.db.conn
            first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM reviews").fetchone()[0]
            # Only an answer no later than the log's latest can already be in it.
            latest = conn.execute("SELECT MAX(reviewed_at) FROM reviews").fetchone()[0] or ""
            cache = conn.execute("PRAGMA main.cache_size").fetchone()[0]
            conn.execute(f"PRAGMA main.cache_size = {-IMPORT_CACHE_KIB}")
            try:
                added = 0
                # Repeats within the file share an instant, so in order they are neighbours.
                moment: str | None = None
                at_moment: list[tuple[str, str, str]] = []
                for batch in in_order:
                    touched.note(batch)
                    old = bisect_right(batch, latest, key=instant)
                    if old:
                        added += conn.executemany(insert_unless_present, batch[:old]).rowcount
                    new = []
                    for row in batch[old:]:
                        key = (row[0], row[1], row[5])
                        if row[2] != moment:
                            moment, at_moment = row[2], [key]
                        elif key in at_moment:
                            continue
                        else:
                            at_moment.append(key)
                        new.append(row)
                    added += conn.executemany(insert, new).rowcount
                if not in_order.so_far:
                    added = self._put_in_order(first)
                self._bring_up_to_date(first, touched)
            finally:
                conn.execute(f"PRAGMA main.cache_size = {cache}")
                for table in ("touched_cards", "touched_days", "reordered"):
                    conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        return added

    def _put_in_order(self, first: int) -> int:
        """Number the answers from id `first` on again in order of instant, each once:
        for an import whose answers came further out of order than it could sort as they
        arrived. Return how many there are."""
        names = ", ".join(REVIEW_FIELDS)
        self.db.execute(
            f"CREATE TEMP TABLE reordered AS SELECT {names} FROM reviews WHERE id IN"
            " (SELECT MIN(id) FROM reviews WHERE id >= ?"
            "  GROUP BY bank, question_id, reviewed_at, kind)"
            " ORDER BY reviewed_at, id",
            [first],
        )
        self.db.execute("DELETE FROM reviews WHERE id >= ?", [first])
        return self.db.execute(
            f"INSERT INTO reviews ({names}) SELECT {names} FROM temp.reordered ORDER BY rowid"
        ).rowcount

    def _bring_up_to_date(self, first: int, touched: _Touched) -> None:
        """Bring the cards and totals of the answers from id `first` on up to date."""
        self.db.execute("CREATE TEMP TABLE touched_cards (bank TEXT, question_id TEXT)")
        self.db.execute("CREATE TEMP TABLE touched_days (bank TEXT, day TEXT)")
        if touched.cards is not None and touched.days is not None:
            self.db.conn.executemany("INSERT INTO temp.touched_cards VALUES (?, ?)", touched.cards)
            self.db.conn.executemany("INSERT INTO temp.touched_days VALUES (?, ?)", touched.days)
        else:
            self.db.execute(
                "INSERT INTO temp.touched_cards SELECT DISTINCT bank, question_id"
                " FROM reviews NOT INDEXED WHERE id >= ? AND kind = 'review'",
                [first],
            )
            self.db.execute(
                "INSERT INTO temp.touched_days SELECT DISTINCT bank, day FROM reviews"
                " NOT INDEXED WHERE id >= ?",
                [first],
            )
        # Each touched card takes the state after its latest scheduled review, by instant.
        latest = (
            "SELECT bank, question_id, (SELECT state_after FROM reviews r WHERE r.bank = t.bank"
            " AND r.question_id = t.question_id AND r.kind = 'review'"
            " ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1) AS state"
            " FROM temp.touched_cards t"
        )
        # The state is kept as logged: `state_from_dict` reads it whichever scheduler wrote it.
        self.db.execute(
            "INSERT OR REPLACE INTO cards (bank, question_id, due, state)"
            " SELECT bank, question_id, json_extract(state, '$.due'), state"
            f" FROM ({latest}) WHERE json_extract(state, '$.due') IS NOT NULL"
        )
        self.db.execute(
            "DELETE FROM cards WHERE (bank, question_id) IN (SELECT bank, question_id"
            f" FROM ({latest}) WHERE json_extract(state, '$.due') IS NULL)"
        )
        total(
            self.db,
            "question_totals",
            QUESTION_TOTALS,
            "(bank, question_id) IN (SELECT bank, question_id FROM temp.touched_cards)",
            [],
        )
        total(
            self.db,
            "day_totals",
            DAY_TOTALS,
            "(bank, day) IN (SELECT bank, day FROM temp.touched_days)",
            [],
        )


class _Touched:
    """The cards given scheduled reviews and the days given answers by an import, gathered
    as its answers stream; None once there are more of them than `IMPORT_TOUCHED_KEPT`,
    and the store reads them back from the log instead."""

    def __init__(self) -> None:
        self.cards: set[tuple[str, str]] | None = set()
        self.days: set[tuple[str, str]] | None = set()

    def note(self, rows: list[tuple[Any, ...]]) -> None:
        if self.cards is None or self.days is None:
            return
        self.cards.update([(row[0], row[1]) for row in rows if row[5] == "review"])
        self.days.update([(row[0], row[3]) for row in rows])
        if len(self.cards) + len(self.days) > IMPORT_TOUCHED_KEPT:
            self.cards = self.days = None


class _InOrder:
    """Batches of rows in order of instant (`row[2]`), then of arrival, for answers that
    arrive up to `window` places out of order; `so_far` turns False when one came later
    than that, so that the batches were not in order after all."""

    def __init__(self, rows: Iterable[tuple[Any, ...]], window: int) -> None:
        self.rows = rows
        self.window = window
        self.so_far = True

    def __iter__(self) -> Iterator[list[tuple[Any, ...]]]:
        held: list[tuple[Any, ...]] = []
        last = ""
        instant = itemgetter(2)
        for row in self.rows:
            held.append(row)
            if len(held) == 2 * self.window:
                held.sort(key=instant)  # stable: arrival order among equal instants
                batch, held = held[: self.window], held[self.window :]
                if batch[0][2] < last:
                    self.so_far = False
                last = batch[-1][2]
                yield batch
        held.sort(key=instant)
        if held and held[0][2] < last:
            self.so_far = False
        if held:
            yield held
