"""The suite's clock shift (QUIZ_TEST_TIME_SHIFT_DAYS) is in force in the process running tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.conftest import TIME_SHIFT


@pytest.mark.skipif(not os.environ.get(TIME_SHIFT), reason=f"{TIME_SHIFT} is not set")
def test_the_clock_runs_ahead_by_the_days_asked_for():
    # A child process is not shifted: it reads the machine's own clock.
    real = float(
        subprocess.run(
            [sys.executable, "-c", "import time; print(time.time())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    ahead_days = (time.time() - real) / 86400
    assert ahead_days == pytest.approx(int(os.environ[TIME_SHIFT]), abs=0.01)
