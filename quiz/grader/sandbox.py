"""The kernel's fences for a learner's child: namespaces, Landlock, seccomp (Linux only).

The worker calls `isolate_worker()` once, before it starts any thread: it moves into a user
namespace of its own with an empty network namespace and a PID namespace with its own /proc,
so nothing it forks can reach a network or hold a capability over the user's other processes.
Each check then forks inside a fresh PID namespace (`PidNamespaces`), whose first process
calls `enclose_check()`: mount and IPC namespaces of the check's own, private paths covered,
a fresh /proc, a size-limited scratch folder and a user namespace in which the kernel counts
the check's processes. The process that runs the code then calls `landlock()`: it may read only
what Python needs and write only its scratch folder, its signals and ptrace stay within its
sandbox, and TCP is denied; and installs the filter of seccomp.py, which refuses every socket,
namespace and mount call, memfd and System V IPC, io_uring and the tracing calls.

Everything here uses raw system calls through ctypes, so it needs no package; where the kernel
lacks Landlock, `unconfined_notice()` gives the sentence to say so once. Two environment
variables make this module behave as on a kernel without Landlock or user namespaces, so
that the fallback can be tested and measured.
"""

from __future__ import annotations

import ctypes
import os
import platform
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
CLONE_NEWTIME = 0x00000080
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

# Landlock (include/uapi/linux/landlock.h); the syscall numbers are the same on every arch.
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_TRUNCATE = 1 << 14
FS_IOCTL_DEV = 1 << 15
NET_BIND_TCP = 1
NET_CONNECT_TCP = 2
SCOPE_ABSTRACT_UNIX_SOCKET = 1
SCOPE_SIGNAL = 2
_FS_ALL_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_ONLY = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
READ = FS_READ_FILE | FS_READ_DIR | FS_EXECUTE

# Files and folders beyond Python's own that code may need to read (the dynamic loader, time
# zones, user names) or use (/dev/null and the random devices). Any folder of Python's path
# beneath them is left out and allowed entry by entry (see importable.py); /proc is the
# check's own (see enclose_check).
SYSTEM_READ = (
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/bin",
    "/sbin",
    "/opt",
    "/sys/devices/system/cpu",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/dev/urandom",
    "/dev/random",
    "/dev/zero",
)
SYSTEM_WRITE = ("/dev/null",)

EPERM = 1


class SandboxError(OSError):
    """A fence the kernel offered could not be put up; the check must not run without it."""


NO_LANDLOCK_ENV = "QUIZ_SANDBOX_NO_LANDLOCK"  # "1": behave as on a kernel without Landlock
NO_NAMESPACES_ENV = "QUIZ_SANDBOX_NO_NAMESPACES"  # "1": as on one without user namespaces


def unconfined_notice() -> str | None:
    """One plain sentence to show once when checked code would run unconfined, else None."""
    if landlock_abi():
        return None
    return (
        "this system has no Landlock, so checked code runs unconfined: "
        "it can read and write your files and reach the network"
    )


