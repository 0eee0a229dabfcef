"""Export and import the review log as JSON Lines, or CSV when the name ends in .csv.

Every field is written as stored, so an export imported into an empty
database gives back the same log and the same card schedules. Import checks every
field against what quiz itself could have written, so nothing it accepts can break
a later command.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from quiz.errors import QuizError
from quiz.inputs import MiB, open_regular
from quiz.schedulers import ScheduleState, checked_state, make_scheduler, scheduler_names
from quiz.store import (
    REVIEW_FIELDS,
    REVIEW_KINDS,
    Review,
    Store,
    instant_text,
    open_store,
    state_text,
)

FIELDS = (*REVIEW_FIELDS, "note")
"""`note` is the learner's note on the question, repeated on each of its answers."""

ADDED_LATER = frozenset({"scheduler", "note", "explanation"})
"""Fields older exports lack: `scheduler` came with the scheduler seam (an export without
it was written under SM-2), `note` with notes, `explanation` with code questions' words."""
OPTIONAL = frozenset({"answer", "duration_s", "check_runs", "first_run_passed"}) | ADDED_LATER
REQUIRED = tuple(name for name in FIELDS if name not in OPTIONAL)
REQUIRED_COLUMNS = tuple(name for name in FIELDS if name not in ADDED_LATER)
"""A CSV export names every column but those older exports do not have."""


LINE_LIMIT = 16 * MiB
"""The longest answer line `quiz import` reads; the file itself may be any size, as it streams."""
MAX_DURATION_S = 30 * 24 * 3600.0
MAX_CHECK_RUNS = 1_000_000
_UTC_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT([01]\d|2[0-3]):\d\d:\d\d\.\d{6}\+00:00", re.ASCII)
"""An instant written as the store keeps it (`quiz.store.instant_text`)."""
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_HEAD_FIELDS = REVIEW_FIELDS[:10]
"""The fields before the two card states, in the order an export writes them."""


def _export_records(store: Store) -> Iterator[list]:
    """Each answer's fields in `FIELDS` order, its card states as the JSON text stored."""
    notes = store.notes()
    for row in store.stream_review_rows():
        record = list(row)
        passed = record[9]
        record[9] = None if passed is None else bool(passed)
        record.append(notes.get((row[0], row[1]), ""))
        yield record


def export_reviews(store: Store, path: Path) -> int:
    """Write the whole log to `path`, streaming it; return how many answers were written.

    A regular file is written beside its name and put in place only once complete, so a
    database fault midway leaves the old file as it was.
    """
    in_place = path.exists() and not path.is_file()
    target = path if in_place else path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with target.open("w", encoding="utf-8", newline="") as out:
            records = _export_records(store)
            if path.suffix.lower() == ".csv":
                count = _write_csv(out, records)
            else:
                count = _write_json_lines(out, records)
        if not in_place:
            os.replace(target, path)
    except OSError as exc:
        if not in_place:
            target.unlink(missing_ok=True)
        raise QuizError(f"{path}: cannot write export ({exc.strerror})") from None
    except BaseException:
        if not in_place:
            target.unlink(missing_ok=True)
        raise
    return count


def _write_json_lines(out, records: Iterable[list]) -> int:
    """One JSON object a line, as `json.dumps(record, ensure_ascii=False)` writes it, with
    the stored card states spliced in as they are instead of decoded and encoded again."""
    dumps = json.dumps
    count = 0
    for record in records:
        head = dumps(dict(zip(_HEAD_FIELDS, record, strict=False)), ensure_ascii=False)
        extra = {"scheduler": record[12], "explanation": record[13], "note": record[14]}
        tail = dumps(extra, ensure_ascii=False)
        out.write(
            f'{head[:-1]}, "state_before": {record[10]}, "state_after": {record[11]}, {tail[1:]}\n'
        )
        count += 1
    return count


def _write_csv(out, records: Iterable[list]) -> int:
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    count = 0
    for record in records:
        record[9] = _csv_bool(record[9])
        writer.writerow(_escape_cell("" if v is None else str(v)) for v in record)
        count += 1
    return count


