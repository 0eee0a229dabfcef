"""A non-editable install carries the bank and the solutions inside the package."""

import subprocess
import sys

from quiz.paths import bundled_root

from .conftest import REPO_ROOT


def test_bundled_root_of_a_checkout_is_the_repository():
    assert bundled_root() == REPO_ROOT


def test_installed_wheel_finds_its_bank_from_another_directory(tmp_path):
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(REPO_ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    # Each bank is a data package beside quiz, never inside it.
    banks = target / "quiz_banks"
    assert (banks / "fastbook_ch4" / "questions.yaml").is_file()
    assert (banks / "fastbook_ch4" / "solutions" / "mnist_trainer.py").is_file()
    assert (banks / "fastbook_ch5" / "questions.yaml").is_file()
    assert not (target / "quiz" / "data").exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "from quiz.cli import main; main(['validate', '--no-run'])", str(target)],
        cwd=elsewhere, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert str(banks / "fastbook_ch4" / "questions.yaml") in proc.stdout
    assert "ok, 39 questions" in proc.stdout
