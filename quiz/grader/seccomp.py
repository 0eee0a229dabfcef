"""The seccomp filter of a check's code: the system calls it has no use for are refused.

Built as a classic BPF program, by hand, so it needs no library: every socket, namespace and
mount call, memory no limit counts, tracing and the kernel's own machinery answer EPERM;
clone() may start threads and processes but no namespace; a call of a foreign ABI kills.
"""

from __future__ import annotations

import ctypes
import platform
import struct

from quiz.grader.sandbox import (
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    EPERM,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_SECCOMP,
    SECCOMP_MODE_FILTER,
    prctl,
)

X32_SYSCALL_BIT = 0x40000000
ENOSYS = 38

# seccomp: calls the code has no use for, refused with EPERM (numbers per architecture):
# every way to a socket, to a namespace, to the mount API old and new, to memory that no
# limit counts (memfd, System V shared memory, message queues), and to tracing and the kernel.
_DENIED = (
    "socket", "socketpair", "ptrace", "process_vm_readv", "process_vm_writev", "unshare",
    "setns", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount",
    "fspick", "open_tree", "move_mount", "mount_setattr", "open_tree_attr", "bpf",
    "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "pidfd_getfd", "memfd_create", "memfd_secret",
    "shmget", "msgget", "mq_open", "name_to_handle_at", "open_by_handle_at", "kexec_load",
    "kexec_file_load", "init_module", "finit_module", "delete_module", "acct", "swapon",
    "swapoff", "reboot", "syslog", "quotactl", "vhangup", "iopl", "ioperm", "kcmp",
    "process_madvise",
)  # fmt: skip
_NUMBERS = {
    "x86_64": {
        "socket": 41, "socketpair": 53, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "unshare": 272, "setns": 308, "mount": 165, "umount2": 166,
        "pivot_root": 155, "chroot": 161, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "open_tree": 428, "move_mount": 429, "mount_setattr": 442,
        "open_tree_attr": 467, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
        "keyctl": 250, "add_key": 248, "request_key": 249, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "pidfd_getfd": 438,
        "memfd_create": 319, "memfd_secret": 447, "shmget": 29, "msgget": 68, "mq_open": 240,
        "name_to_handle_at": 303, "open_by_handle_at": 304, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
        "acct": 163, "swapon": 167, "swapoff": 168, "reboot": 169, "syslog": 103,
        "quotactl": 179, "vhangup": 153, "iopl": 172, "ioperm": 173, "kcmp": 312,
        "process_madvise": 440, "clone": 56, "clone3": 435,
    },
    "aarch64": {
        "socket": 198, "socketpair": 199, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "unshare": 97, "setns": 268, "mount": 40, "umount2": 39,
        "pivot_root": 41, "chroot": 51, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "open_tree": 428, "move_mount": 429, "mount_setattr": 442,
        "open_tree_attr": 467, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "keyctl": 219, "add_key": 217, "request_key": 218, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "pidfd_getfd": 438,
        "memfd_create": 279, "memfd_secret": 447, "shmget": 194, "msgget": 186, "mq_open": 180,
        "name_to_handle_at": 264, "open_by_handle_at": 265, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
        "acct": 89, "swapon": 224, "swapoff": 225, "reboot": 142, "syslog": 116,
        "quotactl": 60, "vhangup": 58, "kcmp": 272, "process_madvise": 440, "clone": 220,
        "clone3": 435,
    },
}  # fmt: skip
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
# clone() may start threads and processes, never namespaces; clone3() hides its flags in
# memory a filter cannot read, so it answers ENOSYS and the C library falls back to clone().
_NAMESPACE_FLAGS = (
    CLONE_NEWTIME
    | CLONE_NEWNS
    | CLONE_NEWCGROUP
    | CLONE_NEWUTS
    | CLONE_NEWIPC
    | CLONE_NEWUSER
    | CLONE_NEWPID
    | CLONE_NEWNET
)


def supported() -> bool:
    return platform.system() == "Linux" and platform.machine() in _NUMBERS


def install() -> None:
    """Refuse the calls of `_DENIED` and namespace flags with EPERM, clone3 with ENOSYS;
    a process of a foreign ABI (x32, 32-bit calls) is killed."""
    machine = platform.machine()
    numbers = _NUMBERS[machine]
    program = _Program()
    program.load(4)  # seccomp_data.arch
    program.jump_unless(_AUDIT_ARCH[machine], "kill")
    program.load(0)  # seccomp_data.nr
    if machine == "x86_64":
        program.jump_if_at_least(X32_SYSCALL_BIT, "kill")
    for name in _DENIED:
        if name in numbers:
            program.jump_if(numbers[name], "deny")
    program.jump_if(numbers["clone3"], "no-such-call")
    program.jump_unless(numbers["clone"], "allow")
    program.load(16)  # the low half of args[0], clone's flags, on both architectures
    program.jump_if_any_bit(_NAMESPACE_FLAGS, "deny")
    program.label("allow")
    program.ret(0x7FFF0000)
    program.label("deny")
    program.ret(0x00050000 | EPERM)
    program.label("no-such-call")
    program.ret(0x00050000 | ENOSYS)
    program.label("kill")
    program.ret(0x80000000)
    blob = program.assemble()
    buffer = ctypes.create_string_buffer(blob, len(blob))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(blob) // 8, ctypes.addressof(buffer))
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))


class _Program:
    """A classic BPF program with named jump targets, resolved when it is assembled."""

    LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06

    def __init__(self):
        self.lines: list[tuple[int, str | None, str | None, int]] = []
        self.labels: dict[str, int] = {}

    def load(self, offset: int) -> None:
        self.lines.append((self.LD_W_ABS, None, None, offset))

    def jump_if(self, value: int, target: str) -> None:
        self.lines.append((self.JEQ_K, target, None, value))

    def jump_unless(self, value: int, target: str) -> None:
        self.lines.append((self.JEQ_K, None, target, value))

    def jump_if_at_least(self, value: int, target: str) -> None:
        self.lines.append((self.JGE_K, target, None, value))

    def jump_if_any_bit(self, bits: int, target: str) -> None:
        self.lines.append((self.JSET_K, target, None, bits))

    def ret(self, value: int) -> None:
        self.lines.append((self.RET_K, None, None, value))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.lines)

    def assemble(self) -> bytes:
        def offset(here: int, target: str | None) -> int:
            return 0 if target is None else self.labels[target] - here - 1

        return b"".join(
            struct.pack("HBBI", code, offset(i, true), offset(i, false), k)
            for i, (code, true, false, k) in enumerate(self.lines)
        )
