"""The store under test: a fresh PostgreSQL schema (the database is created if missing) or a
fresh SQLite file beside the configured one, raw connections to it outside the library, and
the read models kept beside it (in a report schema of the run's own)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import psycopg

from application.service import CredentialService
from application.settings import DEFAULT_REPORT_SCHEMA, Settings
from application.storage import storage_from_url
from projections.backends import open_read_models
from projections.projector import Projector
from projections.store import DEFAULT_PREFIX


def database_url(url: str | None = None) -> str:
    """--url, else the database URL setting (CREDENTIALS_DATABASE_URL), else the project's default (SQLite)."""
    return url or Settings.from_environment().database_url


def own_database(default_url: str) -> str:
    """The configured store (CREDENTIALS_DATABASE_URL), unless none is: then `default_url`, a
    PostgreSQL database of the section's own, not the service's SQLite file."""
    configured = Settings.from_environment().database_url
    return default_url if configured == Settings().database_url else configured


@dataclass(frozen=True)
class RawSpec:
    """Where the raw baseline inserts: a conninfo or an SQLite file, its INSERT, and the table."""

    backend: str
    dsn: str
    insert: str
    table: str = ""


class Target:
    """A fresh place to benchmark in, and a way to open raw connections to it."""

    def __init__(self, url: str, keep: bool) -> None:
        self.keep = keep
        self.backend = "postgres" if storage_from_url(url).is_postgres else "sqlite"
        stamp = f"{datetime.now(UTC):%Y%m%d%H%M%S}_{os.getpid()}"
        if self.backend == "postgres":
            self.schema = f"bench_{stamp}"
            parts = urlsplit(url)
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"] + [("schema", self.schema)]
            self.url = urlunsplit(parts._replace(query=urlencode(query)))
            self.conninfo = urlunsplit(parts._replace(query=""))
            self.database = unquote(parts.path.lstrip("/"))
            self._create_database(parts, self.database)
            with psycopg.connect(self.conninfo, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
        else:
            self.database = ""
            path = Path(storage_from_url(url).settings["SQLITE_DBNAME"])
            self.path = path.with_name(f"{path.stem}.bench_{stamp}.db")
            self.url = f"sqlite:///{self.path}"

    def _create_database(self, parts: Any, dbname: str) -> None:
        admin = urlunsplit(parts._replace(path="/postgres", query=""))
        with psycopg.connect(admin, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{dbname}"')

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A raw DB-API connection outside the library (its own transactions)."""
        if self.backend == "postgres":
            with psycopg.connect(self.conninfo) as pg:
                yield pg
        else:
            lite = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            try:
                yield lite
            finally:
                lite.close()

    def schema_exists(self, name: str) -> bool:
        with self.connect() as conn:
            return conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,)).fetchone() is not None

    def drop_schema(self, name: str) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    def events_table(self, service: CredentialService) -> str:
        table = f'"{service.recorder.events_table_name}"'  # type: ignore[attr-defined]
        return f'"{self.schema}".{table}' if self.backend == "postgres" else table

    def counts(self, service: CredentialService) -> tuple[int, int]:
        """(events, members) actually stored."""
        table = self.events_table(service)
        with self.connect() as conn:
            row = conn.execute(
                f"SELECT COUNT(*), SUM(CASE WHEN originator_version = 1 THEN 1 ELSE 0 END) FROM {table}"
            ).fetchone()
        return int(row[0]), int(row[1] or 0)

    def raw_table(self) -> RawSpec:
        """A scratch table shaped like the events table, for the raw baseline."""
        if self.backend == "postgres":
            table = f'"{self.schema}".bench_raw'
            create = [f"CREATE TABLE {table} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                      "topic text, state bytea, notification_id bigserial, "
                      "PRIMARY KEY (originator_id, originator_version))",
                      f"CREATE UNIQUE INDEX ON {table} (notification_id)"]
            insert = f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
        else:
            table = "bench_raw"
            create = [f"CREATE TABLE {table} (originator_id TEXT, originator_version INTEGER, topic TEXT, "
                      "state BLOB, PRIMARY KEY (originator_id, originator_version))"]
            insert = f"INSERT INTO {table} VALUES (?, ?, ?, ?)"
        with self.connect() as conn:
            for statement in create:
                conn.execute(statement)
            conn.commit()
        return RawSpec(self.backend, self.conninfo if self.backend == "postgres" else str(self.path), insert, table)

    def cleanup(self) -> None:
        if self.keep:
            print(f"kept: {self.url}")
            return
        if self.backend == "postgres":
            self.drop_schema(self.schema)
        else:
            # The file, its journal (-wal, -shm) and the rebuild's lock file beside it.
            for path in self.path.parent.glob(f"{self.path.name}*"):
                path.unlink(missing_ok=True)


def report_schema(target: Target) -> str:
    """The server's report tables go in a schema of the run's own, never the live one."""
    return f"{target.schema}_reports" if target.backend == "postgres" else DEFAULT_REPORT_SCHEMA


def drop_report_schemas(target: Target) -> None:
    """The run's report schema and the one a rebuild builds beside it (PostgreSQL; unless --keep)."""
    if target.backend == "postgres" and not target.keep:
        target.drop_schema(report_schema(target))
        target.drop_schema(f"{report_schema(target)}_build")


@contextmanager
def read_models(target: Target, service: CredentialService, parts: int) -> Iterator[Projector]:
    """The read models in the run's report schema (where the server reads them), and a projector
    over them filling them with `parts` processes; both closed after."""
    models = open_read_models(service, report_schema=report_schema(target), report_prefix=DEFAULT_PREFIX)
    projector = Projector(service, models, build_parts=parts)
    try:
        yield projector
    finally:
        projector.close()
        models.close()


Measure = Callable[[Any, Target, CredentialService], dict[str, Any]]
Table = Callable[[dict[str, Any]], list[str]]


def run_beside_the_server(args: Any, default_url: str, measure: Measure, table: Table) -> int:
    """A section that serves its store with the real server: `measure` on a store of the run's own
    (removed at the end with the server's report schemas, unless --keep), then its table and JSON."""
    target = Target(own_database(default_url), args.keep)
    service = CredentialService({"POSTGRES_POOL_SIZE": "1"}, database_url=target.url)
    try:
        result = measure(args, target, service)
    finally:
        service.close()
        drop_report_schemas(target)
        target.cleanup()
    for line in table(result):
        print(line)
    print(json.dumps(result))
    return 0
