"""The read side on SQLite: prefixed tables in the events' own file, read and polled there.

SQLite has one writer at a time and the application shares it, so rows are computed
before a write transaction begins (`BEGIN IMMEDIATE`), and a rebuild writes its shadow
tables in short transactions. The swap drops the live tables and renames the shadow ones
in one transaction; readers (WAL mode) keep seeing the old tables until it commits.

Events are read from the recorder's table by rowid (its notification id), and a follower,
with no notifications to listen for, polls.
"""

from __future__ import annotations

import fcntl
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import closing
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from projections.rows import Changes, Row, Rows
from projections.source import EVENT_COLUMNS, MEMBER_ORDER, EventSource, OriginatorId, Waiter
from projections.store import PROJECTION, ReadModels, RebuildRunning
from projections.tables import MEMBER_TABLES, TRACKING, Table

# SQLite allows a bounded number of parameters per statement.
SQLITE_CHUNK = 500


class SQLiteBackend:
    """The read side beside an SQLite store: the recorder's file, and its events table."""

    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self.recorder = recorder
        self.path = recorder.datastore.pool.db_name

    def read_models(self, report_schema: str, report_prefix: str) -> SQLiteReadModels:
        return SQLiteReadModels(self.path, report_prefix)  # SQLite has no schemas: prefixed tables

    def event_source(self) -> SQLiteEventSource:
        return SQLiteEventSource(self.recorder, self.path)


def connect(path: str) -> sqlite3.Connection:
    # Autocommit, with explicit BEGIN/COMMIT; the timeout waits out the application's writes.
    return sqlite3.connect(path, isolation_level=None, timeout=60, check_same_thread=False)


def lite(value: Any) -> Any:
    """Dates and times as ISO text, CECs as text, flags as 0/1: how SQLite keeps them. Times in
    UTC with every digit of their microseconds, so that text compares as the times do."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    return value


def insert_rows(conn: sqlite3.Connection, names: Callable[[Table], str], rows: Rows) -> None:
    for table in MEMBER_TABLES:
        if rows[table.name]:
            marks = ", ".join("?" * len(table.columns))
            conn.executemany(f"INSERT INTO {names(table)} VALUES ({marks})",
                             (tuple(lite(value) for value in row) for row in rows[table.name]))


class Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on an error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        self.conn.execute("ROLLBACK" if error_type else "COMMIT")


class SQLiteReadModels(ReadModels):
    # No row lock: `BEGIN IMMEDIATE` holds the database's one write lock for the whole transaction.

    def __init__(self, path: str, prefix: str) -> None:
        self.path = path
        self.prefix = prefix
        self.conn: sqlite3.Connection = connect(path)
        self._build_lock: IO[str] | None = None

    def live(self, table: Table) -> str:
        return self.table(table.name)

    def shadow(self, table: Table) -> str:
        return self.shadow_table(table.name)

    def shadow_table(self, name: str) -> str:
        return f'"{self.prefix}build_{name}"'

    def location(self) -> dict[str, str]:
        return {"report_prefix": self.prefix}

    def table(self, name: str) -> str:
        return f'"{self.prefix}{name}"'

    def ensure(self) -> None:
        with Transaction(self.conn):
            for table in (*MEMBER_TABLES, TRACKING):
                if not self._exists(f"{self.prefix}{table.name}"):
                    self.conn.execute(table.create(self.live(table), postgres=False))
                    for statement in table.constraints(self.live(table), self.prefix):
                        self.conn.execute(statement)
            columns = [row[1] for row in self.conn.execute(f"PRAGMA table_info({self.live(TRACKING)})")]
            if "policy" not in columns:  # tables made before rows were tied to a policy book
                self.conn.execute(f"ALTER TABLE {self.live(TRACKING)} ADD COLUMN policy TEXT")
            self.conn.execute(f"INSERT OR IGNORE INTO {self.live(TRACKING)} VALUES (?, 0, NULL)", (PROJECTION,))

    def _exists(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 (name,)).fetchone() is not None

    def transaction(self) -> Transaction:
        return Transaction(self.conn)

    def run(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        text = re.sub(r"%\((\w+)\)s", r":\1", self.query_text(sql))
        return self.conn.execute(text, {name: lite(value) for name, value in params.items()}).fetchall()

    def delete_members(self, table: Table, changes: Changes) -> None:
        if table.replaced_from:
            column = table.replaced_from
            self.conn.executemany(f"DELETE FROM {self.live(table)} WHERE member_id = ? AND {column} >= ?",
                                  ((member, lite(getattr(first, column))) for member, first in changes.items()))
        else:
            self.conn.executemany(f"DELETE FROM {self.live(table)} WHERE member_id = ?",
                                  ((member,) for member in changes))

    def delete_rows(self, table: Table, rows: list[Row]) -> None:
        positions = [table.column_names.index(column) for column in table.key]
        matches = " AND ".join(f"{column} IS ?" for column in table.key)  # `IS`: equal, or both NULL
        self.conn.executemany(f"DELETE FROM {self.live(table)} WHERE {matches}",
                              (tuple(lite(row[i]) for i in positions) for row in rows))

    def insert(self, rows: Rows, *, shadow: bool = False) -> None:
        insert_rows(self.conn, self.shadow if shadow else self.live, rows)

    def reopen(self) -> SQLiteReadModels:
        return SQLiteReadModels(self.path, self.prefix)

    def prepare_build(self, policy: str) -> None:
        self._lock_build()
        with Transaction(self.conn):
            self.drop_build()
            for table in (*MEMBER_TABLES, TRACKING):
                self.conn.execute(table.create(self.shadow(table), postgres=False))
            self.conn.execute(f"INSERT INTO {self.shadow(TRACKING)} VALUES (?, 0, ?)", (PROJECTION, policy))

    def _lock_build(self) -> None:
        """One rebuild at a time, like PostgreSQL's advisory lock: an exclusive lock on a file
        beside the database, which the operating system releases if the process dies."""
        lock = open(f"{self.path}-{self.prefix}build.lock", "a")  # noqa: SIM115 (held until the swap)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise RebuildRunning(f"a rebuild of the {self.prefix}* tables is already running") from None
        self._build_lock = lock

    def drop_build(self) -> None:
        for table in (*MEMBER_TABLES, TRACKING):
            self.conn.execute(f"DROP TABLE IF EXISTS {self.shadow(table)}")

    def index_build(self, position: int, progress: Callable[[], None]) -> None:
        # Index names are global in SQLite and stay with a renamed table, so each build's are new.
        generation = f"{self.prefix}{uuid.uuid4().hex[:8]}_"
        for table in (*MEMBER_TABLES, TRACKING):
            with Transaction(self.conn):
                for statement in table.constraints(self.shadow(table), generation):
                    self.conn.execute(statement)
            progress()
        with Transaction(self.conn):
            self.conn.execute(f"UPDATE {self.shadow(TRACKING)} SET position = ?", (position,))

    def swap_build(self, progress: Callable[[], None]) -> None:
        with Transaction(self.conn):
            for table in (*MEMBER_TABLES, TRACKING):
                self.conn.execute(f"DROP TABLE IF EXISTS {self.live(table)}")
                self.conn.execute(f"ALTER TABLE {self.shadow(table)} RENAME TO {self.live(table)}")

class SQLiteEventSource(EventSource[sqlite3.Connection]):
    def __init__(self, recorder: SQLiteApplicationRecorder, path: str) -> None:
        super().__init__(recorder)
        self.path = path
        self.table = recorder.events_table_name

    def waiter(self, stop: threading.Event, *, idle_timeout: float, poll_interval: float) -> Waiter:
        return PollWaiter(stop, poll_interval)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)

    def _earlier_rows(self, ids: list[OriginatorId], before: int) -> list[Any]:
        rows: list[Any] = []
        for start in range(0, len(ids), SQLITE_CHUNK):
            chunk = [i.hex if isinstance(i, UUID) else i for i in ids[start:start + SQLITE_CHUNK]]
            rows += self._reads().execute(
                f"SELECT {EVENT_COLUMNS} FROM {self.table} WHERE originator_id IN ({','.join('?' * len(chunk))}) "
                f"AND rowid < ? ORDER BY {MEMBER_ORDER}", (*chunk, before)).fetchall()
        return rows

    def _member_rows(self, upto: int, low: UUID, high: UUID | None) -> Generator[Any, None, None]:
        bounds = "originator_id >= ?" + (" AND originator_id < ?" if high is not None else "")
        params = (upto, low.hex) + ((high.hex,) if high is not None else ())
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            yield from conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM {self.table} WHERE rowid <= ? AND {bounds} ORDER BY {MEMBER_ORDER}",
                params)

    def _stored(self, rows: Iterable[Any]) -> Iterator[StoredEvent]:
        for originator, version, topic, state in rows:  # ids are kept as hex text
            yield StoredEvent(UUID(originator), version, topic, state)


class PollWaiter:
    """SQLite notifies no one: look again every `interval`, or at once when `stop` is set."""

    def __init__(self, stop: threading.Event, interval: float) -> None:
        self.stop = stop
        self.interval = interval

    def wait(self) -> None:
        self.stop.wait(self.interval)

    def close(self) -> None:
        pass