def _escape_cell(cell: str) -> str:
    """A leading apostrophe keeps a spreadsheet from running the cell as a formula.

    A cell that already starts with one gets another, so import can always take one off.
    """
    return "'" + cell if cell.startswith((*_FORMULA_START, "'")) else cell


def _unescape_cell(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def _csv_bool(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def read_reviews(path: Path) -> list[Review]:
    """Parse a whole export; raise `QuizError` naming the file and the first bad line."""
    return list(iter_reviews(path, {}))


def iter_reviews(path: Path, notes: dict[tuple[str, str], str]) -> Iterator[Review]:
    """Each answer of an export in turn, read a line at a time, so memory stays flat; the
    notes the answers carry are gathered into `notes` by (bank, question id) on the way.

    A bad line raises `QuizError` naming the file and the line, when it is reached.
    """
    return map(Review.from_values, iter_rows(path, notes))


def iter_rows(path: Path, notes: dict[tuple[str, str], str]) -> Iterator[tuple]:
    """As `iter_reviews`, each answer as the store's row (`Review.to_values`, in UTC)."""
    with open_regular(path, "an export to import") as raw:
        if path.suffix.lower() == ".csv":
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            yield from _read_csv(path, text, notes)
        else:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="\n")
            yield from _read_json_lines(path, text, notes)


def _read_json_lines(path: Path, text: io.TextIOWrapper, notes: dict) -> Iterator[tuple]:
    number = 0
    decode = _DECODER.decode
    while True:
        number += 1
        try:
            line = text.readline(LINE_LIMIT + 1)
        except UnicodeDecodeError:
            raise QuizError(f"{path}:{number}: not UTF-8 text") from None
        if not line:
            return
        if len(line) > LINE_LIMIT:
            raise QuizError(f"{path}:{number}: longer than {LINE_LIMIT // MiB} MiB")
        if line.isspace():
            continue
        try:
            row = _parse(decode(line), notes, escaped="\\u" in line)
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            raise QuizError(f"{path}:{number}: {_describe(exc)}") from None
        except RecursionError:
            raise QuizError(f"{path}:{number}: nested too deeply to be an answer") from None
        yield row


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number an answer can hold")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def _read_csv(path: Path, text: io.TextIOWrapper, notes: dict) -> Iterator[tuple]:
    csv.field_size_limit(max(csv.field_size_limit(), LINE_LIMIT))
    reader = csv.DictReader(text)
    number = 1
    rows = iter(reader)
    while True:
        try:
            columns = reader.fieldnames
            if number == 1 and (columns is None or set(REQUIRED_COLUMNS) - set(columns)):
                names = ", ".join(REQUIRED_COLUMNS)
                raise QuizError(f"{path}:1: header must name the columns {names}")
            row = next(rows, None)
            if row is None:
                return
            number = reader.line_num
            answer = _parse(_csv_record(row), notes, escaped=False)
        except UnicodeDecodeError:
            raise QuizError(f"{path}:{reader.line_num + 1}: not UTF-8 text") from None
        except csv.Error as exc:
            raise QuizError(f"{path}:{reader.line_num or 1}: not valid CSV ({exc})") from None
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            raise QuizError(f"{path}:{number}: {_describe(exc)}") from None
        except RecursionError:
            raise QuizError(f"{path}:{number}: nested too deeply to be an answer") from None
        yield answer


def _csv_record(row: dict) -> dict:
    if None in row:
        raise ValueError("more cells than the header names")
    cells = {k: _unescape_cell(row.get(k) or "") for k in FIELDS}
    record: dict = {k: (v or None) for k, v in cells.items()}
    record["answer"] = cells["answer"]
    record["note"] = cells["note"]
    record["explanation"] = cells["explanation"]
    for key in ("grade", "check_runs"):
        record[key] = None if record[key] is None else int(record[key])
    if record["duration_s"] is not None:
        record["duration_s"] = float(record["duration_s"])
    flag = record["first_run_passed"]
    if flag not in (None, "true", "false"):
        raise ValueError(f"first_run_passed must be true, false or empty, not {flag!r}")
    record["first_run_passed"] = None if flag is None else flag == "true"
    for key in ("state_before", "state_after"):
        record[key] = json.loads(record[key] or "null", parse_constant=_no_constant)
    return record


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg})"
    return str(exc)


