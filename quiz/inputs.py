"""Reading a file a person names: only a regular file, and never more than a set size.

`quiz import /dev/zero` or a bank pointed at a pipe must end in one line, not in
gigabytes of memory or a wait that never ends.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from quiz.errors import QuizError

MiB = 2**20


def read_capped(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file at `path`; a QuizError if it is anything else or too big.

    Reading stops one byte past `limit` in case the file grows.
    """
    with open_regular(path, what) as source:
        try:
            data = source.read(limit + 1)
        except OSError as exc:
            raise QuizError(f"{path}: cannot read {what} ({exc.strerror})") from None
    if len(data) > limit:
        raise QuizError(f"{path}: too large for {what} (the limit is {limit // MiB} MiB)")
    return data


def open_regular(path: Path, what: str) -> BinaryIO:
    """The regular file at `path`, open for reading; a QuizError if it is anything else.

    The file is opened without blocking (a FIFO would otherwise wait for a writer) and
    checked before a byte is read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise QuizError(f"{path}: file not found") from None
    except OSError as exc:
        raise QuizError(f"{path}: cannot read {what} ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise QuizError(f"{path}: is a directory, not {what}")
        raise QuizError(f"{path}: is not a regular file, so it cannot be {what}")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")
