"""The core never drags in Textual or torch, and the store never reaches up into what is
built on it: each is checked in a fresh interpreter. SQL stays inside the store."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import quiz

CORE = ["quiz", "quiz.bank", "quiz.schedulers.sm2", "quiz.store", "quiz.session", "quiz.backup",
        "quiz.settings", "quiz.paths", "quiz.listing", "quiz.cli", "quiz.stats",
        "quiz.stats_report", "quiz.schedulers", "quiz.schedulers.fsrs",
        "quiz.scheduler_choice", "quiz.optimize", "quiz.records",
        "quiz.scheduled_totals"]  # fmt: skip
HEAVY = ["textual", "torch"]
PACKAGE = Path(quiz.__file__).parent
ABOVE_THE_STORE = ("quiz.stats", "quiz.session", "quiz.cli", "quiz.tui")
"""Module name prefixes: the figures, the day's queue and the interfaces built on the store."""


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


def test_the_store_imports_nothing_built_on_it():
    modules = ["quiz.records"] + sorted(
        f"quiz.store.{path.stem}" for path in (PACKAGE / "store").glob("*.py")
    )
    code = (
        "import sys, importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.startswith({ABOVE_THE_STORE!r})))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_only_the_store_runs_sql():
    """Queries belong to the store: no other module executes SQL or opens SQLite itself."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "store") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr in {"execute", "executemany"}:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in {"sqlite3", "sqlite_utils"}:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports {name}")
    assert offenders == []
