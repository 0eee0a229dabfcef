"""Hostile answers against the real sandbox: each tries to reach outside its own child.

Every hostile answer is followed, in the same warm worker, by a right and a wrong answer whose
verdicts must be unchanged; canary files, a SQLite database's bytes, a loopback listener, an
abstract socket and an unrelated process show that nothing outside was touched.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from quiz.bank import load_bank
from quiz.grader import Checker
from quiz.grader.sandbox import landlock_abi

REPO_ROOT = Path(__file__).resolve().parent.parent
BANK = load_bank(REPO_ROOT / "questions.yaml")
RIGHT = "def double_odds(nums):\n    return [2 * n for n in nums if n % 2 == 1]\n"
WRONG = "def double_odds(nums):\n    return [n for n in nums if n % 2 == 1]\n"

pytestmark = pytest.mark.skipif(not landlock_abi(), reason="this kernel has no Landlock")


@pytest.fixture(scope="module")
def checker():
    with Checker(BANK) as checker:
        # Warm: the first check waits for torch to load, however long a busy machine takes.
        assert checker.check("list-comprehension", RIGHT).passed
        yield checker


@pytest.fixture
def database(isolated_home):
    """A real review database with one card, at the path quiz would use."""
    path = Path(os.environ["QUIZ_DB"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("create table cards (id text primary key, interval integer)")
        db.execute("insert into cards values ('relu', 1)")
    db.close()
    return path


@pytest.fixture
def bystander():
    """A process of this user that no answer may kill."""
    process = subprocess.Popen(["sleep", "300"])
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def listener():
    """A loopback TCP listener that must never see a connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    yield server
    server.close()


def hostile(checker, source: str, question: str = "list-comprehension"):
    """Run a hostile answer, then a right and a wrong one in the same worker; return the first."""
    pid = checker.worker_pid
    verdict = checker.check(question, textwrap.dedent(source), time_limit=10)
    right = checker.check("list-comprehension", RIGHT)
    wrong = checker.check("list-comprehension", WRONG)
    assert right.passed, right
    assert not wrong.passed and wrong.checks[1].expected == "[2, 6, 10]"
    assert checker.worker_pid == pid
    assert _comes_to_rest(pid), _descendants(pid)
    return verdict


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for kid in _children(todo.pop()):
            found.append(kid)
            todo.append(kid)
    return found


