"""The read models on SQLite: prefixed tables in the events' own file.

SQLite has one writer at a time and the application shares it, so rows are computed
before a write transaction begins (`BEGIN IMMEDIATE`), and a rebuild writes its shadow
tables in short transactions. The swap drops the live tables and renames the shadow ones
in one transaction; readers (WAL mode) keep seeing the old tables until it commits.
"""

from __future__ import annotations

import fcntl
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import IO, Any

from projections.rows import Changes, Row, Rows
from projections.store import PROJECTION, BuildWriter, ReadModels
from projections.tables import MEMBER_TABLES, TRACKING, Table


def connect(path: str) -> sqlite3.Connection:
    # Autocommit, with explicit BEGIN/COMMIT; the timeout waits out the application's writes.
    return sqlite3.connect(path, isolation_level=None, timeout=60, check_same_thread=False)


def lite(value: Any) -> Any:
    """Dates and times as ISO text, CECs as text, flags as 0/1: how SQLite keeps them."""
    if isinstance(value, date):  # datetimes too
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
            conn.executemany(f"INSERT INTO {names(table)} VALUES ({marks})", _lite_rows(rows[table.name]))


def _lite_rows(rows: Iterable[Row]) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        yield tuple(lite(value) for value in row)


class Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on an error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        self.conn.execute("ROLLBACK" if error_type else "COMMIT")


class SQLiteBuildWriter(BuildWriter):
    def __init__(self, path: str, names: Callable[[Table], str]) -> None:
        self.conn = connect(path)
        self.names = names

    def add(self, rows: Rows) -> None:
        with Transaction(self.conn):
            insert_rows(self.conn, self.names, rows)

    def close(self) -> None:
        self.conn.close()


class SQLiteReadModels(ReadModels):
    postgres = False

    def __init__(self, path: str, prefix: str) -> None:
        self.path = path
        self.prefix = prefix
        self.conn = connect(path)
        self._build_lock: IO[str] | None = None

    def live(self, table: Table) -> str:
        return self.table(table.name)

    def shadow(self, table: Table) -> str:
        return f'"{self.prefix}build_{table.name}"'

    def location(self) -> dict[str, str]:
        return {"prefix": self.prefix}

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

    def position(self) -> int:
        row = self.conn.execute(f"SELECT position FROM {self.live(TRACKING)} WHERE projection = ?",
                                (PROJECTION,)).fetchone()
        return int(row[0]) if row else 0

    def policy(self) -> str | None:
        row = self.conn.execute(f"SELECT policy FROM {self.live(TRACKING)} WHERE projection = ?",
                                (PROJECTION,)).fetchone()
        return row[0] if row else None

    def replace_members(self, changes: Changes, rows: Rows, expected: int, position: int, policy: str) -> bool:
        with Transaction(self.conn):
            if self.position() != expected or self.policy() not in (None, policy):
                return False
            for table in MEMBER_TABLES:
                if table.per_event:
                    self.conn.executemany(f"DELETE FROM {self.live(table)} WHERE member_id = ? AND version >= ?",
                                          changes.items())
                else:
                    self.conn.executemany(f"DELETE FROM {self.live(table)} WHERE member_id = ?",
                                          ((member,) for member in changes))
            insert_rows(self.conn, self.live, rows)
            self.conn.execute(f"UPDATE {self.live(TRACKING)} SET position = ?, policy = ? WHERE projection = ?",
                              (position, policy, PROJECTION))
        return True

    def members_due(self, today: date) -> list[str]:
        return [member for (member,) in self.fetch("SELECT member_id FROM {current_status} "
                                                   "WHERE changes_on <= %(today)s", {"today": today})]

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        text = re.sub(r"%\((\w+)\)s", r":\1", self.query_text(sql))
        return self.conn.execute(text, {name: lite(value) for name, value in params.items()}).fetchall()

    def prepare_build(self, policy: str) -> None:
        self._lock_build()
        with Transaction(self.conn):
            for table in (*MEMBER_TABLES, TRACKING):
                self.conn.execute(f"DROP TABLE IF EXISTS {self.shadow(table)}")
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
            raise RuntimeError(f"a rebuild of the {self.prefix}* tables is already running") from None
        self._build_lock = lock

    def _unlock_build(self) -> None:
        if self._build_lock is not None:
            self._build_lock.close()  # closing the file releases its lock
            self._build_lock = None

    def build_writer(self) -> BuildWriter:
        return SQLiteBuildWriter(self.path, self.shadow)

    def abandon_build(self) -> None:
        try:
            with Transaction(self.conn):
                for table in (*MEMBER_TABLES, TRACKING):
                    self.conn.execute(f"DROP TABLE IF EXISTS {self.shadow(table)}")
        finally:
            self._unlock_build()

    def swap_in_build(self, position: int, before_swap: Callable[[], None] | None = None,
                      progress: Callable[[], None] = lambda: None) -> None:
        try:
            # Index names are global in SQLite and stay with a renamed table, so each build's are new.
            generation = f"{self.prefix}{uuid.uuid4().hex[:8]}_"
            for table in (*MEMBER_TABLES, TRACKING):
                with Transaction(self.conn):
                    for statement in table.constraints(self.shadow(table), generation):
                        self.conn.execute(statement)
                progress()
            with Transaction(self.conn):
                self.conn.execute(f"UPDATE {self.shadow(TRACKING)} SET position = ?", (position,))
            if before_swap is not None:
                before_swap()
            with Transaction(self.conn):
                for table in (*MEMBER_TABLES, TRACKING):
                    self.conn.execute(f"DROP TABLE IF EXISTS {self.live(table)}")
                    self.conn.execute(f"ALTER TABLE {self.shadow(table)} RENAME TO {self.live(table)}")
        finally:
            self._unlock_build()

    def close(self) -> None:
        self._unlock_build()
        self.conn.close()
