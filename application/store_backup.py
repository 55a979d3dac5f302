"""`credentials backup FILE`: a consistent copy of a SQLite store, taken while the server runs.

SQLite's online backup API (`sqlite3.Connection.backup`) copies the database page by page
through a connection of its own. It copies in one step (`pages=-1`), inside one read
transaction: the copy is the database as it stood at one commit, events and read models
together, whatever the server commits meanwhile. (In steps, every commit by another connection
would restart the copy, which under steady writes might never finish.) The store is in WAL
mode (the eventsourcing library sets it), so the copy's read transaction does not stop writers;
they only keep the WAL from being checkpointed back until it ends.

The copy is written beside FILE under a temporary name and renamed into place when complete,
so FILE is never a half-written database; an existing FILE is refused, not overwritten.

On PostgreSQL the database's own tool does this (pg_dump); see the README's "Backup and restore".
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from application.storage import storage_from_url

POSTGRES_EVENTS_TABLE = "credentials_events"  # the library's table for the application named "credentials"
# How long the copy waits for a lock (a rollback-journal store's writer), in seconds.
BUSY_TIMEOUT = 30.0


class BackupRefused(Exception):
    """Not a store this command can copy, or a destination it will not write; nothing was written."""


@dataclass(frozen=True)
class BackupReport:
    source: Path
    destination: Path
    bytes: int


def backup_sqlite(database_url: str, destination: Path) -> BackupReport:
    """Copy the SQLite store at `database_url` to `destination` (which must not exist)."""
    storage = storage_from_url(database_url)
    if storage.is_postgres:
        raise BackupRefused(
            f"the store is PostgreSQL ({storage.redacted()}): back it up with pg_dump, e.g. "
            f"pg_dump --format=custom --table={POSTGRES_EVENTS_TABLE} DBNAME > events.dump "
            f"(or `credentials export FILE.ndjson`); the read models need no backup")
    source_name = storage.settings.get("SQLITE_DBNAME")
    if source_name is None:
        raise BackupRefused(f"the store {storage.redacted()} keeps nothing to back up")
    source = Path(source_name)
    if not source.is_file():
        raise BackupRefused(f"no SQLite store at {source}")
    if destination.exists():
        raise BackupRefused(f"{destination} exists already; give a new file name")
    if destination.resolve() == source.resolve():
        raise BackupRefused("the backup cannot be the store itself")
    handle, partial_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".partial",
                                           dir=destination.parent if str(destination.parent) else ".")
    os.close(handle)
    partial = Path(partial_name)
    try:
        with closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT)) as store, \
                closing(sqlite3.connect(partial, timeout=BUSY_TIMEOUT)) as copy:
            store.backup(copy, pages=-1)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(source, destination, destination.stat().st_size)
