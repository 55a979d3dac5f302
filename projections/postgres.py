"""The read side on PostgreSQL: a schema of its own, rows written by COPY, new events notified.

A rebuild fills a shadow schema (`<schema>_build`), indexes it, then in one transaction
drops the live schema and renames the shadow one in its place: readers see the old tables
until that commit and the new ones after it, never a partial table.

Events are read from the recorder's table by notification id, on connections made with the
recorder's pool settings; a follower listens on the recorder's NOTIFY channel (its insert
function notifies in the same transaction), with a timeout as a fallback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Mapping
from contextlib import AbstractContextManager
from typing import Any, cast
from uuid import UUID

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from projections.rows import Changes, Row, Rows
from projections.source import EVENT_COLUMNS, MEMBER_ORDER, EventSource, OriginatorId, Waiter
from projections.store import PROJECTION, ReadModels, RebuildRunning
from projections.tables import MEMBER_TABLES, TRACKING, Table
from projections.views import view_statements

# How long the swap waits for readers still using the old tables before trying again.
SWAP_LOCK_TIMEOUT = "10s"
SWAP_ATTEMPTS = 6


class PostgresBackend:
    """The read side beside a PostgreSQL store: connections like the recorder's, its events table."""

    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self.recorder = recorder
        self.conninfo = dict(cast(dict[str, Any], recorder.datastore.pool.kwargs))
        self.conninfo.pop("row_factory", None)

    def read_models(self, report_schema: str, report_prefix: str) -> PostgresReadModels:
        return PostgresReadModels(self.conninfo, report_schema)  # a schema, so no prefix

    def event_source(self) -> PostgresEventSource:
        return PostgresEventSource(self.recorder, self.conninfo)


def quoted(name: str) -> str:
    return Identifier(name).as_string(None)


def qualified(schema: str, table: Table) -> str:
    return f"{quoted(schema)}.{quoted(table.name)}"


def create_tables(conn: psycopg.Connection[Any], schema: str, *, with_constraints: bool,
                  policy: str | None = None) -> None:
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(schema)}")
    for table in (*MEMBER_TABLES, TRACKING):
        conn.execute(table.create(qualified(schema, table), postgres=True))
        if with_constraints or table is TRACKING:
            for statement in table.constraints(qualified(schema, table), ""):
                conn.execute(statement)
    conn.execute(f"INSERT INTO {qualified(schema, TRACKING)} VALUES (%s, 0, %s) ON CONFLICT DO NOTHING",
                 (PROJECTION, policy))


def copy_rows(conn: psycopg.Connection[Any], schema: str, rows: Rows) -> None:
    with conn.cursor() as cursor:
        for table in MEMBER_TABLES:
            if not rows[table.name]:
                continue
            columns = ", ".join(table.column_names)
            with cursor.copy(f"COPY {qualified(schema, table)} ({columns}) FROM STDIN") as copy:
                for row in rows[table.name]:
                    copy.write_row(row)


