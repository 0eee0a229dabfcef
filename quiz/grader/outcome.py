"""What one run of the code produced, read back in the parent from the worker's reply."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from quiz.grader.limits import (
    GIB,
    OUTPUT_FLOOD,
    PROCESS_LIMIT,
    SCRATCH_FILES,
    SCRATCH_LIMIT,
)
from quiz.grader.text import printable, printable_or_none
from quiz.grader.values import Garbled, decode
from quiz.grader.verdict import (
    CRASHED,
    EXITED,
    MEMORY,
    OUTPUT_LIMIT,
    TIMEOUT,
    GraderError,
)

PROCESSES = "process-limit"  # the check reached its number of processes
DISK = "disk-limit"  # the scratch folder filled up, in bytes or in files


@dataclass
class Observation:
    """One thing the probe saw: a call of the learner's code and its outcome, or a measurement."""

    key: str
    call: str
    kind: str = "call"  # "call": the learner's code returned value; "ran": it ran, value unkept;
    # "fact": something the harness measured
    value: object = None
    error: GraderError | None = None
    mistakes: dict[str, object] = field(default_factory=dict)
    ops: tuple[str, ...] = ()  # watched torch operators the call ran (see Probe.call)


@dataclass
class Run:
    """Everything a run produced: observations in order, or the error that ended it early."""

    source: str
    observations: dict[str, Observation]
    error: GraderError | None
    output: str
    duration_s: float
    finished: bool

    def value(self, key: str, default=None):
        observation = self.observations.get(key)
        return default if observation is None or observation.error else observation.value


def read_run(
    reply: dict,
    stream: str,
    *,
    source: str,
    time_limit: float,
    memory_budget: int,
    output_keep: int,
) -> Run:
    """Turn the worker's reply and the child's JSON lines into a Run.

    A line the child's encoder could not have written ends the run with a CRASHED error, so
    nothing the child sends can raise here; an unfinished last line is expected only where the
    child was stopped or killed, and then the way it ended explains the run."""
    observations: dict[str, Observation] = {}
    error = garbled = None
    last_call = None
    finished = False
    *lines, unfinished = stream.split("\n")
    for number, line in enumerate(lines, 1):
        try:
            event = _event(line)
            kind = event["event"]
            if kind == "calling":
                last_call = event["call"]
            elif kind == "observe":
                observations[event["key"]] = _observation(event, memory_budget)
            elif kind == "error":
                error = error or _error(event["error"], memory_budget)
            elif kind == "done":
                finished = True
        except Garbled as exc:
            garbled = _garbled(number, str(exc))
            break
    cut_off = reply.get("stopped") or reply.get("signal")
    if garbled is None and unfinished and not cut_off:
        garbled = _garbled(len(lines) + 1, "a line without its end")
    error = _stopped(reply, time_limit, last_call, memory_budget) or garbled or error
    if error is None and not finished:
        error = _ended_early(reply, time_limit)
    return Run(
        source=source,
        observations=observations if garbled is None else {},
        error=error,
        output=_output(reply, output_keep),
        duration_s=float(reply.get("wall_s", 0.0)),
        finished=finished and error is None,
    )


_EVENT_FIELDS = {"calling": ("call",), "observe": ("key", "call", "kind"), "error": ("error",)}
_KINDS = ("call", "ran", "fact")


def _event(line: str) -> dict:
    """One line of the child's findings, checked field by field; Garbled if it is not one."""
    try:
        event = json.loads(line)
    except RecursionError:
        raise Garbled("nested too deeply") from None
    except ValueError as exc:
        raise Garbled(f"not JSON ({exc})") from None
    if type(event) is not dict or type(event.get("event")) is not str:
        raise Garbled("not an event")
    kind = event["event"]
    if kind not in (*_EVENT_FIELDS, "done"):
        raise Garbled(f"an unknown event {kind[:40]!r}")
    for name in _EVENT_FIELDS.get(kind, ()):
        if name not in event:
            raise Garbled(f"a {kind} event without {name!r}")
    if kind == "calling" and type(event["call"]) is not str:
        raise Garbled("a call that is not text")
    if kind == "observe" and event["kind"] not in _KINDS:
        raise Garbled("an observation of no known kind")
    return event


