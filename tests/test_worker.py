"""The background worker behind `quiz check`: real processes on a real socket.

Every test runs against its own runtime folder (QUIZ_RUNTIME_DIR, from conftest), and the
autouse fixture stops any worker a test leaves running.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from quiz.grader import client, wire

RIGHT = "def pair_up(a, b):\n    return list(zip(a, b))\n"
WRONG = "def pair_up(a, b):\n    return zip(a, b)\n"
SLOW_RIGHT = "import time\ntime.sleep(2)\n" + RIGHT
QUIZ = str(Path(sys.executable).with_name("quiz"))


def quiz(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [QUIZ, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=180,
    )


def start_check(*args: str, cwd: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [QUIZ, "check", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=180)
    return process.returncode, out, err


def runtime() -> Path:
    return Path(os.environ["QUIZ_RUNTIME_DIR"])


def gone(pid: int) -> bool:
    """Whether pid has exited (a zombie waiting for its parent counts as gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return True
    return fields[0] == "Z"


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout} s")
        time.sleep(0.05)


@pytest.fixture
def answers(tmp_path) -> Path:
    for name, source in {"right.py": RIGHT, "wrong.py": WRONG, "slow.py": SLOW_RIGHT}.items():
        (tmp_path / name).write_text(source)
    return tmp_path


def test_two_concurrent_checks_each_get_their_own_verdict_from_one_worker(answers):
    right = start_check("zip-pairs", "right.py", "--json", cwd=answers)
    wrong = start_check("zip-pairs", "wrong.py", "--json", cwd=answers)
    (right_code, right_out, _), (wrong_code, wrong_out, _) = finish(right), finish(wrong)

    assert right_code == 0 and json.loads(right_out)["passed"] is True
    assert wrong_code == 1 and json.loads(wrong_out)["passed"] is False
    status = client.status()
    assert status is not None and status["checks"] == 2  # both answered by the same worker


def _timeless(text: str) -> str:
    """The output with the seconds taken out: the only thing two runs may print differently."""
    return re.sub(r"\d+\.\d+ s", "N s", " ".join(text.split()))


def test_the_worker_prints_exactly_what_the_one_shot_path_prints(answers):
    for args in (["wrong.py"], ["missing.py"]):
        warm = quiz("check", "zip-pairs", *args, cwd=answers)
        cold = quiz("check", "zip-pairs", *args, "--no-worker", cwd=answers)
        assert (warm.returncode, _timeless(warm.stdout), warm.stderr) == (
            cold.returncode,
            _timeless(cold.stdout),
            cold.stderr,
        )
        assert "wrong.py" not in args or "the whole command" in warm.stdout
    assert "quiz: error: missing.py: no such file" in warm.stderr and warm.returncode == 2


@pytest.mark.parametrize("how", ["flag", "env"])
def test_no_worker_checks_in_process_and_starts_no_worker(answers, how):
    args, env = (["--no-worker"], {}) if how == "flag" else ([], {"QUIZ_NO_WORKER": "1"})
    result = quiz("check", "zip-pairs", "right.py", *args, cwd=answers, **env)
    assert result.returncode == 0, result.stderr
    assert "✓ zip-pairs: passed" in result.stdout
    assert not (runtime() / wire.SOCKET_NAME).exists()
    assert not client.running(runtime())


def test_status_and_stop(answers):
    none = quiz("worker", "status")
    assert none.returncode == 1 and none.stdout.strip() == "no background worker is running"

    assert quiz("check", "zip-pairs", "right.py", cwd=answers).returncode == 0
    status = client.status()
    shown = quiz("worker", "status")
    assert shown.returncode == 0 and f"pid {status['pid']}" in shown.stdout
    assert "1 check," in shown.stdout and "exits after 600 s" in shown.stdout

    stopped = quiz("worker", "stop")
    assert stopped.stdout.strip() == f"stopped the background worker (pid {status['pid']})"
    assert not (runtime() / wire.SOCKET_NAME).exists()
    wait_until(lambda: gone(status["pid"]), 10, "the worker exits")
    wait_until(lambda: all(gone(pid) for pid in status["grader_pids"]), 30, "grader exits")
    assert quiz("worker", "stop").stdout.strip() == "no background worker is running"


