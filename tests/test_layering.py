"""The core never drags in Textual or torch: each is checked in a fresh interpreter."""

import subprocess
import sys

import pytest

CORE = ["quiz", "quiz.bank", "quiz.schedulers.sm2", "quiz.store", "quiz.session", "quiz.backup",
        "quiz.settings", "quiz.paths", "quiz.listing", "quiz.cli", "quiz.stats",
        "quiz.stats_report", "quiz.schedulers", "quiz.schedulers.fsrs",
        "quiz.scheduler_choice", "quiz.optimize"]  # fmt: skip
HEAVY = ["textual", "torch"]


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_neither_textual_nor_torch(module):
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_package_init_is_empty_of_imports():
    import quiz

    source = open(quiz.__file__).read()
    assert "import" not in source
