"""The PostgreSQL recorder behaves like the library's (issue 14, item 2): the library's own recorder test
cases (`eventsourcing.tests.persistence`) run against `InOrderPostgresRecorder`, on a table named as long
as PostgreSQL allows, as the library runs them against its own; and the lock timeout is each datastore's,
whichever process created the tables last."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import types
from collections.abc import Iterator
from unittest import TestCase
from urllib.parse import unquote, urlsplit
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg import sql

from application.recorder import InOrderPostgresRecorder, insert_function_name

if importlib.util.find_spec("Crypto") is None:
    # The library's test module imports its AES cipher (pycryptodome, not a dependency here) for
    # cases of its own (the mapper's) that are not run here.
    _cipher = types.ModuleType("eventsourcing.cipher")
    _cipher.AESCipher = object  # type: ignore[attr-defined]
    sys.modules.setdefault("eventsourcing.cipher", _cipher)

from eventsourcing.tests import persistence as library  # noqa: E402  (after the stand-in above)

# The longest name PostgreSQL keeps (63 bytes): the library's own cases use one as long.
EVENTS_TABLE_NAME = "s" * 50 + "stored_events"


def datastore_for(url: str, **options: object) -> PostgresDatastore:
    parts = urlsplit(url)
    return PostgresDatastore(unquote(parts.path.lstrip("/")), parts.hostname or "127.0.0.1", parts.port or 5432,
                             unquote(parts.username or "postgres"), unquote(parts.password or ""), **options)


def drop_table(url: str, table: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        conn.execute(sql.SQL("DROP FUNCTION IF EXISTS {}").format(sql.Identifier(insert_function_name(table))))


class OnPostgres(TestCase):
    """A datastore on the test process's database, with the events table dropped before and after."""

    url: str
    datastore: PostgresDatastore

    @pytest.fixture(autouse=True)
    def _datastore(self, postgres_url: str) -> Iterator[None]:
        self.url = postgres_url
        drop_table(postgres_url, EVENTS_TABLE_NAME)
        # Enough connections for the concurrent cases' writers and readers, as the library's cases resize to.
        self.datastore = datastore_for(postgres_url, pool_size=4, max_overflow=10)
        yield
        self.datastore.close()
        drop_table(postgres_url, EVENTS_TABLE_NAME)

    def create_recorder(self) -> InOrderPostgresRecorder:
        recorder = InOrderPostgresRecorder(self.datastore, events_table_name=EVENTS_TABLE_NAME)
        recorder.create_table()
        return recorder


class TestTheLibrarysApplicationRecorderCases(OnPostgres,
                                              library.ApplicationRecorderTestCase[InOrderPostgresRecorder]):
    """`ApplicationRecorderTestCase`: inserting and selecting events and notifications, the version check
    (IntegrityError), contiguous notification ids, concurrent writers and readers."""


class TestTheLibrarysNonInterleavingCase(OnPostgres, library.NonInterleavingNotificationIDsBaseCase):
    """Two large inserts at once get notification ids that do not interleave."""

    insert_num = 100  # as the library's PostgreSQL case


def event(originator_id: object | None = None) -> StoredEvent:
    return StoredEvent(originator_id=originator_id or uuid4(), originator_version=1, topic="topic", state=b"{}")


@pytest.fixture
def events_table(postgres_url: str) -> Iterator[str]:
    drop_table(postgres_url, EVENTS_TABLE_NAME)
    yield EVENTS_TABLE_NAME
    drop_table(postgres_url, EVENTS_TABLE_NAME)


def test_an_insert_waits_for_the_table_lock_only_as_long_as_its_own_datastore_says(
        postgres_url: str, events_table: str) -> None:
    """Issue 14: the lock timeout was written into the body of the shared insert function, so the last process
    to create the tables set it for every process (one that asked for 1 s waited 15 s). Here the process asking
    for 1 s creates the tables first and one asking for 8 s after it: the first still gives up after about 1 s,
    and records nothing."""
    quick, patient = datastore_for(postgres_url, lock_timeout=1), datastore_for(postgres_url, lock_timeout=8)
    try:
        recorder = InOrderPostgresRecorder(quick, events_table_name=events_table)
        recorder.create_table()
        InOrderPostgresRecorder(patient, events_table_name=events_table).create_table()
        locked, done = threading.Event(), threading.Event()

        def hold_the_table_lock() -> None:
            with psycopg.connect(postgres_url) as conn, conn.transaction():
                conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(events_table)))
                locked.set()
                done.wait(timeout=20)

        holder = threading.Thread(target=hold_the_table_lock, daemon=True)
        holder.start()
        assert locked.wait(timeout=10)
        sent = event()
        started = time.monotonic()
        try:
            with pytest.raises(OperationalError, match="lock timeout"):
                recorder.insert_events([sent])
            waited = time.monotonic() - started
        finally:
            done.set()
            holder.join(timeout=20)
        assert 0.9 < waited < 4
        assert recorder.select_events(sent.originator_id) == []
    finally:
        quick.close()
        patient.close()


def test_a_table_named_with_the_63_characters_postgresql_allows_is_recorded_to(
        postgres_url: str, events_table: str) -> None:
    """Issue 14: a name over 47 characters was refused, the insert function being named after the table;
    the library allows 63."""
    datastore = datastore_for(postgres_url)
    try:
        recorder = InOrderPostgresRecorder(datastore, events_table_name=events_table)
        recorder.create_table()
        assert len(events_table) == 63
        assert recorder.insert_events([event(), event()]) == [1, 2]
    finally:
        datastore.close()


def test_a_table_name_longer_than_postgresql_allows_is_refused_as_by_the_library(postgres_url: str) -> None:
    """PostgreSQL would cut the name to 63 characters, and so could name another table: the library refuses it."""
    datastore = datastore_for(postgres_url)
    try:
        with pytest.raises(ProgrammingError):
            InOrderPostgresRecorder(datastore, events_table_name="s" + EVENTS_TABLE_NAME)
    finally:
        datastore.close()