def lock_for_transaction(conn: psycopg.Connection[Any], name: str) -> None:
    """Serialises creating and swapping the same schema."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))


def try_lock_for_session(conn: psycopg.Connection[Any], name: str) -> bool:
    """One rebuild at a time: held by the rebuilding session, released when it ends."""
    row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (name,)).fetchone()
    return bool(row and row[0])


class PostgresReadModels(ReadModels):
    # The row lock makes a second follower wait in `replace_members`, then see the position moved.
    lock_tracking_row = " FOR UPDATE"

    def __init__(self, conninfo: Mapping[str, Any], schema: str) -> None:
        self.conninfo = dict(conninfo)
        self.schema = schema
        self.build_schema = f"{schema}_build"
        # Each write in an explicit transaction.
        self.conn: psycopg.Connection[Any] = psycopg.connect(**self.conninfo, autocommit=True)
        self._build_lock: psycopg.Connection[Any] | None = None

    def location(self) -> dict[str, str]:
        return {"report_schema": self.schema}

    def table(self, name: str) -> str:
        return f"{quoted(self.schema)}.{quoted(name)}"

    def shadow_table(self, name: str) -> str:
        return f"{quoted(self.build_schema)}.{quoted(name)}"

    def ensure(self) -> None:
        with self.conn.transaction():
            lock_for_transaction(self.conn, self.schema)
            exists = self.conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)).fetchone()
            if not exists:
                create_tables(self.conn, self.schema, with_constraints=True)
                for statement in view_statements(quoted(self.schema)):
                    self.conn.execute(statement)
            else:  # made by an earlier release: tables it had no call for, a tracking row without a book
                self.conn.execute(f"ALTER TABLE {self.table(TRACKING.name)} ADD COLUMN IF NOT EXISTS policy text")
                create_tables(self.conn, self.schema, with_constraints=True)

    def transaction(self) -> AbstractContextManager[psycopg.Transaction]:
        return self.conn.transaction()

    def run(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self.conn.execute(self.query_text(sql), params)
        return cursor.fetchall() if cursor.description else []

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        with self.conn.transaction():
            return self.run(sql, params)

    def delete_members(self, table: Table, changes: Changes) -> None:
        if table.replaced_from:
            column = table.replaced_from
            self.conn.execute(f"DELETE FROM {self.table(table.name)} AS t USING unnest(%s::text[], "
                              f"%s::{table.column_type(column)[0]}[]) AS c(member_id, first_new) "
                              f"WHERE t.member_id = c.member_id AND t.{column} >= c.first_new",
                              (list(changes), [getattr(first, column) for first in changes.values()]))
        else:
            self.conn.execute(f"DELETE FROM {self.table(table.name)} WHERE member_id = ANY(%s)", (list(changes),))

    def delete_rows(self, table: Table, rows: list[Row]) -> None:
        # One statement for all the rows: their keys as arrays, unnested side by side. The member id
        # matched with `=` (the key's index leads with it), the rest also where NULL.
        positions = [table.column_names.index(column) for column in table.key]
        types = [table.column_type(column)[0].split(" COLLATE")[0] for column in table.key]
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        matches = " AND ".join(f"t.{column} = k.{column}" if column == "member_id"
                               else f"t.{column} IS NOT DISTINCT FROM k.{column}" for column in table.key)
        self.conn.execute(f"DELETE FROM {self.table(table.name)} AS t USING unnest({arrays}) "
                          f"AS k({', '.join(table.key)}) WHERE {matches}",
                          [[row[i] for row in rows] for i in positions])

    def insert(self, rows: Rows, *, shadow: bool = False) -> None:
        copy_rows(self.conn, self.build_schema if shadow else self.schema, rows)

    def reopen(self) -> PostgresReadModels:
        return PostgresReadModels(self.conninfo, self.schema)

    def prepare_build(self, policy: str) -> None:
        self._build_lock = psycopg.connect(**self.conninfo, autocommit=True)
        if not try_lock_for_session(self._build_lock, self.build_schema):
            self.release_build_lock()
            raise RebuildRunning(f"a rebuild of {self.schema} is already running")
        with self.conn.transaction():
            self.drop_build()
            create_tables(self.conn, self.build_schema, with_constraints=False, policy=policy)

    def drop_build(self) -> None:
        self.conn.execute(f"DROP SCHEMA IF EXISTS {quoted(self.build_schema)} CASCADE")

    def index_build(self, position: int, progress: Callable[[], None]) -> None:
        with self.conn.transaction():
            for table in MEMBER_TABLES:
                for statement in table.constraints(qualified(self.build_schema, table), ""):
                    self.conn.execute(statement)
                self.conn.execute(f"ANALYZE {qualified(self.build_schema, table)}")
                progress()
            self.conn.execute(f"UPDATE {qualified(self.build_schema, TRACKING)} SET position = %s", (position,))

    def swap_build(self, progress: Callable[[], None]) -> None:
        for attempt in range(SWAP_ATTEMPTS):
            progress()
            try:
                with self.conn.transaction():
                    self.conn.execute(SQL("SET LOCAL lock_timeout = {}").format(SWAP_LOCK_TIMEOUT))
                    lock_for_transaction(self.conn, self.schema)
                    self.conn.execute(f"DROP SCHEMA IF EXISTS {quoted(self.schema)} CASCADE")
                    self.conn.execute(f"ALTER SCHEMA {quoted(self.build_schema)} RENAME TO {quoted(self.schema)}")
                    for statement in view_statements(quoted(self.schema)):
                        self.conn.execute(statement)
                return
            except psycopg.errors.LockNotAvailable:
                if attempt + 1 == SWAP_ATTEMPTS:
                    raise



class PostgresEventSource(EventSource[psycopg.Connection[Any]]):
    def __init__(self, recorder: PostgresApplicationRecorder, conninfo: Mapping[str, Any]) -> None:
        super().__init__(recorder)
        self.conninfo = dict(conninfo)
        self.table = SQL("{}.{}").format(Identifier(recorder.datastore.schema),
                                         Identifier(recorder.events_table_name)).as_string(None)
        self.channel = recorder.channel_name

    def waiter(self, stop: threading.Event, *, idle_timeout: float, poll_interval: float) -> Waiter:
        return NotifyWaiter(self.conninfo, self.channel, idle_timeout)

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(**self.conninfo, autocommit=True)

    def _earlier_rows(self, ids: list[OriginatorId], before: int) -> list[Any]:
        query = (f"SELECT {EVENT_COLUMNS} FROM {self.table} WHERE originator_id = ANY(%s) "
                 f"AND notification_id < %s ORDER BY {MEMBER_ORDER}")
        return self._reads().execute(query, (ids, before), binary=True).fetchall()

    def _member_rows(self, upto: int, low: UUID, high: UUID | None) -> Generator[Any, None, None]:
        bounds = "originator_id >= %s" + (" AND originator_id < %s" if high is not None else "")
        params = (upto, low) + ((high,) if high is not None else ())
        query = (f"SELECT {EVENT_COLUMNS} FROM {self.table} "
                 f"WHERE notification_id <= %s AND {bounds} ORDER BY {MEMBER_ORDER}")
        # Binary: the states arrive as they are stored, not as hex text to decode.
        with psycopg.connect(**self.conninfo) as conn, conn.cursor(name="members", binary=True) as cursor:
            cursor.itersize = 20_000
            cursor.execute(query, params)
            yield from cursor


class NotifyWaiter:
    """Returns when the recorder notifies its channel (an insert committed), or after `timeout`."""

    def __init__(self, conninfo: Mapping[str, Any], channel: str, timeout: float) -> None:
        self.timeout = timeout
        self.conn = psycopg.connect(**conninfo, autocommit=True)
        # Listening before the first catch-up: a notification sent during it is kept, not lost.
        self.conn.execute(SQL("LISTEN {}").format(Identifier(channel)))

    def wait(self) -> None:
        for _notify in self.conn.notifies(timeout=self.timeout, stop_after=1):
            break

    def close(self) -> None:
        self.conn.close()
