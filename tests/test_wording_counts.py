"""Every message with a count agrees with it, and a check's name stands apart from its result."""

from __future__ import annotations

from quiz.code_attempt import CodeAttempt
from quiz.counts import counted
from quiz.grader.verdict import CheckResult, Verdict
from quiz.tui.widgets.verdict import verdict_content


def test_counted_agrees_with_the_count():
    assert counted(0, "check") == "0 checks"
    assert counted(1, "check") == "1 check"
    assert counted(2, "new question") == "2 new questions"
    assert counted(1, "such review", "such reviews") == "1 such review"


def test_a_code_attempt_says_one_run_and_one_hint():
    attempt = CodeAttempt(runs=(True,), hints_used=1)
    assert attempt.summary == "passed after 1 run, 1 hint"
    assert CodeAttempt(runs=(False, True), hints_used=2).summary == "passed after 2 runs, 2 hints"


def one_check(passed: bool) -> Verdict:
    check = CheckResult("written as a list comprehension", passed, "returns a list comprehension")
    return Verdict("list-comprehension", passed, [check], duration_s=0.1)


def test_a_verdict_of_one_check_says_check_not_checks():
    assert "Run 1: its check passed" in verdict_content(one_check(True), "", 1).plain
    failed = verdict_content(one_check(False), "", 2).plain
    assert "Run 2: 0 of 1 check passed" in failed


def test_a_checks_name_is_set_apart_from_what_came_of_it():
    lines = verdict_content(one_check(True), "", 1).plain.splitlines()
    assert "✓ written as a list comprehension — returns a list comprehension" in lines
