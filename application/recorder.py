"""The PostgreSQL recorder: the library's, with each insert done in one round trip.

The library keeps notification ids in commit order by locking the events table (EXCLUSIVE
mode) in every inserting transaction, so followers never pass a gap that fills in later.
Its transaction takes two round trips (the pipelined lock and insert, then COMMIT), and the
lock is held across both: every other writer waits for this client to read the first
reply and send the COMMIT, which in a busy Python process means waiting for the GIL too.

Here the same lock, notify and insert run in one function, called as a single statement
in autocommit: lock, insert and commit happen in the server without waiting for the
client, so the lock is held only for the insert and the commit's WAL flush. The ordering
guarantee is unchanged: the lock is taken before any notification id is drawn and is
released only after commit. A version conflict is still a unique violation, raised to the
application as `IntegrityError`. Measured, the lock now costs little: dropping it (which
lets followers skip notifications) gains a few percent, because NOTIFY already serialises
the commits of notifying transactions, and an advisory lock instead costs the same.

(`POSTGRES_ENABLE_DB_FUNCTIONS` is not used: the library's function omits the table lock,
so a later-committing transaction could leave a gap below ids followers have already read.)
With CREATE_TABLE=no, whatever creates the tables must create this function too.

As the library's recorder does (its own recorder test cases run against this one:
tests/application/test_recorder_library_cases.py):
- the lock timeout is the datastore's (`POSTGRES_LOCK_TIMEOUT`), set by the insert itself, for its
  own transaction (an argument of the function, still one round trip). Written into the body of
  the function, which every process shares, it was the timeout of whichever process created the
  tables last;
- a table name may be as long as PostgreSQL allows (63 characters): the function is named after
  a digest of the table's name, not the name itself (`insert_function_name`).

Unlike the library's, an insert is never retried here. Its reply can be lost after it committed
(the connection dropped between commit and reply); retried, it then fails on the version check,
and the caller cannot tell its own facts from another writer's. The caller re-reads instead and
decides (application/once.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composable, Identifier


def rendered(statement: Composable) -> bytes:
    # Composed statements are rendered again on every execute; these never change.
    return statement.as_bytes(None)


def insert_function_name(events_table_name: str) -> str:
    """The insert function of a table: one per table (the library's is one per schema, whatever the
    table), named after a digest so that any table name PostgreSQL accepts has one."""
    return f"insert_in_order_{hashlib.sha256(events_table_name.encode()).hexdigest()[:16]}"


class InOrderPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        function = insert_function_name(events_table_name)
        self.insert_column = function
        names = {
            "schema": Identifier(datastore.schema),
            "table": Identifier(events_table_name),
            "function": Identifier(function),
            "id_type": SQL(datastore.originator_id_type),
            "channel": Identifier(self.channel_name),
        }
        # Columns as parallel arrays: they go in binary, where an array of composites goes as text.
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}"
                "(lock_timeout text, ids {id_type}[], versions bigint[], topics text[], states bytea[]) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
                "BEGIN "
                "    PERFORM set_config('lock_timeout', lock_timeout, true);"  # SET LOCAL: this insert's only
                "    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;"
                "    NOTIFY {channel};"
                "    RETURN QUERY"
                "    INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)"
                "    SELECT * FROM unnest(ids, versions, topics, states)"
                "    RETURNING notification_id;"
                "END; $BODY$"
            ).format(**names)
        )
        self.insert_statement = rendered(SQL(
            "SELECT * FROM {schema}.{function}(%s::text, %s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[])"
        ).format(**names))
        # The two reads a repository makes: a whole aggregate, and the events after a cached version.
        select = SQL("SELECT * FROM {schema}.{table} WHERE originator_id = %s").format(**names)
        self.select_all_statement = rendered(select + SQL(" ORDER BY originator_version ASC"))
        self.select_after_statement = rendered(
            select + SQL(" AND originator_version > %s ORDER BY originator_version ASC")
        )
        # The events after a version of each of several aggregates, in one round trip (the member's
        # credential and the policy register, for a command or a status).
        # LATERAL: an index range read per aggregate, whatever the planner guesses of unnest's rows
        # (a join may otherwise become a scan of the whole table).
        self.select_after_each_statement = rendered(SQL(
            "SELECT e.* FROM unnest(%s::{id_type}[], %s::bigint[]) AS after (id, version) "
            "CROSS JOIN LATERAL (SELECT * FROM {schema}.{table} "
            "WHERE originator_id = after.id AND originator_version > after.version "
            "ORDER BY originator_version) AS e"
        ).format(**names))

    # Workers starting together replace the same functions, and on a new store create the same
    # types and tables, at once; PostgreSQL refuses the losers ("tuple concurrently updated", a
    # duplicate pg_type row, "relation already exists"). Every statement is idempotent, so a
    # loser just runs them again. (The library's own recorder has the same race.)
    @retry((InternalError, IntegrityError, ProgrammingError), max_attempts=5, wait=0.1)
    def create_table(self) -> None:
        super().create_table()

    # Not retried (see above): an error here may follow a commit, which only a read can tell.
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return []
        columns = (
            f"{self.datastore.lock_timeout}s",
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            assert conn.autocommit  # one statement, its own transaction
            curs.execute(self.insert_statement, columns, prepare=True)
            return [row[self.insert_column] for row in curs.fetchall()]

    def select_events(self, originator_id: UUID | str, *, gt: int | None = None, lte: int | None = None,
                      desc: bool = False, limit: int | None = None) -> Sequence[StoredEvent]:
        if lte is not None or desc or limit is not None:
            events = super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        elif gt is None:
            events = self._select(self.select_all_statement, (originator_id,))
        else:
            events = self._select(self.select_after_statement, (originator_id, gt))
        return cast("Sequence[StoredEvent]", events)  # retry() leaves the methods untyped

    def select_events_after_each(self, after: Sequence[tuple[UUID, int]]) -> Sequence[StoredEvent]:
        """The events of each aggregate after its version, by aggregate and version."""
        events = self._select(self.select_after_each_statement, ([i for i, _ in after], [v for _, v in after]))
        return cast("Sequence[StoredEvent]", events)

    # A read is safe to send again: a pooled connection found dead (the database restarted) is
    # replaced by the next try. Few tries, so that with the database down a request gets its 503
    # within seconds (each try waits up to POSTGRES_CONNECT_TIMEOUT for a connection).
    @retry((InterfaceError, OperationalError), max_attempts=3, wait=0.2)
    def _select(self, statement: bytes, params: tuple[object, ...]) -> Sequence[StoredEvent]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
                for row in curs.fetchall()
            ]
