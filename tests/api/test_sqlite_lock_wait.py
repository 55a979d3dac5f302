"""Requests on a SQLite store while another process holds its write lock for longer than the
library's pool timeout (5 s): each waits its turn and is answered, none 503 (the in-process twin of
tests/e2e/test_faults_sqlite.py::test_a_request_waits_out_another_process_holding_the_write_lock_for_seconds).

In a process, one writer at a time enters SQLite (the pool's writer lock); the next writer waits for
it holding the pool's queue (`_get_semaphore`), and reads wait behind that writer. Here A's insert
waits in SQLite's busy handler, B's insert waits for A in the pool, C's read queues behind B a few
milliseconds later. With the pool's timeout at 5 s, B gives up (and its command is tried again) a
few milliseconds before C would, and C gets the queue only if B's thread runs first: on a loaded
machine it often does not, and C was answered 503 after 5.00 s. B's timed-out wait returns 0.1 s
late here, as a thread scheduled late does, so that race is always lost when the pool gives up early."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from application.service import CredentialService
from application.settings import Settings
from application.storage import SQLITE_LOCK_TIMEOUT
from web import create_app

TOKEN = "staff-secret-token-0123456789abcdef"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
HOLD = 7.0  # longer than the library's pool timeout of 5 s, well within the lock timeout


class LateWakingLock:
    """A lock whose timed-out waits return `late` s after their timeout (the thread scheduled late)."""

    def __init__(self, lock: Any, late: float) -> None:
        self.lock, self.late = lock, late

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got: bool = self.lock.acquire(blocking, timeout)
        if not got:
            time.sleep(self.late)
        return got

    def release(self) -> None:
        self.lock.release()

    def locked(self) -> bool:
        return bool(self.lock.locked())


def test_the_pool_waits_for_a_connection_as_long_as_sqlite_waits_for_its_lock(tmp_path: Path) -> None:
    service = CredentialService(database_url=f"sqlite:///{tmp_path}/store.db")
    try:
        pool = service.recorder.datastore.pool
        assert pool.pool_timeout >= pool.lock_timeout == int(SQLITE_LOCK_TIMEOUT)
    finally:
        service.close()


def test_requests_queued_in_the_pool_wait_out_another_process_holding_the_write_lock(tmp_path: Path) -> None:
    db = tmp_path / "held.db"
    app = create_app(Settings(database_url=f"sqlite:///{db}", tokens=f"staff:{TOKEN}"))
    for member in "abc":
        answer = app.test_client().post(f"/members/{member}/certifications", headers=HEADERS,
                                        json={"certification": "CPT", "certified_on": "2024-03-01"})
        assert answer.status_code == 201, answer.get_data(as_text=True)
    pool = app.extensions["credentials"].get().recorder.datastore.pool
    pool._writer_lock = LateWakingLock(pool._writer_lock, 0.1)
    answers: dict[str, tuple[int, float]] = {}

    def claim(member: str) -> None:
        started = time.monotonic()
        answer = app.test_client().post(f"/members/{member}/activities", headers=HEADERS, json={
            "category": "acsm_workshop", "title": f"{member}-1", "completed_on": "2025-01-10", "hours": 1})
        answers[member] = (answer.status_code, round(time.monotonic() - started, 3))

    def semaphore_held_for(seconds: float) -> None:
        since = None
        while since is None or time.monotonic() - since < seconds:
            since = (since or time.monotonic()) if not pool._get_semaphore._value else None
            time.sleep(0.0005)

    threads = {member: threading.Thread(target=claim, args=(member,)) for member in "abc"}
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        held_at = time.monotonic()
        threads["a"].start()
        while not pool._writer_lock.locked():  # A's insert, in SQLite's busy handler
            time.sleep(0.001)
        time.sleep(0.2)
        threads["b"].start()
        semaphore_held_for(0.01)  # B's insert, waiting in the pool for A (a read holds it for ~1 ms)
        threads["c"].start()  # C's read queues behind B
        time.sleep(HOLD - (time.monotonic() - held_at))
        holder.execute("COMMIT")
    finally:
        for thread in threads.values():
            thread.join(timeout=60)
        holder.close()
    assert {member: status for member, (status, _) in answers.items()} == {"a": 201, "b": 201, "c": 201}, answers
