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
    assert (target / "quiz" / "data" / "questions.yaml").is_file()
    assert (target / "quiz" / "data" / "solutions" / "mnist_trainer.py").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "from quiz.cli import main; main(['validate'])", str(target)],
        cwd=elsewhere, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert str(target / "quiz" / "data" / "questions.yaml") in proc.stdout
    assert "ok, 39 questions" in proc.stdout
