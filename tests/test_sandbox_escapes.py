"""Hostile answers that try the kernel's other doors: sockets of every kind, new namespaces,
the mount API, the host's /proc, and totals across processes.

Each hostile answer is followed by a right answer in the same warm worker, whose verdict must be
unchanged. The fork loop, the memory hoard and the disk filler are bounded: each would stop by
itself soon after the limit it should meet, so a broken fence cannot take the machine down.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from quiz.bank import load_bank
from quiz.grader import Checker
from quiz.grader.limits import PROCESS_LIMIT, SCRATCH_LIMIT
from quiz.grader.outcome import DISK, PROCESSES
from quiz.grader.sandbox import NO_NAMESPACES_ENV, landlock_abi
from quiz.grader.verdict import MEMORY

REPO_ROOT = Path(__file__).resolve().parent.parent
BANK = load_bank(REPO_ROOT / "questions.yaml")
RIGHT = "def double_odds(nums):\n    return [2 * n for n in nums if n % 2 == 1]\n"

pytestmark = pytest.mark.skipif(not landlock_abi(), reason="this kernel has no Landlock")


@pytest.fixture(scope="module")
def checker():
    with Checker(BANK) as checker:
        yield checker


def hostile(checker, source: str, time_limit: float = 20):
    """Run a hostile answer, then a right one in the same worker; return the first verdict."""
    pid = checker.worker_pid
    verdict = checker.check("list-comprehension", textwrap.dedent(source), time_limit=time_limit)
    assert checker.check("list-comprehension", RIGHT).passed
    assert checker.worker_pid == pid
    return verdict


def printed(verdict) -> dict[str, str]:
    """The answer's `name: result` lines."""
    return dict(line.split(": ", 1) for line in verdict.output.splitlines() if ": " in line)


def test_no_socket_of_any_kind_can_be_made(checker):
    source = """\
    import ctypes, os, socket
    libc = ctypes.CDLL(None, use_errno=True)
    tries = {
        "socketpair dgram": lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM),
        "socketpair stream": lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM),
        "unix dgram": lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM),
        "netlink": lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0),
        "inet6": lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM),
        "raw socketpair call": lambda: _raw(53, 1, 2, 0, ctypes.create_string_buffer(8)),
    }
    def _raw(number, *args):
        if libc.syscall(number, *args) < 0:
            raise OSError(ctypes.get_errno(), "refused")
    for name, attempt in tries.items():
        try:
            attempt()
            print(f"{name}: made")
        except OSError as exc:
            print(f"{name}: {exc.errno}")
    def double_odds(nums):
        return [2 * n for n in nums if n % 2 == 1]
    """
    results = printed(hostile(checker, source))
    assert len(results) == 6
    assert set(results.values()) == {"1"}, results  # EPERM, every one


def test_no_namespace_and_no_mount_call_is_allowed(checker):
    source = """\
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    SIGCHLD = 17
    def call(number, *args):
        result = libc.syscall(ctypes.c_long(number), *args)
        if result == 0 and number in (56, 435):
            os._exit(0)  # a child that clone made after all: the parent reports it
        return "allowed" if result >= 0 else str(ctypes.get_errno())
    tries = {
        # clone(CLONE_NEWUSER|CLONE_NEWNS|SIGCHLD): a child in new namespaces, if allowed
        "clone newuser": lambda: call(56, 0x10000000 | 0x00020000 | SIGCHLD, 0, 0, 0, 0),
        "clone newnet": lambda: call(56, 0x40000000 | SIGCHLD, 0, 0, 0, 0),
        "clone3": lambda: call(435, ctypes.create_string_buffer(88), 88),
        "unshare": lambda: call(272, 0x10000000),
        "fsopen": lambda: call(430, b"tmpfs", 0),
        "fspick": lambda: call(433, -100, b"/", 0),
        "open_tree": lambda: call(428, -100, b"/", 1),
        "move_mount": lambda: call(429, -100, b"/", -100, b"/tmp", 0),
        "fsmount": lambda: call(432, 0, 0, 0),
        "mount_setattr": lambda: call(442, -100, b"/", 0, 0, 0),
        "memfd_create": lambda: call(319, b"hoard", 0),
        "shmget": lambda: call(29, 0, 1 << 20, 0o1600),
        "mq_open": lambda: call(240, b"q", 0o100, 0o600, 0),
        "open_by_handle_at": lambda: call(304, -100, ctypes.create_string_buffer(16), 0),
    }
    for name, attempt in tries.items():
        print(f"{name}: {attempt()}")
    def double_odds(nums):
        return [2 * n for n in nums if n % 2 == 1]
    """
    results = printed(hostile(checker, source))
    assert results.pop("clone3") == "38"  # ENOSYS: the C library falls back to clone()
    assert len(results) == 13
    assert set(results.values()) == {"1"}, results
    # Threads and processes still start: clone() without namespace flags is fine.
    threads = """\
    import os, threading
    out = []
    t = threading.Thread(target=out.append, args=(1,)); t.start(); t.join()
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    print("thread and fork:", out, os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    def double_odds(nums):
        return [2 * n for n in nums if n % 2 == 1]
    """
    assert printed(hostile(checker, threads)) == {"thread and fork": "[1] 7"}


