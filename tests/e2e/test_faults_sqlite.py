"""Faults on SQLite, end to end (issue 14, items 3 and 7): several processes writing one store file
at once, and a worker killed mid-request.

SQLite lets one writer in at a time; the others wait in its busy handler for as long as the
store's lock timeout (application/storage.py). A writer that waited longer than that would be
answered 503 `storage_unavailable` ("database is locked"): none may be while a sweep, a reminder
run and an import write beside the server's workers."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_load import Load, lost_and_doubled, recorded_titles, send
from server_support import CLI, STAFF_TOKEN, Server, start_server, stop

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/faults.db"


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    running = start_server(database_url, tmp_path / "server.log", f"staff:{STAFF_TOKEN}")
    yield running
    stop(running)


def port_of(server: Server) -> int:
    return int(server.base.rsplit(":", 1)[1])


def cli(database_url: str, *arguments: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": database_url}
    return subprocess.Popen([*CLI, *arguments], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_no_database_is_locked_reaches_a_client_while_a_sweep_reminders_and_an_import_write(
        server: Server, database_url: str, tmp_path: Path) -> None:
    load = Load("127.0.0.1", port_of(server), STAFF_TOKEN, clients=6, prefix="sqlite").start()
    time.sleep(0.5)
    writers = [cli(database_url, "import", str(SAMPLES / "register.csv")),
               cli(database_url, "sweep"), cli(database_url, "reminders")]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    tally = load.stop()
    assert [w.returncode for w in writers] == [0, 0, 0], [err[-2000:] for _, err in outputs]
    assert not any("locked" in err for _, err in outputs), [err[-2000:] for _, err in outputs]
    # Every claim answered the first time: no 503 (a lock waited out), no 500.
    assert set(tally.statuses) <= {200, 201}, (tally.statuses, tally.bad[:5])
    assert not tally.failures, tally.failures
    assert sum(len(a) for a in tally.answered.values()) >= 6, tally
    assert lost_and_doubled(load) == ([], [])


def test_a_request_waits_out_another_process_holding_the_write_lock_for_seconds(
        server: Server, database_url: str) -> None:
    """A sweep, a reminder run or an import's batch holds SQLite's one write lock while it writes (here
    another process holds it for 7 s, longer than the library's default wait of 5 s): the requests
    meanwhile wait their turn and are answered, never 503 "database is locked"."""
    holder = sqlite3.connect(database_url[len("sqlite:///"):], isolation_level=None)
    load = Load("127.0.0.1", port_of(server), STAFF_TOKEN, clients=3, prefix="held").start()
    try:
        time.sleep(0.5)
        holder.execute("BEGIN IMMEDIATE")
        time.sleep(7.0)
        holder.execute("COMMIT")
        time.sleep(1.0)
    finally:
        tally = load.stop()
        holder.close()
    assert set(tally.statuses) <= {200, 201}, (tally.statuses, tally.bad[:5])
    assert not tally.failures, tally.failures
    assert lost_and_doubled(load) == ([], [])


def worker_pids(server: Server, count: int = 3, within: float = 15.0) -> list[int]:
    """The pids of the server's workers, from granian's own log lines ("Spawning worker-N with PID:
    P"): the pids as the server's process sees them. Asking `ps` for the server's children is not
    enough: in a sandboxed PID namespace /proc may show other numbers than the ones we signal."""
    deadline = time.monotonic() + within
    while True:
        spawned = re.findall(r"Spawning worker-(\d+) with PID: (\d+)", server.log.read_text())
        latest = {worker: int(pid) for worker, pid in spawned}  # a respawned worker keeps its number
        if len(latest) >= count or time.monotonic() > deadline:
            return sorted(latest.values())
        time.sleep(0.2)


def test_a_worker_killed_mid_request_leaves_nothing_half_recorded_and_retries_record_once(
        server: Server) -> None:
    workers = worker_pids(server)
    assert len(workers) >= 2, workers
    load = Load("127.0.0.1", port_of(server), STAFF_TOKEN, clients=6, prefix="killed").start()
    time.sleep(1.0)
    killed = []
    for pid in workers[:2]:  # two of the three, each with requests in flight
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        time.sleep(0.3)
    assert killed, (workers, worker_pids(server), server.log.read_text()[-3000:])
    killed_at = time.monotonic()
    time.sleep(3.0)  # granian starts others; the clients resend what went unanswered
    tally = load.stop()
    assert tally.failures, "no request was in flight when the workers were killed"
    assert not tally.bad, tally.bad[:5]
    # Recovered: answers after the kill, from the new workers.
    assert any(t > killed_at + 1 for t in tally.successes), (tally.statuses, tally.failures,
                                                              server.log.read_text()[-3000:])
    assert lost_and_doubled(load) == ([], [])
    # Nothing half-recorded: every member's history and status read whole; every claim recorded is one
    # a client sent (answered, or the one in flight when the load ended).
    for member in load.members:
        titles = recorded_titles("127.0.0.1", port_of(server), STAFF_TOKEN, member)
        assert len(set(titles) - tally.answered.get(member, set())) <= 1, titles
        assert send("127.0.0.1", port_of(server), "GET", f"/members/{member}/status", STAFF_TOKEN)[0] == 200


def front_door_pids(server: Server, within: float = 15.0) -> list[int]:
    """The pids of the front doors the server has started, oldest first, from its own log lines."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        started = [int(pid) for pid in re.findall(r"front door started \(pid (\d+)\)", server.log.read_text())]
        if started:
            return started
        time.sleep(0.1)
    raise AssertionError(server.log.read_text())


def test_the_front_door_killed_under_load_is_started_again_and_nothing_is_lost_or_doubled(
        server: Server) -> None:
    """The front door accepts every connection: killed, it is started again, connections waiting
    meanwhile in the listening socket's backlog, which the server keeps open."""
    (first,) = front_door_pids(server)
    load = Load("127.0.0.1", port_of(server), STAFF_TOKEN, clients=4, prefix="front").start()
    time.sleep(1.0)
    os.kill(first, signal.SIGKILL)
    killed_at = time.monotonic()
    time.sleep(3.0)
    tally = load.stop()
    assert len(front_door_pids(server)) == 2, server.log.read_text()[-3000:]
    assert not tally.bad, tally.bad[:5]
    assert any(t > killed_at + 1 for t in tally.successes), (tally.statuses, tally.failures)
    assert lost_and_doubled(load) == ([], [])
