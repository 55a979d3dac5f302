"""Timed loops run by workers (threads of this process, or processes of their own), the
figures they give, and the raw baseline: single-row INSERT+COMMIT transactions."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import StoredEvent

from benchmarks.target import RawSpec


def machine_figures(load_before: float, began: float) -> dict[str, Any]:
    """The machine the run had: its cores, the load average before and after (other processes
    on the machine make every figure noisier), and the run's length in seconds."""
    return {
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cores": os.cpu_count(),
        "total_s": round(time.perf_counter() - began, 1),
    }


def machine_row(figures: dict[str, Any]) -> tuple[str, str, str]:
    load = figures["load_avg_1m"]
    return "machine", f"{figures['cores']} cores", f"load average {load[0]} before, {load[1]} after"


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    """What `action` returns, and the seconds it took."""
    began = time.perf_counter()
    result = action()
    return result, time.perf_counter() - began


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


@dataclass
class Phase:
    """Operations done by the workers, the wall and worker CPU time they took, each latency."""

    elapsed: float = 0.0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def cpu_ms(self) -> float:
        return 1000 * self.cpu / max(len(self.latencies), 1)

    def p50_ms(self) -> float:
        return ms(percentile(self.latencies, 0.5))

    def p99_ms(self) -> float:
        return ms(percentile(self.latencies, 0.99))

    def add(self, other: Phase) -> None:
        self.elapsed += other.elapsed
        self.cpu += other.cpu
        self.latencies += other.latencies
        self.errors += other.errors
        self.first_error = self.first_error or other.first_error


class Job(Protocol):
    """One worker's loop, built in the thread or process that runs it."""

    def run(self, seconds: float) -> Phase: ...

    def close(self) -> None: ...


def timed_loop(seconds: float, step: Callable[[], object]) -> Phase:
    """Call `step` until `seconds` pass; a failed step is counted apart, not timed."""
    phase = Phase()
    began, cpu = time.perf_counter(), time.thread_time()
    deadline = began + seconds
    while (start := time.perf_counter()) < deadline:
        try:
            step()
        except Exception as error:  # the figures are of successful operations
            phase.errors += 1
            phase.first_error = phase.first_error or repr(error)[:300]
            continue
        phase.latencies.append(time.perf_counter() - start)
    phase.cpu = time.thread_time() - cpu
    return phase


def in_threads(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run the calls together, one thread each; their results in order, or the first failure."""
    results: list[Any] = [None] * len(calls)
    failures: list[BaseException] = []

    def call(index: int) -> None:
        try:
            results[index] = calls[index]()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


# SQLite has one writer at a time; writers that collide sleep in its busy handler, so raw
# writers take turns on a lock instead, as the library's SQLite pool does for the service.
SQLITE_WRITER = threading.Lock()


class RawJob:
    """Single-row INSERT + COMMIT transactions of an event-sized row, on its own connection."""

    def __init__(self, spec: RawSpec, sample: StoredEvent, index: int) -> None:
        self.spec, self.topic, self.state = spec, sample.topic, sample.state
        if spec.backend == "postgres":
            self.pg = psycopg.connect(spec.dsn)
        else:
            self.lite = sqlite3.connect(spec.dsn, isolation_level=None, check_same_thread=False, timeout=30)

    def insert(self) -> None:
        if self.spec.backend == "postgres":
            self.pg.execute(self.spec.insert, (uuid.uuid4(), 1, self.topic, self.state))
            self.pg.commit()
        else:
            with SQLITE_WRITER:
                self.lite.execute("BEGIN")
                self.lite.execute(self.spec.insert, (uuid.uuid4().hex, 1, self.topic, self.state))
                self.lite.execute("COMMIT")

    def run(self, seconds: float) -> Phase:
        return timed_loop(seconds, self.insert)

    def close(self) -> None:
        (self.pg if self.spec.backend == "postgres" else self.lite).close()


def serve_job(pipe: Any, build: Callable[..., Job], args: tuple[Any, ...]) -> None:
    """A worker process: build the job, then run it for as long as the parent says, each time."""
    job = build(*args)
    pipe.send("ready")
    while (seconds := pipe.recv()) is not None:
        pipe.send(job.run(seconds))
    job.close()


class Workers:
    """`count` jobs, each in its own thread or process, run together for some seconds.
    Each job is built by `build(*args, index)`."""

    def __init__(self, kind: str, count: int, build: Callable[..., Job], *args: Any) -> None:
        self.kind = kind
        if kind == "process":
            context = multiprocessing.get_context("spawn")  # no forking a process with pool threads
            self.pipes, self.processes = [], []
            for index in range(count):
                parent, child = context.Pipe()
                process = context.Process(target=serve_job, args=(child, build, (*args, index)), daemon=True)
                process.start()
                # Only the worker holds its end now, so a worker that dies is an EOFError here, not a hang.
                child.close()
                self.pipes.append(parent)
                self.processes.append(process)
            for pipe in self.pipes:
                pipe.recv()
        else:
            self.jobs: list[Job] = in_threads([partial(build, *args, i) for i in range(count)])

    def run(self, seconds: float) -> Phase:
        began = time.perf_counter()
        if self.kind == "process":
            for pipe in self.pipes:
                pipe.send(seconds)
            phases = [pipe.recv() for pipe in self.pipes]
        else:
            phases = in_threads([partial(job.run, seconds) for job in self.jobs])
        total = Phase()
        for phase in phases:
            total.add(phase)
        total.elapsed = time.perf_counter() - began
        return total

    def close(self) -> None:
        if self.kind == "process":
            for pipe in self.pipes:
                with contextlib.suppress(OSError):  # that worker is gone already
                    pipe.send(None)
            for process in self.processes:
                process.join(timeout=30)
        else:
            for job in self.jobs:
                job.close()


def alternate(rounds: int, seconds: float, raw: Workers, other: Workers | Metered) -> tuple[Phase, Phase]:
    """Raw and the other workers take turns, `rounds` times, `seconds` in all for each, so that
    drift (other load on the machine, the database's state) hits both alike."""
    raw_total, other_total = Phase(), Phase()
    for _ in range(rounds):
        raw_total.add(raw.run(seconds / rounds))
        other_total.add(other.run(seconds / rounds))
    return raw_total, other_total


class Metered:
    """Workers whose runs are metered by `snapshot` (CPU seconds by whom): `used` adds up."""

    def __init__(self, workers: Workers, snapshot: Callable[[], dict[str, float]]) -> None:
        self.workers, self.snapshot = workers, snapshot
        self.used: dict[str, float] = {}

    def run(self, seconds: float) -> Phase:
        before = self.snapshot()
        phase = self.workers.run(seconds)
        after = self.snapshot()
        for key in before:
            self.used[key] = self.used.get(key, 0.0) + after[key] - before[key]
        return phase
