"""The read models on PostgreSQL: a schema of their own, rows written by COPY.

A rebuild fills a shadow schema (`<schema>_build`), indexes it, then in one transaction
drops the live schema and renames the shadow one in its place: readers see the old tables
until that commit and the new ones after it, never a partial table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from projections.rows import Changes, Rows
from projections.store import PROJECTION, BuildWriter, ReadModels
from projections.tables import MEMBER_TABLES, TRACKING, Table
from projections.views import view_statements

# How long the swap waits for readers still using the old tables before trying again.
SWAP_LOCK_TIMEOUT = "10s"
SWAP_ATTEMPTS = 6


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


class PostgresBuildWriter(BuildWriter):
    def __init__(self, conninfo: Mapping[str, Any], schema: str) -> None:
        self.schema = schema
        self.conn = psycopg.connect(**conninfo, autocommit=True)

    def add(self, rows: Rows) -> None:
        with self.conn.transaction():
            copy_rows(self.conn, self.schema, rows)

    def close(self) -> None:
        self.conn.close()


class PostgresReadModels(ReadModels):
    postgres = True

    def __init__(self, conninfo: Mapping[str, Any], schema: str) -> None:
        self.conninfo = dict(conninfo)
        self.schema = schema
        self.build_schema = f"{schema}_build"
        self.conn = psycopg.connect(**self.conninfo, autocommit=True)  # each write in an explicit transaction
        self._build_lock: psycopg.Connection[Any] | None = None

    def location(self) -> dict[str, str]:
        return {"schema": self.schema}

    def table(self, name: str) -> str:
        return f"{quoted(self.schema)}.{quoted(name)}"

    def ensure(self) -> None:
        with self.conn.transaction():
            lock_for_transaction(self.conn, self.schema)
            exists = self.conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)).fetchone()
            if not exists:
                create_tables(self.conn, self.schema, with_constraints=True)
                for statement in view_statements(quoted(self.schema)):
                    self.conn.execute(statement)
            else:  # tables made before rows were tied to a policy book
                self.conn.execute(f"ALTER TABLE {self.table(TRACKING.name)} ADD COLUMN IF NOT EXISTS policy text")

    def position(self) -> int:
        with self.conn.transaction():
            row = self.conn.execute(f"SELECT position FROM {self.table(TRACKING.name)} WHERE projection = %s",
                                    (PROJECTION,)).fetchone()
        return int(row[0]) if row else 0

    def policy(self) -> str | None:
        with self.conn.transaction():
            row = self.conn.execute(f"SELECT policy FROM {self.table(TRACKING.name)} WHERE projection = %s",
                                    (PROJECTION,)).fetchone()
        return row[0] if row else None

    def replace_members(self, changes: Changes, rows: Rows, expected: int, position: int, policy: str) -> bool:
        tracking = self.table(TRACKING.name)
        with self.conn.transaction():
            # The row lock makes a second follower wait here, then see the position moved.
            row = self.conn.execute(f"SELECT position, policy FROM {tracking} WHERE projection = %s FOR UPDATE",
                                    (PROJECTION,)).fetchone()
            if row is None or row[0] != expected or row[1] not in (None, policy):
                return False
            members, from_versions = list(changes), list(changes.values())
            for table in MEMBER_TABLES:
                if table.per_event:
                    self.conn.execute(f"DELETE FROM {self.table(table.name)} AS t USING unnest(%s::text[], "
                                      "%s::bigint[]) AS c(member_id, from_version) "
                                      "WHERE t.member_id = c.member_id AND t.version >= c.from_version",
                                      (members, from_versions))
                else:
                    self.conn.execute(f"DELETE FROM {self.table(table.name)} WHERE member_id = ANY(%s)", (members,))
            copy_rows(self.conn, self.schema, rows)
            self.conn.execute(f"UPDATE {tracking} SET position = %s, policy = %s WHERE projection = %s",
                              (position, policy, PROJECTION))
        return True

    def members_due(self, today: date) -> list[str]:
        return [member for (member,) in self.fetch("SELECT member_id FROM {current_status} "
                                                   "WHERE changes_on <= %(today)s", {"today": today})]

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        with self.conn.transaction():
            return self.conn.execute(self.query_text(sql), params).fetchall()

    def prepare_build(self, policy: str) -> None:
        self._build_lock = psycopg.connect(**self.conninfo, autocommit=True)
        if not try_lock_for_session(self._build_lock, self.build_schema):
            self._release_build_lock()
            raise RuntimeError(f"a rebuild of {self.schema} is already running")
        with self.conn.transaction():
            self.conn.execute(f"DROP SCHEMA IF EXISTS {quoted(self.build_schema)} CASCADE")
            create_tables(self.conn, self.build_schema, with_constraints=False, policy=policy)

    def build_writer(self) -> BuildWriter:
        return PostgresBuildWriter(self.conninfo, self.build_schema)

    def abandon_build(self) -> None:
        try:
            with self.conn.transaction():
                self.conn.execute(f"DROP SCHEMA IF EXISTS {quoted(self.build_schema)} CASCADE")
        finally:
            self._release_build_lock()

    def swap_in_build(self, position: int, before_swap: Callable[[], None] | None = None,
                      progress: Callable[[], None] = lambda: None) -> None:
        try:
            with self.conn.transaction():
                for table in MEMBER_TABLES:
                    for statement in table.constraints(qualified(self.build_schema, table), ""):
                        self.conn.execute(statement)
                    self.conn.execute(f"ANALYZE {qualified(self.build_schema, table)}")
                    progress()
                self.conn.execute(f"UPDATE {qualified(self.build_schema, TRACKING)} SET position = %s", (position,))
            if before_swap is not None:
                before_swap()
            self._swap(progress)
        finally:
            self._release_build_lock()

    def _swap(self, progress: Callable[[], None]) -> None:
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

    def _release_build_lock(self) -> None:
        if self._build_lock is not None:
            self._build_lock.close()  # ends the session, and its advisory lock
            self._build_lock = None

    def close(self) -> None:
        self._release_build_lock()
        self.conn.close()
