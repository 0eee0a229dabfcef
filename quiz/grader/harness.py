"""What a question's probe uses inside the child to exercise the learner's code.

A probe calls the learner's functions through `Probe.call`, which streams to the worker one
JSON line per observation: what was called, and what came back (encoded to plain values) or
what it raised. The parent judges those lines; nothing here decides pass or fail.
"""

from __future__ import annotations

import os
import traceback

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from quiz import mnist
from quiz.checks import CallFailed
from quiz.grader.encoding import TooBig, encode, plain_tensor, to_json, type_name

_write = os.write
_extract_tb = traceback.extract_tb
_format_list = traceback.format_list

MEMORY_MARKERS = ("can't allocate memory", "not enough memory", "DefaultCPUAllocator")


class Stop(Exception):
    """The learner's code asked to exit; the error is already recorded, nothing more runs."""


class NotUsable(Exception):
    """A name the contract promises is there but is not the kind of thing it should be."""


class EventStream:
    """Writes the child's findings to the result pipe, one JSON object per line."""

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, event: dict) -> None:
        data = (to_json(event) + "\n").encode("utf-8", "backslashreplace")
        view = memoryview(data)
        while view:
            written = _write(self.fd, view)
            view = view[written:]

    def calling(self, label: str) -> None:
        self.send({"event": "calling", "call": label})

    def observe(self, key: str, label: str, **fields) -> None:
        self.send({"event": "observe", "key": key, "call": label, **fields})

    def error(self, error: dict) -> None:
        self.send({"event": "error", "error": error})

    def done(self) -> None:
        self.send({"event": "done"})


def _safe_text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    if type(text) is not str:
        text = ""
    return text if len(text) <= 500 else text[:500] + "…"


def describe_exception(exc: BaseException, filename: str) -> dict:
    """The learner-facing description of exc: type and message, their line, their frames only."""
    name = type_name(exc)
    text = _safe_text(exc)
    message = f"{name}: {text}" if text else name
    try:
        frames = [f for f in _extract_tb(exc.__traceback__) if f.filename == filename]
    except Exception:
        frames = []
    detail = "".join(_format_list(frames)) + message if frames else None
    memory = isinstance(exc, MemoryError) or any(marker in text for marker in MEMORY_MARKERS)
    return {
        "kind": "memory" if memory else "exception",
        "message": message,
        "line": frames[-1].lineno if frames else None,
        "detail": detail,
    }


def describe_syntax_error(exc: SyntaxError) -> dict:
    """A syntax error as the learner should see it: message, line, and the line with a caret."""
    text = (exc.text or "").rstrip("\n")
    stripped = text.lstrip()
    detail = None
    if stripped:
        start = max((exc.offset or 1) - 1 - (len(text) - len(stripped)), 0)
        same_line = exc.end_lineno in (None, exc.lineno)
        width = (exc.end_offset or 0) - (exc.offset or 0) if same_line else 1
        detail = f"    {stripped}\n    {' ' * start}{'^' * max(width, 1)}"
    return {
        "kind": "syntax",
        "message": f"{exc.msg} (line {exc.lineno})" if exc.lineno else exc.msg,
        "line": exc.lineno,
        "detail": detail,
    }


