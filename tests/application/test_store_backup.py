"""`credentials backup FILE` (http-api.md 1.1, "Bringing records in"; README "Backup and restore"): a SQLite
store copied while it is being written opens as a store that answers exactly as the original did at
one moment; PostgreSQL is left to pg_dump."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from service_support import StepClock

from application.service import CredentialService
from application.store_backup import BackupRefused, backup_sqlite
from domain.rules import ActivityClaim

DATES = (date(2022, 6, 1), date(2024, 1, 1), date(2026, 6, 1))


def keep_writing(url: str, stop: threading.Event) -> None:
    """Members certified and claiming activities, one command after another, until `stop`."""
    writer = CredentialService(database_url=url, clock=StepClock(datetime(2026, 1, 1, tzinfo=UTC)))
    try:
        member = 0
        while not stop.is_set():
            member += 1
            writer.certify(f"w-{member}", "CPT", date(2022, 3, 1))
            writer.claim_activity(f"w-{member}", ActivityClaim("acsm_workshop", "Workshop", date(2023, 2, 1),
                                                               hours=Decimal(10)))
    finally:
        writer.close()


def events_of(service: CredentialService) -> list[tuple[object, ...]]:
    return [(n.originator_id, n.originator_version, n.topic, n.state)
            for n in service.recorder.select_notifications(1, 100_000)]


def wait_for(service: CredentialService, events: int) -> None:
    deadline = time.monotonic() + 20
    while (service.recorder.max_notification_id() or 0) < events:
        assert time.monotonic() < deadline, "the writer stalled"
        time.sleep(0.01)


def test_a_backup_taken_while_the_store_is_written_opens_with_the_answers_of_one_moment(tmp_path: Path) -> None:
    """The copy is consistent: the events committed up to one moment, every member's answers as known then."""
    url = f"sqlite:///{tmp_path}/credentials.db"
    source = CredentialService(database_url=url)
    stop = threading.Event()
    writer = threading.Thread(target=keep_writing, args=(url, stop))
    writer.start()
    try:
        wait_for(source, 40)
        backup_sqlite(url, tmp_path / "copy.db")
        copied_upto = source.recorder.max_notification_id() or 0
        wait_for(source, copied_upto + 20)  # written on after the copy was taken
    finally:
        stop.set()
        writer.join()
    copy = CredentialService(database_url=f"sqlite:///{tmp_path}/copy.db")
    try:
        copied, stored = events_of(copy), events_of(source)
        assert 40 <= len(copied) < len(stored)
        assert copied == stored[:len(copied)]
        members = list(copy.member_ids())
        last = copy.credential(members[-1]).history[-1].timestamp
        for member in members:
            assert copy.history(member) == [e for e in source.history(member) if e.fact.timestamp <= last]
            for on in DATES:
                assert copy.status(member, on, known_at=last) == source.status(member, on, known_at=last)
    finally:
        copy.close()
        source.close()


def test_a_postgresql_store_is_refused_with_a_pointer_to_pg_dump(tmp_path: Path) -> None:
    """On PostgreSQL the database's own tool takes the backup; nothing is written."""
    with pytest.raises(BackupRefused, match="pg_dump"):
        backup_sqlite("postgresql://someone@db.example:5432/credentials", tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []
