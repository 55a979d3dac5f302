"""Where events are stored: the database URL setting, turned into the library's settings.

`sqlite:///relative.db` or `sqlite:////absolute.db` (SQLAlchemy's spelling) or
`postgresql://user:pass@host:port/dbname`, or `memory://` (nothing kept; for tests). Unset means `sqlite:///credentials.db`
in the working directory (see application.settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import SQLiteFactory

DEFAULT_URL = "sqlite:///credentials.db"
POSTGRES_MODULE = "application.storage:RecoveringPostgresFactory"
SQLITE_MODULE = "application.storage:LockWaitingSQLiteFactory"
# How long the pool keeps retrying, with doubling waits, to replace a connection it lost; then it
# gives that slot up and the next request that needs a connection tries afresh at once. The
# library's 5 minutes mean that after an outage of a minute the pool's next try may be 30 s or
# more after the database is back; with this, a request is served within a second or two of it.
POSTGRES_RECONNECT_TIMEOUT = 2.0
# How long a writer waits for another process's write lock on a SQLite store ("database is locked"
# past it): writers take turns, and an import's or a sweep's transaction may hold the lock a while.
SQLITE_LOCK_TIMEOUT = "30"


class RecoveringPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory, its pool quick to reconnect after an outage (above)."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.datastore.pool.reconnect_timeout = POSTGRES_RECONNECT_TIMEOUT


class LockWaitingSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, its pool waiting for a connection as long as SQLite waits for
    its lock (SQLITE_LOCK_TIMEOUT), not the library's 5 s.

    The pool lets one writer of the process into SQLite at a time; the next writer waits for it
    holding the pool's queue, and every read waits in that queue behind it. While another process
    held the write lock past 5 s, the queued writer gave up (its command is tried again) only
    milliseconds before a read queued behind it did: whichever thread ran first decided whether the
    read got its connection or was answered 503."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        pool = self.datastore.pool
        if pool.lock_timeout:
            pool.pool_timeout = max(pool.pool_timeout, float(pool.lock_timeout))


class StorageConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Storage:
    url: str
    settings: dict[str, str]

    @property
    def is_postgres(self) -> bool:
        return self.settings["PERSISTENCE_MODULE"] in ("eventsourcing.postgres", POSTGRES_MODULE)

    def redacted(self) -> str:
        parts = urlsplit(self.url)
        if parts.password:
            return self.url.replace(f":{parts.password}@", ":***@")
        return self.url


def storage_from_url(url: str) -> Storage:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "memory":
        return Storage(url, {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    if scheme == "sqlite":
        path = url[len(parts.scheme) + len(":///"):]
        if not url.startswith(f"{parts.scheme}:///") or not path:
            raise StorageConfigError(f"expected sqlite:///relative/file.db or sqlite:////absolute/file.db, got {url!r}")
        return Storage(url, {"PERSISTENCE_MODULE": SQLITE_MODULE, "SQLITE_DBNAME": path,
                             "SQLITE_LOCK_TIMEOUT": SQLITE_LOCK_TIMEOUT})
    if scheme in ("postgresql", "postgres"):
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname or not parts.hostname:
            raise StorageConfigError(f"expected postgresql://user:pass@host:port/dbname, got {url!r}")
        settings = {
            "PERSISTENCE_MODULE": POSTGRES_MODULE,
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            # Inserts in one round trip, keeping the library's commit-order lock (see recorder.py).
            "APPLICATION_RECORDER_TOPIC": "application.recorder:InOrderPostgresRecorder",
            # How long a request waits for a connection: with the database down, a 503 in seconds,
            # not after the library's default of 30 (the recorder tries a read several times).
            "POSTGRES_CONNECT_TIMEOUT": "2",
        }
        schema = parse_qs(parts.query).get("schema")
        if schema:
            settings["POSTGRES_SCHEMA"] = schema[0]
        return Storage(url, settings)
    raise StorageConfigError(f"unsupported CREDENTIALS_DATABASE_URL scheme {parts.scheme!r}: use sqlite or postgresql")