_FIELD_NAMES = frozenset(FIELDS)
_REQUIRED_NAMES = frozenset(REQUIRED)
_CHECKED_NAMES: set[str] = set()
"""Bank names and question ids already checked: a log repeats them all."""
_CHECKED_DAYS: set[str] = set()
"""Study days already checked, likewise."""
_CHECKED_KEPT = 20_000


def _parse(record, notes: dict[tuple[str, str], str], *, escaped: bool = True) -> tuple:
    """One answer as the store's row (`Review.to_values`, the instant in UTC); its
    question's note, when it carries one, goes into `notes`.

    `escaped` says the text may hold JSON's \\u escapes, so a string may hold a lone
    surrogate; text decoded straight from UTF-8 cannot.
    """
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    if not _FIELD_NAMES.issuperset(record):
        unknown = set(record) - _FIELD_NAMES
        raise ValueError(f"unknown field '{sorted(map(str, unknown))[0]}'")
    if not _REQUIRED_NAMES.issubset(record):
        missing = next(key for key in REQUIRED if key not in record)
        raise ValueError(f"missing field '{missing}'")
    scheduler = record.get("scheduler") or "sm2"
    grades = _GRADES.get(scheduler) if type(scheduler) is str else None
    if grades is None:
        grades = _grades_of(scheduler)
    grade = record["grade"]
    if type(grade) is not int or grade not in grades:
        low, high = min(grades), max(grades)
        raise ValueError(f"grade must be an integer {low}-{high}, not {_show(grade)}")
    kind = record["kind"]
    if kind not in REVIEW_KINDS:
        kinds = ", ".join(REVIEW_KINDS)
        raise ValueError(f"kind must be one of {kinds}, not {_show(kind)}")
    # A log repeats its banks, ids and days: each distinct one is checked once.
    bank, question_id, day = record["bank"], record["question_id"], record["day"]
    if type(bank) is not str or bank not in _CHECKED_NAMES:
        _check_text(bank, "bank", empty=False)
        _remember(_CHECKED_NAMES, bank)
    if type(question_id) is not str or question_id not in _CHECKED_NAMES:
        _check_text(question_id, "question_id", empty=False)
        _remember(_CHECKED_NAMES, question_id)
    _check_text(record["reviewed_at"], "reviewed_at", empty=False)
    if type(day) is not str or day not in _CHECKED_DAYS:
        _check_text(day, "day", empty=False)
        instant = _check_timestamp(record["reviewed_at"])
        _check_day(day, "day")
        _remember(_CHECKED_DAYS, day)
    else:
        instant = _check_timestamp(record["reviewed_at"])
    # Range checks also turn away NaN and infinity; bool is neither int nor float here.
    duration = record.get("duration_s")
    if duration is not None and not (
        type(duration) in (int, float) and 0 <= duration <= MAX_DURATION_S
    ):
        raise ValueError(f"duration_s must be seconds from 0 to {MAX_DURATION_S:.0f}")
    runs = record.get("check_runs")
    if runs is not None and not (type(runs) is int and 0 <= runs <= MAX_CHECK_RUNS):
        raise ValueError(f"check_runs must be an integer from 0 to {MAX_CHECK_RUNS}")
    passed = record.get("first_run_passed")
    if passed is not None and type(passed) is not bool:
        raise ValueError("first_run_passed must be true, false or null")
    answer = record.get("answer") or ""
    note = record.get("note") or ""
    explanation = record.get("explanation") or ""
    if escaped or not all(type(text) is str for text in (answer, note, explanation)):
        _check_text(answer, "answer", empty=True)
        _check_text(note, "note", empty=True)
        _check_text(explanation, "explanation", empty=True)
    if note:
        notes[(bank, question_id)] = note
    return (
        bank,
        question_id,
        instant,
        day,
        grade,
        kind,
        answer,
        None if duration is None else float(duration),
        runs,
        None if passed is None else int(passed),
        _state(record["state_before"], "state_before"),
        _state(record["state_after"], "state_after"),
        scheduler,
        explanation,
    )