def test_a_worker_killed_mid_check_is_replaced_and_the_check_answered(answers):
    assert quiz("check", "zip-pairs", "right.py", cwd=answers).returncode == 0
    before = client.status()
    slow = start_check("zip-pairs", "slow.py", cwd=answers)
    wait_until(lambda: client.status()["in_flight"] == 1, 30, "the slow check is in flight")
    os.kill(before["pid"], signal.SIGKILL)

    code, out, err = finish(slow)
    assert code == 0, err
    assert "✓ zip-pairs: passed" in out and err == ""
    after = client.status()
    assert after["pid"] != before["pid"] and after["checks"] == 1
    # The dead worker's grader notices its parent is gone and exits once its check ends.
    wait_until(lambda: all(gone(pid) for pid in before["grader_pids"]), 30, "old grader exits")


def test_a_worker_of_another_installation_makes_way(answers):
    """A worker left running by another virtual environment (here the same Python under another
    name, as a second venv would give) stops for a check from this one, which starts its own."""
    other = Path(sys.executable).with_name(f"python-other-{os.getpid()}")
    other.symlink_to(Path(sys.executable).name)
    try:
        env = {**os.environ, "PYTHONPATH": str(Path(client.__file__).resolve().parents[2])}
        folder = wire.private_folder(runtime())
        command = [str(other), "-m", "quiz.grader.service", "--folder", str(folder)]
        subprocess.run([*command, "--idle", "60"], env=env, check=True, timeout=60)
        wait_until(lambda: client.status() is not None, 30, "the other worker listens")
        old = client.status()["pid"]

        result = quiz("check", "zip-pairs", "right.py", cwd=answers)
        assert result.returncode == 0, result.stderr
        assert "✓ zip-pairs: passed" in result.stdout and result.stderr == ""
        new = client.status()
        assert new["pid"] != old and new["checks"] == 1
        wait_until(lambda: gone(old), 10, "the other installation's worker exits")
    finally:
        other.unlink()


def test_a_stale_socket_is_replaced(answers):
    folder = wire.private_folder(runtime())
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    stale.bind(str(folder / wire.SOCKET_NAME))
    os.umask(old_umask)
    stale.close()  # the file stays, with nobody listening: what a crashed worker leaves

    result = quiz("check", "zip-pairs", "right.py", cwd=answers)
    assert result.returncode == 0, result.stderr
    assert client.status()["checks"] == 1


def listening_socket(folder: Path) -> socket.socket:
    """A socket where the worker's would be, that would answer whoever connects."""
    wire.private_folder(folder)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(folder / wire.SOCKET_NAME))
    listener.listen(1)
    listener.setblocking(False)
    return listener


def refused(answers: Path, listener: socket.socket, why: str) -> None:
    result = quiz("check", "zip-pairs", "right.py", cwd=answers)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("quiz: error: ") and why in line and "refusing it" in line
    assert "Traceback" not in result.stderr and result.stdout == ""
    with pytest.raises(BlockingIOError):
        listener.accept()  # quiz refused before it connected


def test_a_socket_open_to_other_users_is_refused(answers):
    listener = listening_socket(runtime())
    os.chmod(runtime() / wire.SOCKET_NAME, 0o666)
    with listener:
        refused(answers, listener, "open to other users (mode 0666)")


