"""Where the background worker listens and how a request travels to it.

A Unix socket, mode 0600, in a folder of the user's own, mode 0700; one JSON object per line
each way. Both the thin client and the worker import this module, so it stays light: no
Checker, no bank, no rich.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import struct
import sys
from pathlib import Path

from quiz import paths
from quiz.errors import QuizError

MAX_LINE = 16 << 20  # an answer is at most a million characters, a verdict far less
_SUN_PATH_MAX = 107  # bytes in sockaddr_un.sun_path, less the terminating NUL
# The variables a check depends on, sent with each request so that the worker checks with the
# caller's settings, not those of whoever started it.
CHECK_ENVIRONMENT = (
    "QUIZ_MNIST_DIR",
    "QUIZ_DATA_DIR",
    "QUIZ_DB",
    "QUIZ_SANDBOX_NO_LANDLOCK",
    "QUIZ_SANDBOX_NO_NAMESPACES",
)


def installation_key() -> str:
    """A short name for this installation of quiz: where its package lives and which
    environment (virtual or not) runs it. Two installations never share a worker."""
    package = os.path.realpath(Path(__file__).resolve().parents[1])
    prefix = os.path.realpath(sys.prefix)
    return hashlib.sha256(f"{package}\0{prefix}".encode()).hexdigest()[:12]


# Named by installation, so that each has a worker of its own in the one runtime folder.
SOCKET_NAME = f"worker-{installation_key()}.sock"
LOCK_NAME = f"worker-{installation_key()}.lock"  # held by the live worker; it holds its pid
LOG_NAME = f"worker-{installation_key()}.log"


class TooLarge(QuizError):
    """A message over MAX_LINE: refused whole rather than cut, and never taken for silence."""


def check_environment() -> dict[str, str]:
    """This process's values of the variables a check depends on (unset ones left out)."""
    return {name: os.environ[name] for name in CHECK_ENVIRONMENT if name in os.environ}


def installation() -> str:
    """Which quiz this process is: its Python, where the package lives, and when its grader last
    changed. A worker serves only checks from the same installation, so a client of a new
    virtual environment, or of a quiz upgraded in place, never gets a verdict from old code."""
    package = Path(__file__).resolve().parents[1]
    newest = max(
        (
            entry.stat().st_mtime_ns
            for folder in (package, package / "grader")
            for entry in os.scandir(folder)
            if entry.name.endswith(".py")
        ),
        default=0,
    )
    return f"{sys.executable}|{package}|{newest}"


class Refused(QuizError):
    """The worker's folder or socket is not private to this user, so quiz will not use it."""


def private_folder(folder: Path | None = None) -> Path:
    """The runtime folder, created 0700 when missing; Refused when it is not private to us."""
    folder = folder or paths.runtime_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError as exc:
        raise QuizError(f"{folder}: cannot make the background worker's folder ({exc})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise Refused(f"{folder}: not a folder; the background worker needs one of its own")
    _check_private(folder, info, "folder")
    if len(os.fsencode(folder / SOCKET_NAME)) > _SUN_PATH_MAX:
        raise QuizError(
            f"{folder}: too long a path for a socket; set QUIZ_RUNTIME_DIR to a shorter folder"
        )
    return folder


def check_socket(path: Path) -> bool:
    """Whether a socket is there to try; Refused when what is there is not a private socket."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if not stat.S_ISSOCK(info.st_mode):
        raise Refused(f"{path}: not a socket; remove it, or use quiz check --no-worker")
    _check_private(path, info, "socket")
    return True


def _check_private(path: Path, info: os.stat_result, what: str) -> None:
    if info.st_uid != os.getuid():
        raise Refused(
            f"{path}: the worker's {what} belongs to uid {info.st_uid}, not to you; "
            "refusing it (remove it, or use quiz check --no-worker)"
        )
    if info.st_mode & 0o077:
        raise Refused(
            f"{path}: the worker's {what} is open to other users "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); refusing it (remove it, or use quiz check "
            "--no-worker)"
        )


def peer_uid(sock: socket.socket) -> int | None:
    """The user id of the process at the other end (None where the platform cannot say)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None  # the 0700 folder and 0600 socket are the fence there
    size = struct.calcsize("3i")
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, size))
    return uid


def send(sock: socket.socket, message: dict) -> None:
    """Send one message; one over MAX_LINE is replaced by an error saying so."""
    data = json.dumps(message).encode()
    if len(data) > MAX_LINE:
        size = f"{len(data) / 2**20:.0f} MB, over the {MAX_LINE >> 20} MB a reply may be"
        data = json.dumps({"error": f"the background worker's reply was {size}"}).encode()
    sock.sendall(data + b"\n")


def receive(reader) -> dict | None:
    """The next message from a socket's binary reader; None when the other end has gone.

    TooLarge when the line runs past MAX_LINE: the other end is alive and said too much."""
    line = reader.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE and not line.endswith(b"\n"):
        raise TooLarge(f"the background worker sent a reply over {MAX_LINE >> 20} MB")
    if not line.endswith(b"\n"):
        return None  # closed mid-message, or before one
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None