def show(value, limit: int = 80) -> str:
    """A short label for an input the harness made: [1, 2, 3], tensor of shape (5, 28, 28)…"""
    if isinstance(value, torch.Tensor):
        if value.numel() <= (10 if value.dim() <= 1 else 6):
            numbers = ", ".join(format(x, "g") for x in value.flatten().tolist())
            if value.dim() == 0:
                return f"tensor({numbers})"
            return (
                f"tensor([{numbers}])"
                if value.dim() == 1
                else f"tensor of shape {tuple(value.shape)}"
            )
        return f"tensor of shape {tuple(value.shape)}"
    if isinstance(value, list) and len(value) > 8:
        head = ", ".join(repr(x) for x in value[:3])
        return f"[{head}, …, {value[-1]!r}] ({len(value)} items)"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Probe:
    """The learner's module as a probe sees it, and the recorder of what it does."""

    def __init__(
        self,
        namespace: dict,
        stream: EventStream,
        filename: str,
        mnist_dir: str,
    ):
        self.namespace = namespace
        self.stream = stream
        self.filename = filename
        self.mnist_dir = mnist_dir

    def value(self, name: str):
        return self.namespace[name]

    def function(self, name: str):
        value = self.namespace[name]
        if not callable(value):
            raise NotUsable(f"{name} should be a function, but your code makes it {article(value)}")
        return value

    def call(
        self,
        key: str,
        fn,
        *args,
        label: str | None = None,
        record: bool = True,
        mistakes: dict | None = None,
        watch: frozenset[str] = frozenset(),
        **kwargs,
    ):
        """Call the learner's fn and record the outcome under key; return what it returned.

        `mistakes` maps a common mistake's name to the value that mistake would give, so
        the judge can name it. `watch` names torch operators (aten's, such as "sigmoid") to
        look out for: those the call ran, however the code reached them, are recorded as
        "ops". Raises CallFailed (after recording) if fn raised."""
        label = label or key
        self.stream.calling(label)
        ops = OperatorWatch(watch) if watch else None
        fields = {}
        try:
            if ops is None:
                result = fn(*args, **kwargs)
            else:
                with ops:
                    result = fn(*args, **kwargs)
        except SystemExit as exc:
            self.stream.error(exit_error(exc))
            raise Stop from None
        except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything
            error = describe_exception(exc, self.filename)
            if ops is not None:
                fields["ops"] = sorted(ops.seen)
            self.stream.observe(key, label, kind="call", error=error, **fields)
            raise CallFailed from None
        fields = {"kind": "call", "value": self._encode(result)} if record else {"kind": "ran"}
        if ops is not None:
            fields["ops"] = sorted(ops.seen)
        if mistakes:
            fields["mistakes"] = {name: self._encode(v) for name, v in mistakes.items()}
        self.stream.observe(key, label, **fields)
        return result

    def call_each(self, name: str, fn, cases, **options) -> None:
        """Call fn once per tuple of arguments in cases, each independent of the others."""
        for args in cases:
            label = f"{name}({', '.join(show(a) for a in args)})"
            try:
                self.call(label, fn, *args, **options)
            except CallFailed:
                pass

    def record(self, key: str, value, label: str | None = None) -> None:
        """Record a fact the harness itself measured, such as an accuracy."""
        self.stream.observe(key, label or key, kind="fact", value=self._encode(value))

    @staticmethod
    def _encode(value):
        try:
            return encode(value)
        except TooBig as exc:
            return {"$object": type_name(value), "note": f"too large to compare: {exc}"}

    def mnist(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        """MNIST's "train" or "test" split, checked and read by quiz.mnist: uint8 images, labels.

        Missing or damaged files raise quiz.mnist's errors, which the verdict reports as
        "cannot check here" (see quiz.grader.display)."""
        return mnist.load_split(self.mnist_dir, split)

    def digits(self, split: str, *digits: int) -> list[torch.Tensor]:
        """The images of each digit in a split, as float tensors scaled to [0, 1]."""
        images, labels = self.mnist(split)
        return [images[labels == d].float() / 255 for d in digits]


class OperatorWatch(TorchDispatchMode):
    """Notes which of the watched torch operators run while it is active.

    It sits at torch's dispatcher, below every Python name: torch.sigmoid, Tensor.sigmoid,
    getattr(torch, "sig" + "moid") and torch.ops.aten.sigmoid all arrive as aten's sigmoid."""

    def __init__(self, watched: frozenset[str]):
        super().__init__()
        self.watched = watched
        self.seen: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        if name in self.watched:
            self.seen.add(name)
        return func(*args, **(kwargs or {}))


def article(value) -> str:
    name = type_name(value)
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def exit_error(exc: SystemExit) -> dict:
    code = exc.code
    how = (
        "sys.exit()"
        if code is None
        else f"sys.exit({code!r})"
        if type(code) in (int, str)
        else "sys.exit(…)"
    )
    return {
        "kind": "exited",
        "message": f"your code exited ({how}) before producing a result",
        "line": None,
        "detail": None,
    }


def as_tensor(value) -> torch.Tensor | None:
    """The learner's value as a plain tensor for the harness to measure, or None."""
    return plain_tensor(value)


def mnist_files(mnist_dir: str) -> list[str]:
    """The four MNIST files a probe may read, in mnist_dir: nothing else in that folder."""
    return [os.path.join(mnist_dir, name) for name in mnist.MD5]