def _pid_in_own_namespace(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("NSpid:"):
            return int(line.split()[-1])
    raise AssertionError(f"no NSpid for {pid}")


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _at_rest(pid: int) -> tuple[int, ...] | None:
    """The worker's own process tree between checks, and nothing else: itself inside its
    namespaces, and the next check's child forked ahead of it, which is its fresh PID
    namespace's init (pid 1 there) and the process that will run the code (pid 2), asleep
    waiting for its request. (A check just answered has the same shape for a moment, but its
    code process is exiting, never asleep.) The pids, or None."""
    try:
        (inner,) = _children(pid)
        (init,) = _children(inner)
        (code,) = _children(init)
        spare = (
            _pid_in_own_namespace(init) == 1
            and _pid_in_own_namespace(code) == 2
            and _state(code) == "S"
            and not _children(code)
        )
    except (ValueError, OSError):  # not one child at each level, or a process just ended
        return None
    return (inner, init, code) if spare else None


def _comes_to_rest(pid: int, within_s: float = 10.0) -> bool:
    """Whether the tree settles at rest, the same on two looks 0.1 s apart: the worker cleans
    up and forks the next child after it replies."""
    deadline = time.monotonic() + within_s
    seen = None
    while time.monotonic() < deadline:
        now = _at_rest(pid)
        if now is not None and now == seen:
            return True
        seen = now
        time.sleep(0.1)
    return False


def _our_tree(checker) -> list[int]:
    """This test process, the worker, the worker's own process and the next check's child it
    forked ahead (which runs the hostile answer, and skips itself): the only targets we aim at.

    Hostile answers never touch other processes, so a broken sandbox cannot harm a bystander."""
    assert _comes_to_rest(checker.worker_pid), _descendants(checker.worker_pid)
    return [os.getpid(), checker.worker_pid, *_descendants(checker.worker_pid)]


def test_forged_replies_on_the_workers_pipes_cannot_swap_verdicts(checker):
    # Append a forged "passed" reply for every request id to every descriptor of our processes.
    targets = _our_tree(checker)
    source = f"""\
    import glob, json, os
    opened = 0
    me = int(os.readlink("/proc/self"))  # the child that runs this was forked ahead: skip it
    for pid in {targets!r}:
      if pid == me:
        continue
      for path in glob.glob(f"/proc/{{pid}}/fd/*"):
        try:
            with open(path, "a") as pipe:
                for n in range(1, 200):
                    pipe.write(json.dumps({{"id": n, "exit_code": 0, "stream": ""}}) + "\\n")
            opened += 1
        except OSError:
            pass
    print("opened", opened)
    def double_odds(nums):
        return [n for n in nums]
    """
    verdict = hostile(checker, source)
    assert not verdict.passed
    assert verdict.output.split()[:2] == ["opened", "0"]


def test_writes_outside_the_scratch_folder_fail(checker, database, tmp_path):
    token = secrets.token_hex(6)
    canaries = [
        Path.home() / f".quiz-canary-{token}",
        REPO_ROOT / "solutions" / f"canary-{token}.py",
        tmp_path / f"canary-{token}",
        Path("/tmp") / f"quiz-canary-{token}",
    ]
    relu = REPO_ROOT / "solutions" / "relu.py"
    before = relu.read_bytes(), database.read_bytes()
    source = f"""\
    import sqlite3
    wrote = []
    for path in {[str(c) for c in canaries]!r} + [{str(relu)!r}]:
        try:
            with open(path, "a") as f:
                f.write("def relu(x): return x.abs()\\n")
            wrote.append(path)
        except OSError:
            pass
    try:
        db = sqlite3.connect({str(database)!r})
        db.execute("update cards set interval = 3650")
        db.commit()
        wrote.append("database")
    except sqlite3.Error:
        pass
    with open("mine.txt", "w") as own:  # its own scratch folder is fine
        own.write("ok")
    print("wrote", wrote, open("mine.txt").read())
    def double_odds(nums):
        return [2 * n for n in nums if n % 2 == 1]
    """
    try:
        verdict = hostile(checker, source)
        created = [c for c in canaries if c.exists()]
        relu_after = relu.read_bytes()
    finally:
        if relu.read_bytes() != before[0]:
            relu.write_bytes(before[0])
        for canary in canaries:
            canary.unlink(missing_ok=True)
    assert "wrote [] ok" in verdict.output
    assert verdict.passed  # the answer itself is right: the sandbox does not get in its way
    assert created == [] and relu_after == before[0]
    assert database.read_bytes() == before[1]
    assert checker.check("relu", "def relu(x):\n    return x.abs()\n").passed is False


def test_no_network_of_any_kind(checker, listener):
    name = f"quiz-canary-{secrets.token_hex(6)}"
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind("\0" + name)
    abstract.listen()
    abstract.setblocking(False)
    port = listener.getsockname()[1]
    source = f"""\
    import socket
    reached = []
    tries = {{
        "tcp": lambda: socket.create_connection(("127.0.0.1", {port}), timeout=1),
        "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", {port})),
        "listen": lambda: socket.create_server(("127.0.0.1", 0)),
        "abstract": lambda: socket.socket(socket.AF_UNIX).connect("\\0{name}"),
        "raw": lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW),
        "outbound": lambda: socket.create_connection(("1.1.1.1", 53), timeout=1),
    }}
    for what, attempt in tries.items():
        try:
            attempt()
            reached.append(what)
        except OSError:
            pass
    print("reached", reached)
    def double_odds(nums):
        return [2 * n for n in nums if n % 2 == 1]
    """
    try:
        verdict = hostile(checker, source)
        assert "reached []" in verdict.output
        for server in (listener, abstract):
            with pytest.raises(BlockingIOError):
                server.accept()
    finally:
        abstract.close()


def test_solutions_the_bank_and_other_processes_memory_cannot_be_read(checker, database):
    # The reference is computed first, in a fresh child, so the answer below gets the spare.
    assert checker.check("list-comprehension", RIGHT).passed
    targets = _our_tree(checker)
    source = f"""\
    import os
    read = []
    paths = [{str(REPO_ROOT / "solutions" / "relu.py")!r}, {str(REPO_ROOT / "questions.yaml")!r},
             {str(database)!r}]
    paths += [f"/proc/{{pid}}/{{name}}" for pid in {targets!r} for name in ("mem", "environ")]
    me = os.readlink("/proc/self")  # the child that runs this was forked ahead: skip it
    for path in paths:
        if path.startswith(("/proc/self", "/proc/thread-self", f"/proc/{{me}}/")):
            continue
        try:
            with open(path, "rb") as f:
                if f.read(1):
                    read.append(path)
        except OSError:
            pass
    print("read", read)
    print("processes", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
    import gc
    leaks = [o for o in gc.get_objects() if isinstance(o, dict) and "solutions_dir" in o]
    print("requests holding solutions", len(leaks))
    exec(open({str(REPO_ROOT / "solutions" / "list_comprehension.py")!r}).read())
    """
    verdict = hostile(checker, source)
    lines = verdict.output.splitlines()
    assert "read []" in lines and "requests holding solutions 0" in lines
    # Its /proc is its own: its namespace's first process and itself, nothing of the host's.
    assert "processes [1, 2]" in lines
    # The solution is not there at all in the check's mount namespace, or is unreadable.
    assert verdict.error.kind == "exception"
    assert (
        "FileNotFoundError" in verdict.error.message or "PermissionError" in verdict.error.message
    )


def test_no_process_outside_the_sandbox_can_be_signalled(checker, bystander):
    host = os.getpid()
    source = f"""\
    import os, signal
    hit = []
    for pid in (os.getppid(), {host}, {checker.worker_pid}, {bystander.pid}, 1):
        try:
            os.kill(pid, signal.SIGKILL)
            hit.append(pid)
        except OSError:
            pass
    print("hit", hit)
    def double_odds(nums):
        return [2 * n for n in nums if n % 2 == 1]
    """
    verdict = hostile(checker, source)
    assert bystander.poll() is None
    assert "hit []" in verdict.output


def test_a_killed_worker_takes_every_process_and_folder_of_its_check_with_it(tmp_path):
    marker = f"{int(secrets.token_hex(3), 16)}.375"
    with Checker(BANK) as checker:
        checker.check("list-comprehension", RIGHT)
        worker = checker.worker_pid
        scratch = checker._scratch
        first = set(scratch.iterdir())
        source = f"""\
        import os, subprocess, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "{marker}"])
            os._exit(0)
        subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
        time.sleep(60)
        """
        killer = _kill_when_running(worker, marker)
        # The check is retried once on a fresh worker, where the answer sleeps past its limit.
        verdict = checker.check("list-comprehension", textwrap.dedent(source), time_limit=3)
        killer.join()
        assert verdict.error.kind == "timeout"
        assert checker.check("list-comprehension", RIGHT).passed
        assert checker.worker_pid != worker
        assert not set(scratch.iterdir()) & first  # the dead worker's folder and log are gone
    assert not _running(marker)
    assert not scratch.exists()


def _kill_when_running(worker: int, marker: str):
    import threading

    def kill() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_running(marker)) < 2:
            time.sleep(0.05)
        os.kill(worker, signal.SIGKILL)

    thread = threading.Thread(target=kill)
    thread.start()
    return thread


