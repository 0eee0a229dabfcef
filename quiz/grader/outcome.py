"""What one run of the code produced, read back in the parent from the worker's reply."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from quiz.grader.limits import GIB, OUTPUT_FLOOD
from quiz.grader.values import decode
from quiz.grader.verdict import (
    CRASHED,
    EXITED,
    MEMORY,
    OUTPUT_LIMIT,
    TIMEOUT,
    GraderError,
)


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
    """Turn the worker's reply and the child's JSON lines into a Run."""
    observations: dict[str, Observation] = {}
    error = None
    last_call = None
    finished = False
    for line in stream.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        if kind == "calling":
            last_call = str(event.get("call"))
        elif kind == "observe":
            key = str(event.get("key"))
            observations[key] = Observation(
                key=key,
                call=str(event.get("call", key)),
                kind=str(event.get("kind", "call")),
                value=decode(event.get("value")),
                error=_error(event.get("error"), memory_budget),
                mistakes={k: decode(v) for k, v in (event.get("mistakes") or {}).items()},
            )
        elif kind == "error" and error is None:
            error = _error(event.get("error"), memory_budget)
        elif kind == "done":
            finished = True
    error = _stopped(reply, time_limit, last_call) or error
    if error is None and not finished:
        error = _ended_early(reply, time_limit)
    return Run(
        source=source,
        observations=observations,
        error=error,
        output=_output(reply, output_keep),
        duration_s=float(reply.get("wall_s", 0.0)),
        finished=finished and error is None,
    )


def _error(data, memory_budget: int) -> GraderError | None:
    if not isinstance(data, dict):
        return None
    error = GraderError(
        kind=str(data.get("kind", "exception")),
        message=str(data.get("message", "")),
        line=data.get("line") if isinstance(data.get("line"), int) else None,
        detail=data.get("detail") if isinstance(data.get("detail"), str) else None,
    )
    if error.kind == MEMORY:
        error.message = (
            f"your code ran out of memory: a check may use {memory_budget / GIB:g} GiB "
            f"({error.message})"
        )
    return error


def _stopped(reply: dict, time_limit: float, last_call: str | None) -> GraderError | None:
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
    text = reply.get("output", "")
    total = int(reply.get("output_bytes", 0))
    if total > output_keep:
        text += (
            f"\n… output truncated: your code printed {total / 1024:,.0f} KB; "
            f"the first {output_keep // 1024} KB are shown"
        )
    return text
