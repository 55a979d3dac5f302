"""Where the read models are kept, and what every backend's store shares: written here once.

The tables live beside the events, in the application's own database: on PostgreSQL in a
schema of their own (the report schema, `application.settings.DEFAULT_REPORT_SCHEMA` unless told otherwise), on
SQLite in the same file under prefixed names (`reports_status_periods`, ...). A backend
(`projections.sqlite`, `projections.postgres`) supplies its connection, its transaction,
and how it deletes and inserts rows; the algorithms on top of them are the ones below.

Two ways of writing, both atomic:
- `replace_members`: one transaction deletes the members' rows, inserts their new rows
  (in the tables replaced from a member's first new fact, only those from it on) and moves the
  tracking position, but only if the position is still the one the rows were computed
  from; so two followers never apply a page twice, and a follower killed at any point
  leaves either the whole page or none of it. For members a follower kept as it wrote them
  (`projections.member_cache`), it deletes (by key) and inserts only the rows that changed in
  the tables replaced whole, in the same transaction.
- a rebuild writes into shadow tables that no reader uses, then `swap_in_build` replaces
  the live tables with them in one transaction, tracking position and policy fingerprint
  included. A rebuild that follows a policy change keeps the revisions recorded before it
  (`carry_revisions`) and computes the rest.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from projections.rows import Changes, Row, Rows
from projections.source import Closing
from projections.tables import DIFFED_TABLES, MEMBER_TABLES, REVISIONS, Table

# The name of the one projection: every table is computed in one pass from the same fold.
PROJECTION = "member_reports"
DEFAULT_PREFIX = "reports_"

TRACKING_SQL = "SELECT position, policy FROM {tracking} WHERE projection = %(projection)s"
MOVE_SQL = "UPDATE {tracking} SET position = %(position)s, policy = %(policy)s WHERE projection = %(projection)s"
DUE_SQL = "SELECT member_id FROM {current_status} WHERE changes_on <= %(today)s"
CARRY_REVISIONS_SQL = ("INSERT INTO {shadow} ({columns}) SELECT {columns} FROM {live} "
                       "WHERE recorded_at < %(before)s")


class RebuildRunning(RuntimeError):
    """Another rebuild of these read models is running: the tables move when it swaps."""


class BuildWriter:
    """Appends rows to the shadow tables of a rebuild, on a connection of its own (a rebuild's
    workers write side by side); each `add` is committed on its own."""

    def __init__(self, models: ReadModels) -> None:
        self.models = models

    def add(self, rows: Rows) -> None:
        with self.models.transaction():
            self.models.insert(rows, shadow=True)

    def close(self) -> None:
        self.models.close()


class ReadModels(ABC):
    # Appended to the tracking row's read in `replace_members`: what makes a second writer wait there.
    lock_tracking_row = ""
    conn: Closing
    # Held by a rebuild from `prepare_build` to the swap: closing it releases the claim.
    _build_lock: Closing | None = None

    # --- what a backend supplies -------------------------------------------------------

    @abstractmethod
    def location(self) -> dict[str, str]:
        """Where these read models are, as `open_read_models` takes it (report_schema= or report_prefix=)."""

    @abstractmethod
    def table(self, name: str) -> str:
        """The live table's name, qualified and quoted for SQL."""

    @abstractmethod
    def shadow_table(self, name: str) -> str:
        """The name of a rebuild's shadow table, qualified and quoted for SQL."""

    @abstractmethod
    def ensure(self) -> None:
        """Create the tables (and on PostgreSQL the views) if they are missing."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """One write transaction: committed when the block ends, rolled back on an error."""

    @abstractmethod
    def run(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a statement written with `{table}` names and `%(name)s` parameters in the present
        transaction (or on its own); its rows, if it has any."""

    @abstractmethod
    def delete_members(self, table: Table, changes: Changes) -> None:
        """Delete the changed members' rows of `table` (of one replaced from the first new fact, from it on)."""

    @abstractmethod
    def delete_rows(self, table: Table, rows: list[Row]) -> None:
        """Delete the rows of `table` with the keys of `rows` (`Table.key`), in the present transaction."""

    @abstractmethod
    def insert(self, rows: Rows, *, shadow: bool = False) -> None:
        """Insert `rows` into the live tables (or a rebuild's shadow ones), in the present transaction."""

    @abstractmethod
    def reopen(self) -> ReadModels:
        """The same read models on a connection of their own."""

    @abstractmethod
    def prepare_build(self, policy: str) -> None:
        """Start a rebuild under the policy fingerprinted `policy`: empty shadow tables, beside the
        live ones; RebuildRunning when another rebuild of these read models is running."""

    @abstractmethod
    def drop_build(self) -> None:
        """Drop the shadow tables, in the present transaction."""

    @abstractmethod
    def index_build(self, position: int, progress: Callable[[], None]) -> None:
        """Add the shadow tables' keys and indexes, and set their position to `position`."""

    @abstractmethod
    def swap_build(self, progress: Callable[[], None]) -> None:
        """Make the shadow tables the live ones, in one transaction."""

    # --- the algorithms, the same on every backend ---------------------------------------

    def release_build_lock(self) -> None:
        """End this rebuild's claim to be the only one (see `prepare_build`), if it holds it:
        closing the lock file (SQLite) or the locking session (PostgreSQL) releases it."""
        if self._build_lock is not None:
            self._build_lock.close()
            self._build_lock = None

    def close(self) -> None:
        self.release_build_lock()
        self.conn.close()

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a query written with `{table}` names and `%(name)s` parameters."""
        return self.run(sql, params)

    def query_text(self, sql: str) -> str:
        return sql.format(**{name: self.table(name) for name in re.findall(r"\{(\w+)\}", sql)})

    def tracking(self) -> tuple[int, str | None]:
        """The position, and the fingerprint of the policy book the rows were computed under
        (None before any row), in one read."""
        rows = self.fetch(TRACKING_SQL, {"projection": PROJECTION})
        return (int(rows[0][0]), rows[0][1]) if rows else (0, None)

    def position(self) -> int:
        return self.tracking()[0]

    def policy(self) -> str | None:
        return self.tracking()[1]

    def replace_members(self, changes: Changes, rows: Rows, expected: int, position: int, policy: str,
                        diffed: Collection[str] = (), removed: Rows | None = None) -> bool:
        """Replace the changed members' rows (see `Changes`) by `rows` and move the position from
        `expected` to `position`, in one transaction; False (nothing written) when the position
        is no longer `expected` or the rows there were computed under another policy book. Of the
        members in `diffed`, the rows of `DIFFED_TABLES` are not replaced whole: only `removed`
        (their rows there that changed or went) are deleted, and `rows` holds only what is new."""
        with self.transaction():
            tracking = self.run(TRACKING_SQL + self.lock_tracking_row, {"projection": PROJECTION})
            if not tracking or tracking[0][0] != expected or tracking[0][1] not in (None, policy):
                return False
            whole = {member: first for member, first in changes.items() if member not in diffed} if diffed else changes
            for table in MEMBER_TABLES:
                if table in DIFFED_TABLES:
                    if whole:
                        self.delete_members(table, whole)
                    if removed and removed[table.name]:
                        self.delete_rows(table, removed[table.name])
                elif changes:
                    self.delete_members(table, changes)
            self.insert(rows)
            self.run(MOVE_SQL, {"position": position, "policy": policy, "projection": PROJECTION})
        return True

    def build_writer(self) -> BuildWriter:
        return BuildWriter(self.reopen())

    def carry_revisions(self, before: datetime) -> None:
        """Copy the live revisions recorded before `before` into the shadow table of a rebuild that
        computes only the later ones (they depend only on what was known then, which it keeps)."""
        columns = ", ".join(REVISIONS.column_names)
        sql = CARRY_REVISIONS_SQL.format(shadow=self.shadow_table(REVISIONS.name), live=self.table(REVISIONS.name),
                                         columns=columns)
        with self.transaction():
            self.run(sql, {"before": before})

    def abandon_build(self) -> None:
        """Drop the shadow tables of a rebuild that failed; the live ones never changed."""
        try:
            with self.transaction():
                self.drop_build()
        finally:
            self.release_build_lock()

    def swap_in_build(self, position: int, before_swap: Callable[[], None] | None = None,
                      progress: Callable[[], None] = lambda: None) -> None:
        """Index the shadow tables, then make them the live ones at `position`, atomically;
        `progress` is called after each step (a supervisor's heartbeat)."""
        try:
            self.index_build(position, progress)
            if before_swap is not None:
                before_swap()
            self.swap_build(progress)
        finally:
            self.release_build_lock()

    def members_due(self, today: date) -> list[str]:
        """Members whose `current_status` may have changed by `today` with no new fact."""
        return [member for (member,) in self.fetch(DUE_SQL, {"today": today})]