_GRADES: dict[str, frozenset[int]] = {}
"""Each scheduler's ratings, by its name, as it is first met."""


def _grades_of(scheduler) -> frozenset[int]:
    if scheduler not in scheduler_names():
        known = ", ".join(scheduler_names())
        raise ValueError(f"scheduler must be one of {known}, not {_show(scheduler)}")
    grades = _GRADES[scheduler] = frozenset(r.value for r in make_scheduler(scheduler).ratings)
    return grades


def _remember(checked: set[str], text: str) -> None:
    if len(checked) >= _CHECKED_KEPT:
        checked.clear()
    checked.add(text)


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_text(value, name: str, *, empty: bool) -> None:
    if not isinstance(value, str) or not (empty or value):
        raise ValueError(f"{name} must be {'text' if empty else 'a non-empty string'}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} holds a character that is not valid text") from None


def _check_timestamp(value: str) -> str:
    """The instant in UTC, as the store keeps it."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"reviewed_at is not an ISO 8601 time: {_show(value)}") from None
    if moment.tzinfo is None:
        raise ValueError(f"reviewed_at needs a UTC offset: {_show(value)}")
    if _UTC_INSTANT.fullmatch(value):
        return value  # already as the store keeps it
    try:
        return instant_text(moment)
    except OverflowError:
        raise ValueError(f"reviewed_at is outside the calendar in UTC: {_show(value)}") from None


def _check_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} is not an ISO date: {_show(value)}") from None


_KNOWN_STATES: dict[str, str] = {}
"""States already checked, by the text of their exact JSON values, as the store's JSON: a
log repeats the same few thousand at a time."""
_KNOWN_STATES_KEPT = 50_000


def _state(data, name: str) -> str:
    """A card state within what its scheduler can produce, so grading it later works; as
    the JSON text the store keeps."""
    if not isinstance(data, dict):
        raise ValueError(f"{name} must be an object")
    # repr keeps types apart: 1 and True, or 2 and 2.0, are equal but not the same.
    key = repr(data)
    known = _KNOWN_STATES.get(key)
    if known is None:
        known = state_text(_checked_state(data, name))
        if len(_KNOWN_STATES) >= _KNOWN_STATES_KEPT:
            _KNOWN_STATES.clear()  # a log's states change slowly: start again from these
        _KNOWN_STATES[key] = known
    return known


def _checked_state(data: dict, name: str) -> ScheduleState:
    return checked_state(data, name)


def import_reviews(store: Store, path: Path) -> int:
    """Stream `path` into the log in one transaction; return how many answers were new.

    A bad line anywhere rolls the whole import back.
    """
    return import_with_notes(store, path)[0]


def import_with_notes(store: Store, path: Path) -> tuple[int, int]:
    """Import the answers, then the notes they carry; return how many of each were new."""
    from quiz.scheduler_choice import import_log

    notes: dict[tuple[str, str], str] = {}
    return import_log(store, iter_rows(path, notes), notes)


def import_into(db_path: Path, path: Path) -> tuple[int, int]:
    """`quiz import`: the file is checked before the database is opened, and a database
    this import created is removed again when nothing could be imported."""
    open_regular(path, "an export to import").close()
    fresh = not db_path.exists()
    store = open_store(db_path)
    try:
        return import_with_notes(store, path)
    except QuizError:
        if fresh:
            store.db.close()
            for suffix in ("", "-wal", "-shm"):
                db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        raise