def test_a_folder_open_to_other_users_is_refused(answers):
    listener = listening_socket(runtime())
    os.chmod(runtime() / wire.SOCKET_NAME, 0o600)
    os.chmod(runtime(), 0o755)
    with listener:
        refused(answers, listener, "open to other users (mode 0755)")


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user takes root")
def test_a_socket_owned_by_someone_else_is_refused(answers):
    listener = listening_socket(runtime())
    os.chmod(runtime() / wire.SOCKET_NAME, 0o600)
    os.chown(runtime() / wire.SOCKET_NAME, 65534, 65534)
    with listener:
        refused(answers, listener, "belongs to uid 65534, not to you")


AS_ANOTHER_USER = """
import os, socket, sys
os.setgid(65534)
os.setuid(65534)
connection = socket.socket(socket.AF_UNIX)
connection.connect(sys.argv[1])
print("connected")
try:
    connection.sendall(b'{"op": "status"}\\n')
    reply = connection.recv(100)
except ConnectionError:  # reset or broken pipe: the worker hung up on us
    reply = b""
print("told-nothing" if reply == b"" else reply)
"""


@pytest.mark.skipif(os.getuid() != 0, reason="connecting as another user takes root")
def test_the_worker_answers_no_other_user(answers, monkeypatch):
    # The worker must turn another user away by itself, not only through the socket's mode:
    # so for a moment the socket is open, in a folder that user can reach.
    base = Path(tempfile.mkdtemp(prefix="quiz-peer-"))
    os.chmod(base, 0o711)
    monkeypatch.setenv("QUIZ_RUNTIME_DIR", str(base / "run"))
    try:
        assert quiz("check", "zip-pairs", "right.py", cwd=answers).returncode == 0
        os.chmod(base / "run", 0o711)
        os.chmod(base / "run" / wire.SOCKET_NAME, 0o666)
        other = subprocess.run(
            [sys.executable, "-c", AS_ANOTHER_USER, str(base / "run" / wire.SOCKET_NAME)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert other.returncode == 0, other.stderr
        assert other.stdout.split() == ["connected", "told-nothing"]
        os.chmod(base / "run", 0o700)
        os.chmod(base / "run" / wire.SOCKET_NAME, 0o600)
        assert client.status()["checks"] == 1  # while we are still answered
    finally:
        os.chmod(base / "run", 0o700)
        os.chmod(base / "run" / wire.SOCKET_NAME, 0o600)
        client.stop(base / "run")
        shutil.rmtree(base)


def test_the_worker_exits_after_a_quiet_spell_but_not_during_a_check(answers, monkeypatch):
    monkeypatch.setenv(client.IDLE_ENV, "1")
    slow = start_check("zip-pairs", "slow.py", cwd=answers)  # a check longer than 1 s

    def in_flight() -> dict | None:
        status = client.status()
        return status if status is not None and status["in_flight"] == 1 else None

    wait_until(in_flight, 60, "the slow check is in flight")
    during = client.status()
    code, out, err = finish(slow)
    assert code == 0, err
    assert during["idle_s"] == 1.0
    wait_until(lambda: not client.running(runtime()), 30, "the worker exits when quiet")
    # The worker that answered is the one that took the check: it did not quit mid-way.
    assert int((runtime() / wire.LOCK_NAME).read_text()) == during["pid"]
    assert not (runtime() / wire.SOCKET_NAME).exists()
    wait_until(lambda: all(gone(pid) for pid in during["grader_pids"]), 30, "grader exits")


def test_a_bad_idle_setting_is_one_line_and_status_2(answers):
    result = quiz("check", "zip-pairs", "right.py", cwd=answers, QUIZ_WORKER_IDLE="soon")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "quiz: error: QUIZ_WORKER_IDLE must be a number of seconds above 0, not 'soon'"
    )


def test_the_client_imports_nothing_heavy():
    heavy = [
        "torch",
        "textual",
        "numpy",
        "yaml",
        "sqlite_utils",
        "quiz.grader.checker",
        "quiz.bank",
    ]
    code = (
        "import sys; import quiz.cli, quiz.grader.client; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_each_check_uses_the_mnist_folder_of_the_call_that_asked(answers):
    """A worker started with one QUIZ_MNIST_DIR checks a later call's answer with that call's."""
    folders = {}
    for name in ("first", "second"):
        folder = answers / name
        folder.mkdir()
        (folder / "train-labels-idx1-ubyte.gz").write_text(name)
        folders[name] = folder
    (answers / "reads.py").write_text(
        "import os\n"
        "path = os.path.join(os.environ.get('QUIZ_MNIST_DIR', ''), 'x')\n"
        "for name in ('first', 'second'):\n"
        f"    where = os.path.join({str(answers)!r}, name, 'train-labels-idx1-ubyte.gz')\n"
        "    try:\n"
        "        print(name, 'readable:', open(where).read())\n"
        "    except OSError:\n"
        "        print(name, 'readable: no')\n" + RIGHT
    )
    seen = {}
    for name, folder in folders.items():
        result = quiz(
            "check", "zip-pairs", "reads.py", "--json", cwd=answers, QUIZ_MNIST_DIR=str(folder)
        )
        assert result.returncode == 0, result.stderr
        seen[name] = json.loads(result.stdout)["output"].splitlines()
    assert seen["first"] == ["first readable: first", "second readable: no"]
    assert seen["second"] == ["first readable: no", "second readable: second"]
    assert client.status()["checks"] == 2  # one worker answered both


def test_a_huge_traceback_is_cut_in_the_child_and_never_taken_for_a_dead_worker(answers):
    long_line = "x = 1; " * 4000
    (answers / "deep.py").write_text(
        f"def down(n):\n    {long_line}return down(n + 1)\ndown(0)\n" + RIGHT
    )
    started = time.monotonic()
    result = quiz("check", "zip-pairs", "deep.py", cwd=answers)
    assert result.returncode == 1, result.stderr  # an answer that is not yet right
    assert "RecursionError" in result.stdout
    assert "more characters cut: details are kept to 20,000" in " ".join(result.stdout.split())
    assert len(result.stdout) < 100_000 and result.stderr == ""
    assert client.status()["checks"] == 1  # answered once, by one worker
    assert time.monotonic() - started < 60


def test_escapes_and_lone_surrogates_reach_the_terminal_as_text(answers):
    (answers / "noisy.py").write_text(
        "print('\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07\\x1b]52;c;ZXZpbA==\\x07done')\n"
        "raise ValueError('bad \\ud800 surrogate \\x1b[31m')\n"
    )
    for args in ([], ["--no-worker"], ["--json"]):
        result = quiz("check", "zip-pairs", "noisy.py", *args, cwd=answers)
        assert result.returncode == 1, result.stderr
        assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout
        assert "Traceback" not in result.stderr
        shown = json.loads(result.stdout)["output"] if args == ["--json"] else result.stdout
        assert "\\x1b[2J" in shown and "\\x1b]52;c;ZXZpbA==\\x07done" in shown
    assert "bad \ufffd surrogate \\x1b[31m" in result.stdout or "\\ufffd" in result.stdout


def test_a_reply_over_the_line_limit_is_refused_whole_not_taken_for_silence():
    left, right = socket.socketpair()
    with left, right, right.makefile("rb") as reader:
        sender = threading.Thread(target=wire.send, args=(left, {"x": "y" * (wire.MAX_LINE + 10)}))
        sender.start()
        reply = wire.receive(reader)
        sender.join()
    assert "over the 16 MB a reply may be" in reply["error"]
    with pytest.raises(wire.TooLarge):
        raw_left, raw_right = socket.socketpair()
        with raw_left, raw_right, raw_right.makefile("rb") as reader:
            writer = threading.Thread(
                target=raw_left.sendall, args=(b"z" * (wire.MAX_LINE + 2) + b"\n",)
            )
            writer.start()
            try:
                wire.receive(reader)
            finally:
                writer.join()
