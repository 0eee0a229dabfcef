"""The figures read from a real store: through `quiz stats`, `--json` and the Stats screen."""

from __future__ import annotations

import asyncio
import io
import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console
from textual.app import App
from textual.widgets import DataTable, Static

from quiz.bank import load_bank
from quiz.cli import main
from quiz.paths import default_db_path
from quiz.records import LogEntry
from quiz.schedulers.sm2 import CardState, review
from quiz.session import Answer, StudySession, study_day
from quiz.settings import Settings
from quiz.stats import summarize
from quiz.stats_report import column_chart, gather, heat_level, read_log, render_report
from quiz.store import Review, Store, open_store
from quiz.tui.screens.stats import StatsScreen
from quiz.tui.widgets.charts import BarChart, CalendarHeatmap, ForecastChart

BANK_YAML = """\
bank: stats-test
title: Stats test bank
questions:
  - {id: tensor, number: 1, kind: recall, prompt: p, answer: a, key_points: [a, b], tags: []}
  - {id: broadcast, number: 2, kind: recall, prompt: p, answer: a, key_points: [a, b], tags: []}
  - id: mse
    number: 3
    kind: code
    prompt: p
    answer: a
    key_points: [a, b]
    tags: []
    contract: [mse]
    starter: "def mse(a, b): ..."
    hints: [square the differences]
    solution: mse.py
    checks: {cases: ["mse(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))"]}
  - {id: sgd, number: 4, kind: recall, prompt: p, answer: a, key_points: [a, b], tags: []}
"""


@pytest.fixture
def bank_path(tmp_path) -> Path:
    (tmp_path / "mse.py").write_text("def mse(a, b):\n    return ((a - b) ** 2).mean()\n")
    path = tmp_path / "bank.yaml"
    path.write_text(BANK_YAML)
    return path


def record_history(store: Store, today: date) -> None:
    """Eleven answers over eleven days, worked through by hand in the tests below."""
    states: dict[str, CardState] = {}
    plan = [
        # (question, days ago, kind, grade, seconds, first run passed)
        ("tensor", 10, "review", 5, None, None),
        ("tensor", 9, "review", 4, None, None),
        ("tensor", 3, "review", 2, None, None),
        ("tensor", 3, "drill", 4, None, None),
        ("tensor", 2, "review", 4, None, None),
        ("tensor", 1, "review", 3, None, None),
        ("broadcast", 1, "review", 4, None, None),
        ("broadcast", 0, "review", 5, 10.0, None),
        ("broadcast", 0, "cram", 1, 5.0, None),
        ("mse", 0, "review", 3, 60.0, False),
        ("mse", 0, "drill", 4, 30.0, True),
    ]
    for minute, (qid, days_ago, kind, grade, seconds, first_run) in enumerate(plan):
        day = today - timedelta(days=days_ago)
        before = states.get(qid, CardState())
        after = review(before, grade, day) if kind == "review" else before
        states[qid] = after
        store.record(
            Review(
                bank="stats-test",
                question_id=qid,
                reviewed_at=f"{day.isoformat()}T12:{minute:02d}:00.000000+00:00",
                day=day.isoformat(),
                grade=grade,
                kind=kind,
                state_before=before,
                state_after=after,
                duration_s=seconds,
                first_run_passed=first_run,
            )
        )


def test_gather_uses_the_stored_study_day_so_late_nights_count_for_the_day_before(bank_path):
    bank = load_bank(bank_path)
    store = open_store(default_db_path())
    late = datetime(2024, 6, 15, 2, 30)
    session = StudySession(bank, store, today=study_day(late))
    session.grade(5, Answer(duration_s=8.0), now=late)

    stats = gather(store, bank, date(2024, 6, 15))

    assert stats.recent[-2].day == date(2024, 6, 14) and stats.recent[-2].count == 1
    assert stats.studied_today.answers == 0
    assert (stats.streak.current, stats.streak.longest) == (1, 1)


