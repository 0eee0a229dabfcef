"""Install quiz as a learner would, in a temporary folder, and try to read its secrets from an
answer: a wheel in a virtual environment, a `--user` install, and an editable install from a
clone with its virtual environment inside it.

Slow on purpose (about a minute: one wheel build and one editable build), so each layout is
built once per module. Torch and the other dependencies are not installed again: a `.pth` file
points each new environment at this test run's own site-packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

import pytest

from quiz.grader.sandbox import landlock_abi

REPO_ROOT = Path(__file__).resolve().parent.parent
PY = f"python{sys.version_info.major}.{sys.version_info.minor}"
DEPENDENCIES = sysconfig.get_paths()["purelib"]

pytestmark = pytest.mark.skipif(not landlock_abi(), reason="this kernel has no Landlock")


def pip(*args: str, **env: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", *args],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **env},
        timeout=600,
    )


def with_dependencies(site_packages: Path) -> None:
    site_packages.mkdir(parents=True, exist_ok=True)
    (site_packages / "test-dependencies.pth").write_text(DEPENDENCIES + "\n")


def new_venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    return folder / "lib" / PY / "site-packages"


def copy_working_tree(clone: Path) -> None:
    """The files of this checkout as they are now, committed or not, over the clone's."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source, target = REPO_ROOT / name, clone / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO_ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (found,) = out.glob("quiz-*.whl")
    return found


@pytest.fixture(scope="module")
def layouts(wheel, tmp_path_factory) -> dict[str, tuple[list[str], dict, list[Path]]]:
    """Each layout: the command that runs its quiz, its environment, and what must stay secret."""
    base = tmp_path_factory.mktemp("layouts")
    found = {}

    venv = base / "venv"
    packages = new_venv(venv)
    pip("--prefix", str(venv), str(wheel))
    with_dependencies(packages)
    data = packages / "quiz_banks" / "fastbook_ch4"
    found["wheel in a venv"] = (
        [str(venv / "bin" / "python"), "-m", "quiz"],
        {},
        [
            data / "questions.yaml",
            data / "solutions" / "relu.py",
            *BANK_FILES(data),
            REPO_ROOT / "questions.yaml",
        ],  # fmt: skip
    )

    user_base = base / "user"
    user_site = user_base / "lib" / PY / "site-packages"
    pip("--target", str(user_site), str(wheel))  # where `pip install --user` puts it
    with_dependencies(user_site)
    data = user_site / "quiz_banks" / "fastbook_ch4"
    python = Path(sys._base_executable if hasattr(sys, "_base_executable") else sys.executable)
    found["--user install"] = (
        [str(python), "-m", "quiz"],
        {"PYTHONUSERBASE": str(user_base)},
        [data / "questions.yaml", data / "solutions" / "relu.py", *BANK_FILES(data)],
    )

    clone = base / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
    copy_working_tree(clone)
    packages = new_venv(clone / ".venv")
    pip("--prefix", str(clone / ".venv"), "-e", str(clone))
    with_dependencies(packages)
    (pack,) = list((clone / ".git" / "objects" / "pack").glob("*.pack"))[:1]
    found["editable, in a clone with its venv inside"] = (
        [str(clone / ".venv" / "bin" / "python"), "-m", "quiz"],
        {},
        [
            clone / "solutions" / "relu.py",
            clone / "questions.yaml",
            clone / ".git" / "HEAD",
            pack,
            clone / "tests" / "conftest.py",
            clone / "pyproject.toml",
            clone / "README.md",
            clone / "solutions" / "checks" / "relu.py",
            clone / "banks" / "fastbook-ch5" / "solutions" / "softmax.py",
            packages / "quiz_banks" / "fastbook_ch4" / "solutions" / "relu.py",
            packages / "quiz_banks" / "fastbook_ch4" / "questions.yaml",
            *BANK_FILES(packages / "quiz_banks" / "fastbook_ch4"),
        ],
    )
    return found


