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
"""

from __future__ import annotations

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


class InOrderPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        # Named after the table: the library's function is one per schema, whatever the table.
        function = f"{events_table_name}_insert_in_order"
        self.check_identifier_length(function)
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
                "(ids {id_type}[], versions bigint[], topics text[], states bytea[]) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
                "BEGIN "
                "    SET LOCAL lock_timeout = '{lock_timeout}s';"
                "    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;"
                "    NOTIFY {channel};"
                "    RETURN QUERY"
                "    INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)"
                "    SELECT * FROM unnest(ids, versions, topics, states)"
                "    RETURNING notification_id;"
                "END; $BODY$"
            ).format(lock_timeout=datastore.lock_timeout, **names)
        )
        self.insert_statement = rendered(
            SQL("SELECT * FROM {schema}.{function}(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[])").format(
                **names
            )
        )
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

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return []
        columns = (
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

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _select(self, statement: bytes, params: tuple[object, ...]) -> Sequence[StoredEvent]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
                for row in curs.fetchall()
            ]