def test_gather_reads_the_hand_worked_history(bank_path):
    today = date(2024, 6, 15)
    store = open_store(default_db_path())
    record_history(store, today)

    stats = gather(store, load_bank(bank_path), today)

    assert (stats.studied_today.answers, stats.studied_today.seconds) == (4, 105.0)
    assert (stats.streak.current, stats.streak.longest) == (4, 4)
    week, month, _ = stats.retention
    assert (week.young.passed, week.young.total, week.mature.total) == (2, 3, 0)
    assert (month.young.passed, month.young.total) == (3, 4)
    assert (stats.cards.new, stats.cards.learning, stats.cards.young) == (1, 0, 3)
    assert [(d.day - today).days for d in stats.forecast if d.count] == [1, 5, 6]
    assert [q.id for q in stats.hardest] == ["mse", "tensor"]
    assert stats.first_run.passed == 0 and stats.first_run.total == 1


@pytest.mark.parametrize("since", [None, date(2024, 6, 13)])
def test_the_store_query_reduces_the_log_as_summarize_does(since):
    store = open_store(default_db_path())
    record_history(store, date(2024, 6, 15))
    entries = [
        LogEntry(
            r.question_id,
            r.day,
            r.kind,
            r.grade,
            r.duration_s,
            r.first_run_passed,
            r.state_before.repetitions,
            r.state_before.interval,
        )
        for r in store.reviews("stats-test")
    ]

    expected = summarize(entries, date(2024, 6, 15), since)
    got = read_log(store, "stats-test", date(2024, 6, 15), since)

    assert got.answers_per_day == expected.answers_per_day
    assert got.today_by_kind == expected.today_by_kind
    assert got.records == expected.records
    assert got.retained == expected.retained
    assert sum(r.reviews for r in expected.records.values()) == (8 if since is None else 5)


# Half past three: the study day is still the day before, until 04:00. The command reads
# this clock and no other, so the tests hold at any hour they run.
NOW = datetime(2024, 6, 15, 3, 30)
TODAY = study_day(NOW)


def run_stats(bank_path: Path, *args: str):
    return CliRunner().invoke(main, ["--bank", str(bank_path), "stats", *args], obj=lambda: NOW)


def test_quiz_stats_prints_the_figures(bank_path):
    assert TODAY == date(2024, 6, 14)
    record_history(open_store(default_db_path()), TODAY)

    result = run_stats(bank_path)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Answered today    4 (1 cram, 1 drill, 2 review)" in result.output
    assert "Time spent today  1m 45s" in result.output
    assert "Graded below 3    25%" in result.output
    assert "Streak            4 days now, longest 4 days" in result.output
    assert any(line.startswith("│ last 7 days") and "67% (2/3)" in line for line in lines)
    hardest = lines.index("Hardest questions (lowest easiness, most lapses)")
    assert "mse" in lines[hardest + 4] and "2.36" in lines[hardest + 4]
    tensor = next(line.split() for line in lines if line.split()[1:2] == ["tensor"])
    assert tensor[2:4] == ["young", "2.46"] and tensor[6:9] == ["5", "1", "3"]


def test_the_report_fits_a_narrow_terminal_and_is_left_whole_when_piped(bank_path, tmp_path):
    # ids as long as chapter 4's longest, which squeezed the headers to "inte…" before
    long_bank = tmp_path / "long.yaml"
    long_bank.write_text(BANK_YAML.replace("id: sgd", "id: relu-function-vs-module"))
    record_history(open_store(default_db_path()), TODAY)
    bank = load_bank(long_bank)
    figures = gather(open_store(default_db_path()), bank, TODAY)

    narrow = render_report(figures, bank, width=80).splitlines()
    assert max(map(len, narrow)) <= 80
    assert not any("…" in line for line in narrow)
    header = next(line.split() for line in narrow if line.split()[:2] == ["#", "id"])
    assert "interval" in header and "due" in header
    assert any(line.endswith(": left out to fit this terminal") for line in map(str.rstrip, narrow))

    # piped (CliRunner's output is not a terminal): every column, one line per question
    piped = run_stats(long_bank).output.splitlines()
    at = next(i for i, line in enumerate(piped) if line.split()[:2] == ["#", "id"])
    assert " ".join(piped[at].split()) == (
        "# id stage EF interval due reviews lapses last avg time 1st run"
    )
    body = [line for line in piped[at + 2 :] if line.strip()]
    assert [line.split()[1] for line in body] == [
        "tensor",
        "broadcast",
        "mse",
        "relu-function-vs-module",
    ]
    assert body[2].split()[-4:] == ["1m", "00s", "0%", "(0/1)"], "mse's row is one whole line"


