"""Reading the application's stored events for the projections.

Pages of notifications come from the library's recorder (`select_notifications`). Two
reads it has no call for are done here in SQL: the earlier events of many members at
once (one query per page instead of one per member), and every event in member order
(to rebuild from zero without holding the whole store in memory). Both read the
recorder's own table, on the recorder's own database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from itertools import groupby
from typing import Any, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from application.service import CredentialService

UUID_SPACE = 1 << 128
EVENT_COLUMNS = "originator_id, originator_version, topic, state"
MEMBER_ORDER = "originator_id, originator_version"
OriginatorId = UUID | str  # as the library types it; credentials use UUIDs
# SQLite allows a bounded number of parameters per statement.
SQLITE_CHUNK = 500


def postgres_conninfo(recorder: PostgresApplicationRecorder) -> dict[str, Any]:
    """The connection settings of the recorder's pool, to open connections of our own."""
    kwargs = dict(cast(dict[str, Any], recorder.datastore.pool.kwargs))
    kwargs.pop("row_factory", None)
    return kwargs


def keeps_read_models(service: CredentialService) -> bool:
    """Whether the service's store is one the read models can live beside (not in memory)."""
    return isinstance(service.recorder, (PostgresApplicationRecorder, SQLiteApplicationRecorder))


class EventSource:
    def __init__(self, service: CredentialService) -> None:
        self.service = service
        self._connection: psycopg.Connection[Any] | sqlite3.Connection | None = None
        recorder = service.recorder
        if isinstance(recorder, PostgresApplicationRecorder):
            self.postgres = True
            self.conninfo = postgres_conninfo(recorder)
            self.table = SQL("{}.{}").format(Identifier(recorder.datastore.schema),
                                             Identifier(recorder.events_table_name)).as_string(None)
            self.channel = recorder.channel_name
        elif isinstance(recorder, SQLiteApplicationRecorder):
            self.postgres = False
            self.sqlite_path = recorder.datastore.pool.db_name
            self.table = recorder.events_table_name
        else:
            raise TypeError(f"read models need a PostgreSQL or SQLite store, not {type(recorder).__name__}")

    def max_notification_id(self) -> int:
        return self.service.recorder.max_notification_id() or 0

    def page(self, after: int, limit: int) -> Sequence[Notification]:
        return self.service.recorder.select_notifications(after + 1, limit)

    def earlier_events(self, originator_ids: Iterable[OriginatorId],
                       before: int) -> dict[OriginatorId, list[StoredEvent]]:
        """Each member's events with a notification id below `before`, in version order."""
        ids = sorted(set(originator_ids))
        if not ids:
            return {}
        if self.postgres:
            query = (f"SELECT {EVENT_COLUMNS} FROM {self.table} WHERE originator_id = ANY(%s) "
                     f"AND notification_id < %s ORDER BY {MEMBER_ORDER}")
            rows: list[Any] = self._postgres().execute(query, (ids, before), binary=True).fetchall()
        else:
            rows = []
            for start in range(0, len(ids), SQLITE_CHUNK):
                chunk = [i.hex if isinstance(i, UUID) else i for i in ids[start:start + SQLITE_CHUNK]]
                rows += self._sqlite().execute(
                    f"SELECT {EVENT_COLUMNS} FROM {self.table} WHERE originator_id IN ({','.join('?' * len(chunk))}) "
                    f"AND rowid < ? ORDER BY {MEMBER_ORDER}", (*chunk, before)).fetchall()
        return {events[0].originator_id: events for events in self._grouped(rows)}

    def members_in_order(self, upto: int, part: int = 0, parts: int = 1) -> Iterator[list[StoredEvent]]:
        """Each member's events up to notification `upto`, one list per member, in member order;
        `part` of `parts` reads one slice of the originator ids, so slices can be built in parallel."""
        low, high = UUID(int=UUID_SPACE * part // parts), UUID_SPACE * (part + 1) // parts
        if self.postgres:
            bounds = "originator_id >= %s" + (" AND originator_id < %s" if high < UUID_SPACE else "")
            params: tuple[Any, ...] = (upto, low) + ((UUID(int=high),) if high < UUID_SPACE else ())
            query = (f"SELECT {EVENT_COLUMNS} FROM {self.table} "
                     f"WHERE notification_id <= %s AND {bounds} ORDER BY {MEMBER_ORDER}")
            # Binary: the states arrive as they are stored, not as hex text to decode.
            with psycopg.connect(**self.conninfo) as conn, conn.cursor(name="members", binary=True) as cursor:
                cursor.itersize = 20_000
                cursor.execute(query, params)
                yield from self._grouped(cursor)
        else:
            bounds = "originator_id >= ?" + (" AND originator_id < ?" if high < UUID_SPACE else "")
            params = (upto, low.hex) + ((UUID(int=high).hex,) if high < UUID_SPACE else ())
            with closing(sqlite3.connect(self.sqlite_path, timeout=30)) as lite:
                rows = lite.execute(
                    f"SELECT {EVENT_COLUMNS} FROM {self.table} WHERE rowid <= ? AND {bounds} ORDER BY {MEMBER_ORDER}",
                    params)
                yield from self._grouped(rows)

    def _grouped(self, rows: Iterable[Any]) -> Iterator[list[StoredEvent]]:
        for _originator, events in groupby(self._stored(rows), key=lambda e: e.originator_id):
            yield list(events)

    def _stored(self, rows: Iterable[Any]) -> Iterator[StoredEvent]:
        if self.postgres:
            for originator, version, topic, state in rows:
                yield StoredEvent(originator, version, topic, state)
        else:
            for originator, version, topic, state in rows:
                yield StoredEvent(UUID(originator), version, topic, state)

    def _postgres(self) -> psycopg.Connection[Any]:
        # One connection for the small reads of a follower, kept between pages.
        if self._connection is None:
            self._connection = psycopg.connect(**self.conninfo, autocommit=True)
        assert isinstance(self._connection, psycopg.Connection)
        return self._connection

    def _sqlite(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = sqlite3.connect(self.sqlite_path, timeout=30, isolation_level=None,
                                               check_same_thread=False)
        assert isinstance(self._connection, sqlite3.Connection)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