def _syscall(number: int, *args) -> int:
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def prctl(option: int, arg2: int = 0, arg3=0) -> None:
    if _libc.prctl(option, arg2, arg3, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def _unshare(flags: int) -> None:
    if _libc.unshare(flags) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def _setns(fd: int, nstype: int) -> None:
    if _libc.setns(fd, nstype) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers, 0 when it has none (or is not Linux)."""
    if platform.system() != "Linux" or os.environ.get(NO_LANDLOCK_ENV) == "1":
        return 0
    try:
        return _syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    except OSError:
        return 0


def die_with_parent(sig: int) -> None:
    prctl(PR_SET_PDEATHSIG, sig)


def set_dumpable(dumpable: bool) -> None:
    """A non-dumpable process's /proc files and memory are closed to other processes."""
    if platform.system() == "Linux":
        prctl(PR_SET_DUMPABLE, int(dumpable))


# ------------------------------------------------------------------------------- namespaces


def isolate_worker() -> bool:
    """Move this still single-threaded process into new user, network and PID namespaces.

    The process forks: the child returns True and goes on as the worker, the first process of
    the new PID namespace, so every check it forks lives and dies inside it; the parent stays
    outside, waits for the worker and exits as it did (it never returns). Inside, the worker
    keeps the user's ids and sees no network interface but a loopback that is down. False
    (nothing changed, no fork) where the kernel or its policy refuses."""
    if platform.system() != "Linux" or os.environ.get(NO_NAMESPACES_ENV) == "1":
        return False
    uid, gid = os.getuid(), os.getgid()
    try:
        probe = os.fork()
    except OSError:
        return False
    if probe == 0:  # try it in a throwaway child first: unshare cannot be undone
        try:
            _enter_namespaces(uid, gid)
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(probe, 0)
    if status != 0:
        return False
    _enter_namespaces(uid, gid)
    worker = os.fork()
    if worker == 0:
        die_with_parent(9)
        _mount_own_proc()
        return True
    while True:
        try:
            _, status = os.waitpid(worker, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def _mount_own_proc() -> None:
    """A /proc numbered as this PID namespace numbers its processes, in a mount namespace of
    the worker's own, so that it can read what its checks' processes hold. Where the kernel
    refuses, /proc stays the system's, and `proc_matches_pids()` says so."""
    try:
        _unshare(CLONE_NEWNS)
        _mount("none", "/", None, MS_REC | MS_PRIVATE)
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        pass


def proc_matches_pids() -> bool:
    """Whether /proc/PID names the process that this process knows as PID."""
    try:
        return os.readlink("/proc/self") == str(os.getpid())
    except OSError:
        return False


def _enter_namespaces(uid: int, gid: int) -> None:
    _unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID)
    # /proc/self/uid_map belongs to root while the process is not dumpable.
    set_dumpable(True)
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    set_dumpable(False)


class PidNamespaces:
    """Forks whose child starts a fresh PID namespace, as its init (inside isolate_worker)."""

    def __init__(self):
        self._own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)

    def fork(self) -> int:
        _unshare(CLONE_NEWPID)
        try:
            pid = os.fork()
        except BaseException:
            _setns(self._own, CLONE_NEWPID)
            raise
        if pid:
            _setns(self._own, CLONE_NEWPID)
        return pid


MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 1 << 12, 1 << 14, 1 << 18
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong]
_libc.mount.argtypes += [ctypes.c_char_p]


def _mount(source: str, target: str, kind: str | None, flags: int, options: str = "") -> None:
    arguments = (os.fsencode(source), os.fsencode(target), kind and kind.encode())
    if _libc.mount(*arguments, flags, options.encode() or None) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {kind or 'bind'} on {target}: {os.strerror(errno)}")


@dataclass(frozen=True)
class CheckSpace:
    """What `enclose_check` could set up: each is False where the kernel refused it."""

    own_proc: bool = False
    sized_scratch: bool = False
    own_users: bool = False


