"""Noticing that an answer file was saved, for `quiz check --watch`.

Filesystem events through watchfiles, so a save is seen within milliseconds rather than at
the next poll; watchfiles polls instead where events are unavailable (WSL mounts, or
`WATCHFILES_FORCE_POLLING=1` for a network drive that never sends any), and so do we when
the system will not give us a watch (inotify's limit reached).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import watchfiles

from quiz.errors import QuizError

STEP_MS = 2  # a batch of events is done once it stays the same this long: one save fits
DEBOUNCE_MS = 200  # the longest a stream of changes is grouped before it is reported
TIMEOUT_MS = 100  # how often the watch comes back empty-handed: once, to show it is in place
POLL_MS = 100


def saves(file: Path) -> Iterator[None]:
    """Yield at once, then after each save of file, until Ctrl-C raises KeyboardInterrupt.

    The watch is in place before the first yield, so no save after it is missed."""
    target = file.absolute()
    if not target.parent.is_dir():
        raise QuizError(f"{file.parent}: no such folder to watch")
    changes = _watch_folder(target)
    yield
    for batch in changes:
        if batch:
            yield


def _watch_folder(target: Path) -> Iterator[set]:
    """Changes to target, as watchfiles batches; primed, so the watcher exists on return.

    The folder is watched rather than the file, because many editors save by writing a new
    file and renaming it over the old one."""

    def is_target(_change: watchfiles.Change, path: str) -> bool:
        return Path(path) == target

    options = dict(
        watch_filter=is_target,
        debounce=DEBOUNCE_MS,
        step=STEP_MS,
        rust_timeout=TIMEOUT_MS,
        yield_on_timeout=True,
        recursive=False,
    )
    try:
        changes = watchfiles.watch(target.parent, **options)
        next(changes)
    except (OSError, RuntimeError):  # the system gives no watch (inotify's limit reached)
        changes = watchfiles.watch(
            target.parent, force_polling=True, poll_delay_ms=POLL_MS, **options
        )
        next(changes)
    return changes