def test_quiz_stats_json_is_one_object_of_the_figures(bank_path):
    today = TODAY
    record_history(open_store(default_db_path()), today)

    result = run_stats(bank_path, "--json")

    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["today"] == today.isoformat()
    assert figures["studied_today"]["by_kind"] == {"review": 2, "cram": 1, "drill": 1}
    assert figures["streak"] == {"current": 4, "longest": 4}
    assert figures["retention"][0] == {
        "days": 7,
        "young": {"passed": 2, "total": 3, "ratio": 0.6667},
        "mature": {"passed": 0, "total": 0, "ratio": None},
        "overall": {"passed": 2, "total": 3, "ratio": 0.6667},
    }
    assert figures["cards"] == {"new": 1, "learning": 0, "young": 3, "mature": 0, "total": 4}
    tensor, _, mse, sgd = figures["questions"]
    assert (tensor["lapses"], tensor["easiness"], tensor["reviews"]) == (1, "2.46", 5)
    assert mse["first_run"] == {"passed": 0, "total": 1, "ratio": 0.0}
    assert mse["average_seconds"] == 60.0
    assert sgd["stage"] == "new" and sgd["due"] is None
    assert len(figures["calendar"]) == 365 and figures["calendar"][-1]["answers"] == 4


def test_since_narrows_the_window(bank_path):
    today = TODAY
    record_history(open_store(default_db_path()), today)

    result = run_stats(bank_path, "--json", "--since", (today - timedelta(days=1)).isoformat())

    figures = json.loads(result.stdout)
    assert figures["since"] == (today - timedelta(days=1)).isoformat()
    assert figures["streak"] == {"current": 2, "longest": 2}
    assert figures["questions"][0]["lapses"] == 0
    assert figures["cards"]["young"] == 3


def test_a_bad_since_date_is_one_line_and_exit_2(bank_path):
    result = run_stats(bank_path, "--since", "2024-02-30")

    assert result.exit_code == 2
    assert result.stderr == "quiz: error: --since: '2024-02-30' is not a date; use YYYY-MM-DD\n"


def test_quiz_stats_on_an_empty_database(bank_path):
    result = run_stats(bank_path, "--json")
    text = run_stats(bank_path)

    assert result.exit_code == 0 and text.exit_code == 0
    figures = json.loads(result.stdout)
    assert figures["cards"]["new"] == 4 and figures["streak"]["current"] == 0
    assert figures["retention"][2]["overall"]["ratio"] is None
    assert "Answered today    0" in text.output


class Host(App[None]):
    """A bare app that opens the screen under test."""

    def __init__(self, screen: StatsScreen) -> None:
        super().__init__()
        self.screen_under_test = screen

    def on_mount(self) -> None:
        self.push_screen(self.screen_under_test)


def shown(static: Static) -> str:
    console = Console(file=io.StringIO(), width=100)
    console.print(static.content)
    return console.file.getvalue()


def test_stats_screen_shows_the_figures_and_closes(bank_path):
    today = date(2024, 6, 15)
    store = open_store(default_db_path())
    record_history(store, today)
    settings = Settings.from_environment(bank_path=bank_path)
    screen = StatsScreen(settings, load_bank(bank_path), store, today=today)

    async def drive() -> None:
        app = Host(screen)
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen is screen and screen.stats is not None
            summary = shown(screen.query_one("#stats-summary", Static))
            assert "4 (1 cram, 1 drill, 2 review)" in summary
            assert "1m 45s" in summary and "25%" in summary
            retention = screen.query_one("#stats-retention", DataTable)
            assert retention.get_row("7") == ["last 7 days", "67% (2/3)", "–", "67% (2/3)"]
            hardest = screen.query_one("#stats-hardest", DataTable)
            assert [hardest.get_row_at(i)[1] for i in range(hardest.row_count)] == [
                "mse",
                "tensor",
            ]
            recent = screen.query_one("#stats-recent", BarChart).render().plain
            assert recent.splitlines()[0].lstrip().startswith("4 │")
            assert "May 17" in recent and "Jun 15" in recent
            calendar = screen.query_one("#stats-calendar", CalendarHeatmap).render().plain
            assert "6 of 365 days studied" in calendar and "busiest: 4" in calendar
            forecast = screen.query_one("#stats-forecast", ForecastChart)
            assert forecast.peak == 1 and forecast.border_subtitle == "and 0 due later"

            await pilot.click("#--content-tab-stats-every-question")
            questions = screen.query_one("#stats-questions", DataTable)
            tensor = [str(cell) for cell in questions.get_row("tensor")]
            assert tensor[:8] == ["1", "tensor", "young", "2.46", "6d", "2024-06-20", "5", "1"]
            assert str(questions.get_row("mse")[-1]) == "0% (0/1)"
            assert str(questions.get_row("sgd")[2]) == "new"
            await pilot.press("escape")
            assert not isinstance(app.screen, StatsScreen)

            app.push_screen(StatsScreen(settings, load_bank(bank_path), store, today=today))
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.press("q")
            assert not isinstance(app.screen, StatsScreen)

    asyncio.run(drive())