def enclose_check(workdir: str, hidden, empty_file: str, scratch_bytes: int, scratch_files: int):
    """In a check's first process, still holding the worker's capabilities: new mount and
    IPC namespaces, with the hidden paths covered by empty ones (so not even their size or
    time can be read), a /proc showing this check's processes alone, and the scratch folder on
    a tmpfs of bounded size and file count; then a user namespace of the check's own, where
    the kernel counts its processes for RLIMIT_NPROC. Returns a CheckSpace."""
    try:
        _unshare(CLONE_NEWNS | CLONE_NEWIPC)
        _mount("none", "/", None, MS_REC | MS_PRIVATE)
    except OSError:
        return CheckSpace()
    for path in hidden:
        if path == workdir or workdir.startswith(path.rstrip(os.sep) + os.sep):
            continue  # it holds the scratch folder: Landlock keeps the code out of it
        try:
            if os.path.isdir(path):
                _mount("none", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
            elif os.path.lexists(path):
                _mount(empty_file, path, None, MS_BIND)
        except OSError:
            continue  # Landlock still keeps the code from reading it
    own_proc = sized = users = True
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        own_proc = False
    try:
        options = f"size={scratch_bytes},nr_inodes={scratch_files},mode=0700"
        _mount("tmpfs", workdir, "tmpfs", MS_NOSUID | MS_NODEV, options)
    except OSError:
        sized = False
    try:
        uid, gid = os.getuid(), os.getgid()
        _unshare(CLONE_NEWUSER)
        set_dumpable(True)
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        set_dumpable(False)
    except OSError:
        users = False
    return CheckSpace(own_proc=own_proc, sized_scratch=sized, own_users=users)


def scratch_full(workdir: str) -> bool:
    """Whether the check's scratch folder has no room left, in bytes or in files."""
    try:
        info = os.statvfs(workdir)
    except OSError:
        return False
    return info.f_bavail == 0 or (info.f_files > 0 and info.f_favail == 0)


# ---------------------------------------------------------------------------------- Landlock


@dataclass(frozen=True)
class Rules:
    """Paths the code may read (files or folders, with everything beneath) and may write."""

    read: tuple[str, ...]
    write: tuple[str, ...]


def read_rules(roots, holes) -> tuple[str, ...]:
    """The roots the code may read, with the holes (and everything beneath them) left out.

    Landlock only adds permissions, so a root that holds a hole is replaced by its entries,
    recursively, every one but the hole itself."""
    hole_set = {os.path.realpath(h) for h in holes}
    allowed: list[str] = []
    seen: set[str] = set()

    def visit(path: str) -> None:
        if path in seen or not os.path.exists(path):
            return
        seen.add(path)
        if any(path == h or path.startswith(h + os.sep) for h in hole_set):
            return
        if not any(h.startswith(path.rstrip(os.sep) + os.sep) for h in hole_set):
            allowed.append(path)
            return
        try:
            names = sorted(os.listdir(path))
        except OSError:
            return
        for name in names:
            visit(os.path.realpath(os.path.join(path, name)))

    for root in roots:
        visit(os.path.realpath(root))
    # Drop paths already beneath another allowed folder.
    folders = [p for p in allowed if os.path.isdir(p)]
    return tuple(
        p
        for p in allowed
        if not any(p != f and p.startswith(f.rstrip(os.sep) + os.sep) for f in folders)
    )


class PreparedRules:
    """O_PATH descriptors for the rules, opened once in the worker and reused by each child,
    each with the access it grants (a file's without the rights only folders have)."""

    def __init__(self, rules: Rules, holes=()):
        self.holes = tuple(holes)
        self.entries: list[tuple[int, int]] = []
        for paths, access in ((rules.read, READ), (rules.write, READ | FS_WRITE_FILE)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                self.entries.append((fd, access if _is_folder(fd) else access & _FILE_ONLY))

    def close(self) -> None:
        for fd, _ in self.entries:
            os.close(fd)
        self.entries = []


def _is_folder(fd: int) -> bool:
    return stat.S_ISDIR(os.fstat(fd).st_mode)


def landlock(abi: int, prepared: PreparedRules, workdir: str, also_read=()) -> None:
    """Restrict this process (and all it starts) to the prepared rules plus its workdir.

    `also_read` (the MNIST files) is opened now, less any of the prepared holes."""
    fs_all = _FS_ALL_BY_ABI[max(a for a in _FS_ALL_BY_ABI if a <= abi)]
    if abi >= 6:
        attr = struct.pack(
            "QQQ", fs_all, NET_BIND_TCP | NET_CONNECT_TCP, SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        )
    elif abi >= 4:
        attr = struct.pack("QQ", fs_all, NET_BIND_TCP | NET_CONNECT_TCP)
    else:
        attr = struct.pack("Q", fs_all)
    ruleset = _syscall(SYS_LANDLOCK_CREATE_RULESET, attr, len(attr), 0)
    try:
        extra = [
            (os.open(path, os.O_PATH | os.O_CLOEXEC), READ)
            for path in read_rules(also_read, prepared.holes)
        ]
        workdir_fd = os.open(workdir, os.O_PATH | os.O_CLOEXEC)
        everything = fs_all & ~FS_IOCTL_DEV
        extra = [(fd, access if _is_folder(fd) else access & _FILE_ONLY) for fd, access in extra]
        for fd, access in [*prepared.entries, *extra, (workdir_fd, everything)]:
            rule = struct.pack("=Qi", access & fs_all, fd)
            _syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, rule, 0)
        for fd, _ in [*extra, (workdir_fd, 0)]:
            os.close(fd)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        _syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0)
    finally:
        os.close(ruleset)


def drop_capabilities() -> None:
    """Give up every capability this process holds in its user namespace."""
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = bytes(24)  # two empty __user_cap_data_struct
    if _libc.capset(header, data) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