def BANK_FILES(ch4: Path) -> list[Path]:  # noqa: N802 - read as a constant's table
    """Chapter 4's checks and chapter 5's bank, where a wheel puts them beside chapter 4's."""
    ch5 = ch4.parent / "fastbook_ch5"
    return [ch4 / "solutions" / "checks" / "relu.py", ch5 / "questions.yaml",
            ch5 / "solutions" / "softmax.py", ch5 / "checks" / "softmax.py"]  # fmt: skip


ATTEMPT = """\
import json, os, sys
readable, seen = [], []
for path in {paths!r}:
    try:
        with open(path, "rb") as f:
            f.read(1)
        readable.append(path)
    except OSError:
        pass
    try:
        seen.append([path, os.stat(path).st_size])
    except OSError:
        pass
for folder in sys.path:  # the repository, site-packages; the standard library's may be listed
    if folder.startswith(sys.base_prefix + os.sep):
        continue
    try:
        os.listdir(folder)
        readable.append(folder)
    except OSError:
        pass
print("FOUND " + json.dumps({{"readable": readable, "stat": seen}}))
def double_odds(nums):
    return [2 * n for n in nums if n % 2 == 1]
"""


@pytest.mark.parametrize(
    "layout", ["wheel in a venv", "--user install", "editable, in a clone with its venv inside"]
)
def test_an_answer_reads_nothing_of_the_installation_but_code(layouts, layout, tmp_path):
    command, env, secrets = layouts[layout]
    for path in secrets:
        assert path.exists(), f"the {layout} layout has no {path}: the test would prove nothing"
    answer = tmp_path / "answer.py"
    answer.write_text(ATTEMPT.format(paths=[str(p) for p in secrets]))
    result = subprocess.run(
        [*command, "check", "list-comprehension", str(answer), "--no-worker", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **env, "PYTHONPATH": ""},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    verdict = json.loads(result.stdout)
    (line,) = [x for x in verdict["output"].splitlines() if x.startswith("FOUND ")]
    found = json.loads(line.removeprefix("FOUND "))
    assert found["readable"] == [], found
    # This installation's reference solutions and banks are not even there to stat in the
    # check's mount namespace (another checkout's, like the one running this test, can be).
    # A covered folder is empty, a covered file is empty.
    ours = [(p, size) for p, size in found["stat"] if not p.startswith(str(REPO_ROOT) + os.sep)]
    shown = [p for p, size in ours if size and ("solutions" in p or p.endswith("questions.yaml"))]
    assert shown == [], shown
    assert verdict["passed"], verdict


def test_two_installations_checking_at_once_each_get_right_verdicts(layouts, tmp_path):
    """This checkout's quiz and an installed wheel share a user and a runtime folder: 20 checks
    each, at the same time, all answered right, by a worker of each installation's own."""
    command, env, _ = layouts["wheel in a venv"]
    right = "def pair_up(a, b):\n    return list(zip(a, b))\n"
    (tmp_path / "right.py").write_text(right)
    (tmp_path / "wrong.py").write_text(right.replace("list(zip(a, b))", "zip(a, b)"))
    installations = {
        "this checkout": [str(Path(sys.executable).with_name("quiz"))],
        "installed wheel": command,
    }
    results: dict[str, list[tuple[str, int]]] = {name: [] for name in installations}

    def check_twenty(name: str) -> None:
        for n in range(20):
            answer = "right.py" if n % 2 == 0 else "wrong.py"
            done = subprocess.run(
                [*installations[name], "check", "zip-pairs", answer],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env={**os.environ, **env, "PYTHONPATH": ""},
                timeout=300,
            )
            results[name].append((answer, done.returncode, done.stderr))

    threads = [threading.Thread(target=check_twenty, args=(name,)) for name in installations]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:  # the autouse fixture stops this checkout's worker; stop the wheel's here
        subprocess.run(
            [*command, "worker", "stop"], env={**os.environ, **env, "PYTHONPATH": ""}, timeout=60
        )
    for name, runs in results.items():
        wrong = [(a, code, err) for a, code, err in runs if code != (0 if a == "right.py" else 1)]
        assert len(runs) == 20 and wrong == [], (name, wrong)
    sockets = sorted(p.name for p in Path(os.environ["QUIZ_RUNTIME_DIR"]).glob("*.sock"))
    assert len(sockets) == 2, sockets  # one worker per installation, side by side