def test_the_page_says_the_figures_are_coming_only_while_they_are_slow(bank_path):
    today = date(2024, 6, 15)
    store = open_store(default_db_path())
    record_history(store, today)
    settings = Settings.from_environment(bank_path=bank_path)

    async def drive() -> None:
        quick = StatsScreen(settings, load_bank(bank_path), store, today=today)
        app = Host(quick)
        async with app.run_test() as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert quick.stats is not None and not quick.query_one("#stats-body").loading
            await pilot.pause(quick.LOADING_DELAY_S + 0.1)
            assert not quick.query_one("#stats-body").loading

            slow = StatsScreen(settings, load_bank(bank_path), store, today=today)
            slow.LOADING_DELAY_S = 0.01
            body = None
            with store.reading():  # the worker waits for the store while this holds it
                app.push_screen(slow)
                deadline = time.monotonic() + 30
                while body is None or not body.loading:
                    assert time.monotonic() < deadline, "never showed that it was loading"
                    await pilot.pause(0.05)
                    body = slow.query_one("#stats-body") if slow.is_mounted else None
                assert slow.stats is None
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert slow.stats is not None and not body.loading

    asyncio.run(drive())


def test_a_database_that_cannot_be_read_is_reported_on_the_screen(bank_path, tmp_path):
    broken = tmp_path / "broken.db"
    store = open_store(broken)
    screen = StatsScreen(Settings.from_environment(), load_bank(bank_path), store)
    broken.write_bytes(b"not a database at all" * 100)

    async def drive() -> None:
        app = Host(screen)
        async with app.run_test() as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "Statistics unavailable" in shown(screen.query_one("#stats-summary", Static))
            assert screen.stats is None

    asyncio.run(drive())


def test_text_charts_scale_to_the_busiest_day():
    assert column_chart([0, 1, 2, 4], height=2, gap=0) == ["   █", " ▄██"]
    assert column_chart([1, 100], height=1, gap=0) == ["▁█"]  # a quiet day still shows
    assert [heat_level(n, 10) for n in (0, 1, 3, 6, 10)] == [0, 1, 2, 3, 4]


def test_under_fsrs_hard_is_a_pass_and_the_charts_are_fsrs_own(bank_path):
    from quiz.scheduler_choice import choose_scheduler
    from quiz.schedulers import make_scheduler

    today = date(2024, 6, 15)
    store = open_store(default_db_path())
    bank = load_bank(bank_path)
    fsrs = make_scheduler("fsrs")

    def answer(qid, days_ago, rating, state, scheduler="fsrs", grader=fsrs):
        day = today - timedelta(days=days_ago)
        after = grader.review(state, rating, day)
        store.record(Review(bank=bank.name, question_id=qid, day=day.isoformat(),
                            reviewed_at=f"{day.isoformat()}T08:00:00+00:00", grade=rating,
                            kind="review", state_before=state, state_after=after,
                            scheduler=scheduler))  # fmt: skip
        return after

    # Learned (Good), then Hard today when due: a recall, if a difficult one.
    first_interval = fsrs.review(fsrs.new_state(), 3, today).interval
    learned = answer("tensor", first_interval, 3, fsrs.new_state())
    answer("tensor", 0, 2, learned)
    # Under SM-2, a 2 on a learned card is a lapse, as before.
    sm2 = make_scheduler("sm2")
    first = answer("mse", 10, 5, CardState(), "sm2", sm2)
    answer("mse", 0, 2, first, "sm2", sm2)
    choose_scheduler(store, bank.name, "fsrs")

    stats = gather(store, bank, today)

    tensor, mse = (next(q for q in stats.questions if q.id == qid) for qid in ("tensor", "mse"))
    assert (tensor.lapses, mse.lapses) == (0, 1)
    month = stats.retention[1]
    assert (month.young.passed, month.young.total) == (1, 2)
    assert stats.studied_today.answers == 2 and stats.studied_today.below_passing == 1
    assert [d.name for d in stats.distributions] == ["difficulty", "stability", "retrievability"]
    for chart in stats.distributions:
        assert sum(b.count for b in chart.buckets) == 2, chart.name
    recalls = [fsrs.retrievability(state, today) for state in store.card_states(bank.name).values()]
    labels = ["0%–49%", "50%–69%", "70%–79%", "80%–89%", "90%–94%", "95%+"]
    lows = [0, 0.5, 0.7, 0.8, 0.9, 0.95]
    expected = {label: 0 for label in labels}
    for p in recalls:
        expected[labels[max(i for i, low in enumerate(lows) if p >= low)]] += 1
    assert dict(stats.distribution("retrievability")) == expected

    figures = json.loads(
        CliRunner().invoke(main, ["--bank", str(bank_path), "stats", "--json"]).output
    )
    assert {"difficulty", "stability", "retrievability"} <= set(figures)
    assert "easiness" not in figures