def test_proc_is_the_checks_own_and_private_files_cannot_even_be_stat(checker, isolated_home):
    database = Path(os.environ["QUIZ_DB"])
    database.parent.mkdir(parents=True, exist_ok=True)
    database.write_bytes(b"SQLite format 3\0" + bytes(100))
    with Checker(BANK) as own:  # a worker that knows this test's database
        secret = "correct-horse-battery-staple"
        source = f"""\
        import os
        pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        print("pids:", pids)
        lines = []
        for pid in pids:
            lines.append(open(f"/proc/{{pid}}/cmdline", "rb").read())
        print("secret seen:", any({secret!r}.encode() in line for line in lines))
        for name, path in {{"solution": {str(REPO_ROOT / "solutions" / "relu.py")!r},
                           "bank": {str(REPO_ROOT / "questions.yaml")!r},
                           "database": {str(database)!r}}}.items():
            try:
                info = os.stat(path)
                print(name + ":", "size", info.st_size)
            except OSError as exc:
                print(name + ":", type(exc).__name__)
        def double_odds(nums):
            return [2 * n for n in nums if n % 2 == 1]
        """
        bystander = os.spawnlp(os.P_NOWAIT, "sleep", "sleep", "30", secret)
        try:
            verdict = own.check("list-comprehension", textwrap.dedent(source), time_limit=20)
        finally:
            os.kill(bystander, 9)
            os.waitpid(bystander, 0)
    results = printed(verdict)
    assert results["pids"] == "[1, 2]"  # its namespace's first process, and itself
    assert results["secret seen"] == "False"
    # Covered by empty mounts: a folder shows an empty one, a file shows size 0.
    assert results["solution"] in ("FileNotFoundError", "PermissionError")
    assert results["bank"] == "size 0"
    assert results["database"] in ("size 0", "FileNotFoundError")  # its folder may be covered
    assert verdict.passed


def test_a_fork_loop_is_stopped_at_the_process_limit(checker):
    source = f"""\
    import os, time
    kids = []
    for _ in range({PROCESS_LIMIT * 3}):  # bounded: a few times the limit, then it stops
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(5)
            os._exit(0)
        kids.append(pid)
    time.sleep(5)
    """
    verdict = hostile(checker, source)
    assert verdict.error.kind == PROCESSES, verdict.error
    assert f"{PROCESS_LIMIT} processes" in verdict.error.message


def test_memory_held_across_processes_is_stopped_at_the_checks_budget(checker):
    source = """\
    import os, time
    for _ in range(3):  # 3 x 800 MB: each within its own limit, together over 2 GiB
        if os.fork() == 0:
            block = b"x" * (800 << 20)  # written, so really held
            time.sleep(10)
            os._exit(0)
    for _ in range(3):
        os.wait()
    """
    verdict = hostile(checker, source)
    assert verdict.error.kind == MEMORY, verdict.error
    assert "together held over 2 GiB" in verdict.error.message


def test_a_disk_filler_meets_the_scratch_folders_size(checker):
    source = f"""\
    import os
    written = 0
    try:
        for n in range({SCRATCH_LIMIT // 2**20 * 2}):  # bounded: twice the scratch folder's room
            with open(f"fill-{{n}}", "wb") as f:
                f.write(bytes(1 << 20))
            written += 1
    except OSError as exc:
        print("stopped:", exc.strerror, "after", written, "MB")
    """
    verdict = hostile(checker, source)
    assert verdict.error.kind == DISK, verdict.error
    assert printed(verdict)["stopped"].startswith("No space left on device")


def test_a_file_count_filler_meets_the_scratch_folders_file_limit(checker):
    source = """\
    n = 0
    try:
        while n < 100_000:  # bounded: far more than the limit, far less than a disk
            open(f"f{n}", "w").close()
            n += 1
    except OSError as exc:
        print("stopped:", exc.strerror)
    def double_odds(nums):
        return [2 * n for n in nums if n % 2 == 1]
    """
    verdict = hostile(checker, source)
    assert verdict.error.kind == DISK, verdict.error
    assert "No space left on device" in verdict.output


def test_without_namespaces_the_totals_and_proc_still_hold(monkeypatch):
    """On a kernel without user namespaces: the process count is sampled, not counted by the
    kernel, and Landlock leaves the host's /proc closed but for the check's own process."""
    monkeypatch.setenv(NO_NAMESPACES_ENV, "1")
    fork_loop = f"""\
    import os, time
    for _ in range({PROCESS_LIMIT * 3}):  # bounded, as above
        if os.fork() == 0:
            time.sleep(5)
            os._exit(0)
    time.sleep(5)
    """
    proc = f"""\
    import os
    try:
        others = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        others = []
    try:
        open("/proc/1/cmdline", "rb").read()
        print("host cmdline: read")
    except OSError:
        print("host cmdline: refused")
    print("own status:", "Pid:" in open("/proc/self/status").read())
    print("listed:", len(others))
    {RIGHT.replace(chr(10), chr(10) + "    ")}
    """
    with Checker(BANK) as checker:
        verdict = checker.check("list-comprehension", textwrap.dedent(fork_loop), time_limit=20)
        assert verdict.error.kind == PROCESSES, verdict.error
        seen = printed(checker.check("list-comprehension", textwrap.dedent(proc)))
    assert seen == {"host cmdline": "refused", "own status": "True", "listed": "0"}