def _observation(event: dict, memory_budget: int) -> Observation:
    key, call = event["key"], event["call"]
    if type(key) is not str or type(call) is not str:
        raise Garbled("an observation whose key or call is not text")
    mistakes = event.get("mistakes")
    mistakes = {} if mistakes is None else mistakes
    if type(mistakes) is not dict:
        raise Garbled("mistakes that are not a dict")
    error, ops = event.get("error"), event.get("ops", [])
    if type(ops) is not list or any(type(op) is not str for op in ops):
        raise Garbled("ops that are not a list of names")
    return Observation(
        key=key,
        call=call,
        kind=event["kind"],
        value=decode(event.get("value")),
        error=None if error is None else _error(error, memory_budget),
        mistakes={name: decode(value) for name, value in mistakes.items()},
        ops=tuple(ops),
    )


def _garbled(number: int, reason: str) -> GraderError:
    reason = " ".join(reason.split())[:120]
    return GraderError(
        CRASHED,
        f"the check's findings came back garbled (line {number}: {reason}), so nothing was judged",
    )


def _error(data, memory_budget: int) -> GraderError:
    if type(data) is not dict:
        raise Garbled("an error that is not a dict")
    kind, message = data.get("kind", "exception"), data.get("message", "")
    line, detail = data.get("line"), data.get("detail")
    if type(kind) is not str or type(message) is not str:
        raise Garbled("an error whose kind or message is not text")
    if (line is not None and type(line) is not int) or (
        detail is not None and type(detail) is not str
    ):
        raise Garbled("an error whose line or detail is of the wrong type")
    error = GraderError(
        kind=printable(kind),
        message=printable(message),
        line=line,
        detail=printable_or_none(detail),
    )
    if error.kind == MEMORY:
        error.message = (
            f"your code ran out of memory: a check may use {memory_budget / GIB:g} GiB "
            f"({error.message})"
        )
    return error


def _stopped(
    reply: dict, time_limit: float, last_call: str | None, memory_budget: int
) -> GraderError | None:
    reason = reply.get("stopped")
    if reason == "timeout":
        where = f" (in {last_call})" if last_call else ""
        return GraderError(
            TIMEOUT,
            f"your code was still running after {time_limit:g} s{where}; "
            "look for a loop that never ends",
        )
    if reason == "output":
        return GraderError(
            OUTPUT_LIMIT,
            f"your code printed over {OUTPUT_FLOOD // 2**20} MB and was stopped; "
            "the start of its output is shown",
        )
    if reason == "result":
        return GraderError(OUTPUT_LIMIT, "your code returned values too large to compare")
    if reason == "processes":
        return GraderError(
            PROCESSES,
            f"your code started {PROCESS_LIMIT} processes, as many as a check may have at once, "
            "and was stopped",
        )
    if reason == "memory":
        return GraderError(
            MEMORY,
            f"your code's processes together held over {memory_budget / GIB:g} GiB of memory, "
            "all a check may use, and were stopped",
        )
    if reason == "disk":
        return GraderError(
            DISK,
            f"your code filled its scratch folder ({SCRATCH_LIMIT // 2**20} MB or "
            f"{SCRATCH_FILES:,} files at most)",
        )
    return None


def _ended_early(reply: dict, time_limit: float) -> GraderError:
    sig = reply.get("signal")
    if sig == "SIGXCPU" or (sig == "SIGKILL" and reply.get("cpu_s", 0) >= time_limit):
        return GraderError(TIMEOUT, f"your code used more than {time_limit:g} s of CPU time")
    if sig == "SIGKILL":
        return GraderError(MEMORY, "your code was killed, most likely for using too much memory")
    if sig:
        return GraderError(CRASHED, f"your code crashed (signal {sig})")
    code = reply.get("exit_code")
    return GraderError(EXITED, f"your code exited (exit status {code}) before producing a result")


def _output(reply: dict, output_keep: int) -> str:
    text = printable(reply.get("output", ""))
    total = int(reply.get("output_bytes", 0))
    if total > output_keep:
        text += (
            f"\n… output truncated: your code printed {total / 1024:,.0f} KB; "
            f"the first {output_keep // 1024} KB are shown"
        )
    return text
