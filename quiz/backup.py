"""Export and import the review log as JSON Lines, or CSV when the name ends in .csv.

Every field is written as stored, so an export imported into an empty
database gives back the same log and the same card schedules.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

from quiz.errors import QuizError
from quiz.scheduler import CardState
from quiz.store import REVIEW_KINDS, Review, Store

FIELDS = (
    "bank",
    "question_id",
    "reviewed_at",
    "day",
    "grade",
    "kind",
    "answer",
    "duration_s",
    "check_runs",
    "first_run_passed",
    "state_before",
    "state_after",
)


OPTIONAL = frozenset({"answer", "duration_s", "check_runs", "first_run_passed"})
REQUIRED = tuple(name for name in FIELDS if name not in OPTIONAL)


def _as_record(review: Review) -> dict:
    record = {name: getattr(review, name) for name in FIELDS}
    record["state_before"] = review.state_before.to_dict()
    record["state_after"] = review.state_after.to_dict()
    return record


def export_reviews(store: Store, path: Path) -> int:
    """Write the whole log to `path`; return how many answers were written."""
    reviews = store.reviews()
    count = 0
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            if path.suffix.lower() == ".csv":
                writer = csv.DictWriter(out, fieldnames=FIELDS)
                writer.writeheader()
                for review in reviews:
                    record = _as_record(review)
                    for key in ("state_before", "state_after"):
                        record[key] = json.dumps(record[key])
                    record["first_run_passed"] = _csv_bool(record["first_run_passed"])
                    writer.writerow({k: "" if v is None else v for k, v in record.items()})
                    count += 1
            else:
                for review in reviews:
                    out.write(json.dumps(_as_record(review), ensure_ascii=False) + "\n")
                    count += 1
    except OSError as exc:
        raise QuizError(f"{path}: cannot write export ({exc.strerror})") from None
    return count


def _csv_bool(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def read_reviews(path: Path) -> list[Review]:
    """Parse an export; raise `QuizError` naming the first bad line."""
    try:
        with path.open(encoding="utf-8", newline="") as source:
            text = source.read()
    except FileNotFoundError:
        raise QuizError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QuizError(f"{path}: cannot read ({exc})") from None
    if path.suffix.lower() == ".csv":
        return _read_csv(path, text)
    reviews = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            reviews.append(_parse(record))
        except (ValueError, TypeError, KeyError) as exc:
            raise QuizError(f"{path}:{number}: {_describe(exc)}") from None
    return reviews


def _read_csv(path: Path, text: str) -> list[Review]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or set(FIELDS) - set(reader.fieldnames):
        raise QuizError(f"{path}:1: header must name the columns {', '.join(FIELDS)}")
    reviews = []
    for row in reader:
        number = reader.line_num
        try:
            record = {k: (None if row[k] in ("", None) else row[k]) for k in FIELDS}
            record["answer"] = row["answer"] or ""
            for key in ("grade", "check_runs"):
                record[key] = None if record[key] is None else int(record[key])
            if record["duration_s"] is not None:
                record["duration_s"] = float(record["duration_s"])
            flag = record["first_run_passed"]
            if flag not in (None, "true", "false"):
                raise ValueError(f"first_run_passed must be true, false or empty, not {flag!r}")
            record["first_run_passed"] = None if flag is None else flag == "true"
            for key in ("state_before", "state_after"):
                record[key] = json.loads(record[key] or "null")
            reviews.append(_parse(record))
        except (ValueError, TypeError, KeyError) as exc:
            raise QuizError(f"{path}:{number}: {_describe(exc)}") from None
    return reviews


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg})"
    return str(exc)


def _parse(record) -> Review:
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    unknown = set(record) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown field '{sorted(unknown)[0]}'")
    for key in REQUIRED:
        if key not in record:
            raise ValueError(f"missing field '{key}'")
    grade = record["grade"]
    if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 5:
        raise ValueError(f"grade must be an integer 0-5, not {grade!r}")
    if record["kind"] not in REVIEW_KINDS:
        raise ValueError(f"kind must be one of {', '.join(REVIEW_KINDS)}, not {record['kind']!r}")
    for key in ("bank", "question_id", "reviewed_at", "day"):
        if not isinstance(record[key], str) or not record[key]:
            raise ValueError(f"{key} must be a non-empty string")
    _check_timestamp(record["reviewed_at"])
    _check_day(record["day"])
    duration = record.get("duration_s")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int | float)
    ):
        raise ValueError("duration_s must be a number")
    runs = record.get("check_runs")
    if runs is not None and (isinstance(runs, bool) or not isinstance(runs, int)):
        raise ValueError("check_runs must be an integer")
    passed = record.get("first_run_passed")
    if passed is not None and not isinstance(passed, bool):
        raise ValueError("first_run_passed must be true, false or null")
    answer = record.get("answer") or ""
    if not isinstance(answer, str):
        raise ValueError("answer must be text")
    return Review(
        bank=record["bank"],
        question_id=record["question_id"],
        reviewed_at=record["reviewed_at"],
        day=record["day"],
        grade=grade,
        kind=record["kind"],
        answer=answer,
        duration_s=None if duration is None else float(duration),
        check_runs=runs,
        first_run_passed=passed,
        state_before=_state(record["state_before"], "state_before"),
        state_after=_state(record["state_after"], "state_after"),
    )


def _check_timestamp(value: str) -> None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"reviewed_at is not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"reviewed_at needs a UTC offset: {value!r}")


def _check_day(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"day is not an ISO date: {value!r}") from None


def _state(data, name: str) -> CardState:
    if not isinstance(data, dict):
        raise ValueError(f"{name} must be an object")
    try:
        return CardState.from_dict(data)
    except (KeyError, ValueError, TypeError, ZeroDivisionError) as exc:
        raise ValueError(f"{name} is not a card state ({exc})") from None


def import_reviews(store: Store, path: Path) -> int:
    """Read `path` fully, then add it in one transaction; return how many were new."""
    return store.import_reviews(read_reviews(path))