def _running(marker: str) -> list[str]:
    """Live processes running exactly `sleep marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if line == f"sleep\0{marker}\0".encode() and state != "Z":
            found.append(pid)
    return found


def test_a_check_cannot_write_into_quiz_checks_own_output(tmp_path):
    answer = tmp_path / "answer.py"
    answer.write_text(
        textwrap.dedent(
            """\
            import glob
            for path in glob.glob("/proc/[0-9]*/fd/1"):
                try:  # only the `quiz check` running this very file
                    with open(path.replace("fd/1", "cmdline"), "rb") as line:
                        if b"ANSWER_PATH" not in line.read():
                            continue
                    with open(path, "a") as out:
                        out.write('{"passed": true}\\n\\x1b[2J')
                except OSError:
                    pass
            def double_odds(nums):
                return [n for n in nums]
            """
        ).replace("ANSWER_PATH", str(answer))
    )
    done = subprocess.run(
        [sys.executable, "-m", "quiz", "check", "list-comprehension", str(answer), "--json"],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
    )
    assert done.returncode == 1
    assert "\x1b[2J" not in done.stdout
    assert json.loads(done.stdout)["passed"] is False


def test_reference_results_cannot_be_squatted():
    with Checker(BANK) as checker:
        _squat_then_check(checker)


def _squat_then_check(checker) -> None:
    scratch = str(checker._scratch)
    squat = f"""\
    import glob, os
    for folder in [{scratch!r}, *glob.glob({scratch!r} + "/*")]:
        for n in range(1, 50):
            try:
                open(os.path.join(folder, f"reference-{{n}}.jsonl"), "x").close()
            except OSError:
                pass
    def double_odds(nums):
        return [2 * n for n in nums if n % 2 == 1]
    """
    checker.start()
    checker.check("zip-pairs", "def pair_up(a, b):\n    return list(zip(a, b))\n")
    hostile(checker, squat)
    assert checker.check("relu", "def relu(x):\n    return x.clamp(min=0)\n").passed
    assert checker.check(
        "sigmoid", "import torch\ndef sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n"
    ).passed


def test_of_the_mnist_folder_only_the_mnist_files_can_be_read(checker, tmp_path, monkeypatch):
    folder = tmp_path / "downloads"
    folder.mkdir()
    secret = folder / "notes.txt"
    secret.write_text("private notes\n")
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"labels\n")
    monkeypatch.setenv("QUIZ_MNIST_DIR", str(folder))
    source = f"""\
    import os
    for path in ({str(secret)!r}, {str(folder / "t10k-labels-idx1-ubyte.gz")!r}):
        try:
            print("read", open(path).read().strip())
        except OSError as exc:
            print("refused", type(exc).__name__)
    try:
        print("listed", os.listdir({str(folder)!r}))
    except OSError as exc:
        print("refused", type(exc).__name__)
    exec(open({str(REPO_ROOT / "solutions" / "list_comprehension.py")!r}).read())
    """
    verdict = hostile(checker, source)
    assert verdict.output.splitlines() == [
        "refused PermissionError",
        "read labels",
        "refused PermissionError",
    ]
