"""An attempt's runs and hints, recorded in a real store, and the answer it logs."""

from datetime import datetime

from quiz.attempt import Attempt
from quiz.bank import load_bank
from quiz.grader.verdict import CheckResult, GraderError, Verdict
from quiz.settings import Settings
from quiz.store import open_store

NOW = datetime(2026, 3, 4, 9, 0)


def test_runs_and_hints_are_recorded_and_taken_up_again(tmp_path):
    settings = Settings.from_environment(db_path=tmp_path / "quiz.db")
    bank, store = load_bank(settings.bank_path), open_store(settings.db_path)
    question = bank.get("list-comprehension")
    attempt = Attempt.resume(question, store, bank.name, settings.today, NOW)
    attempt.take_hint(NOW)
    failed = Verdict(question.id, False, [CheckResult("c", False, "no")])
    assert attempt.take_verdict(failed, "x = 1", NOW) is True
    broken = Verdict(question.id, False, error=GraderError("internal", "grader bug"))
    assert attempt.take_verdict(broken, "x = 2", NOW) is False, "the checker's fault is no try"
    again = Attempt.resume(question, store, bank.name, settings.today, NOW)
    assert (again.runs, again.hints_used, again.last_source) == ([False], 1, "x = 1")
    again.typed("x = 1", "")
    assert again.answer(NOW).check_runs == 1 and again.answer(NOW).first_run_passed is False
    assert again.code_attempt().summary == "never passed after 1 run, 1 hint"