def test_an_overdue_card_says_by_how_much_in_the_stats_too():
    from quiz.stats_report import format_due

    today = date(2026, 1, 4)
    assert format_due(date(2026, 1, 1), today) == "3d overdue"
    assert format_due(today, today) == "today"
    assert format_due(date(2026, 1, 5), today) == "2026-01-05"
    assert format_due(None, today) == ""


def test_hardest_questions_under_fsrs_come_from_its_difficulty(bank_path):
    from quiz.scheduler_choice import choose_scheduler
    from quiz.schedulers import make_scheduler

    today = date(2024, 6, 15)
    store = open_store(default_db_path())
    bank = load_bank(bank_path)
    fsrs = make_scheduler("fsrs")

    def answer(qid, plan):
        state = fsrs.new_state()
        for days_ago, rating in plan:
            day = today - timedelta(days=days_ago)
            after = fsrs.review(state, rating, day)
            store.record(Review(bank=bank.name, question_id=qid, day=day.isoformat(),
                                reviewed_at=f"{day.isoformat()}T08:00:00+00:00", grade=rating,
                                kind="review", state_before=state, state_after=after,
                                scheduler="fsrs"))  # fmt: skip
            state = after

    answer("tensor", [(20, 3), (17, 1), (16, 3)])  # Good, forgotten (a lapse), Good
    answer("broadcast", [(10, 2), (8, 2)])  # Hard twice: no lapse, but harder
    answer("sgd", [(5, 4)])  # Easy: no trouble
    answer("mse", [(5, 3)])  # Good the first time: no trouble either
    choose_scheduler(store, bank.name, "fsrs")

    stats = gather(store, bank, today)

    cards = store.card_states(bank.name)
    by_difficulty = sorted(["tensor", "broadcast"], key=lambda qid: -cards[qid].difficulty)
    assert [q.id for q in stats.hardest] == by_difficulty
    tensor = next(q for q in stats.hardest if q.id == "tensor")
    assert tensor.lapses == 1 and tensor.strength == fsrs.strength(cards["tensor"])
    assert all(0 < q.difficulty <= 1 for q in stats.hardest)

    result = CliRunner().invoke(main, ["--bank", str(bank_path), "stats"], obj=lambda: NOW)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    title = [line.rstrip() for line in lines].index(
        "Hardest questions (highest difficulty, most lapses)"
    )
    assert "D/S" in lines[title + 2]
    shown = [line.split()[3] for line in lines[title + 4 : title + 6]]  # "│ 1 │ tensor │"
    assert shown == by_difficulty

    screen = StatsScreen(Settings.from_environment(bank_path=bank_path), bank, store, today=today)

    async def drive() -> None:
        app = Host(screen)
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            hardest = screen.query_one("#stats-hardest", DataTable)
            assert [hardest.get_row_at(i)[1] for i in range(hardest.row_count)] == by_difficulty
            assert hardest.border_title == "Hardest questions: highest difficulty, most lapses"

    asyncio.run(drive())
