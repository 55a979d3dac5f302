"""Shared fixtures: the same behaviour suite runs on SQLite and on PostgreSQL.

PostgreSQL comes from CREDENTIALS_TEST_POSTGRES_URL (`.ci/run` makes a fresh database and
sets it). Without it, tests use postgresql://root@127.0.0.1:5432/test. When PostgreSQL
cannot be reached the PostgreSQL tests are skipped locally, but fail under CI=true: CI
must never pass by silently skipping a backend.

Run in several processes (pytest-xdist, as scripts/test does), each process has a database of
its own beside that one, named after it (`..._gw0`), made at its first PostgreSQL test and
dropped when it ends: every test empties its database's tables, so two processes cannot share one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql
from service_support import ServiceFactory, StepClock

from application.service import CredentialService
from application.settings import DEFAULT_REPORT_SCHEMA
from domain.policy import DEFAULT_POLICY, PolicyBook

BASE_POSTGRES_URL = os.environ.get("CREDENTIALS_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _worker_url(base: str, worker: str | None) -> str:
    if worker is None:
        return base
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path}_{worker}"))


POSTGRES_URL = _worker_url(BASE_POSTGRES_URL, WORKER)


def _postgres_available() -> str | None:
    try:
        if WORKER is not None:
            _create_worker_database()
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as error:
        return str(error).strip()


def _worker_database() -> str:
    return unquote(urlsplit(POSTGRES_URL).path.lstrip("/"))


def _create_worker_database() -> None:
    with psycopg.connect(BASE_POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
        name = _worker_database()
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if WORKER is None:
        return
    try:
        with psycopg.connect(BASE_POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_worker_database())))
    except psycopg.OperationalError:
        pass  # no server: nothing was made


def _reset_postgres() -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'credentials%'"
        )]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY")
        # The reports' read models of the last test describe events that are gone now.
        for schema in (DEFAULT_REPORT_SCHEMA, f"{DEFAULT_REPORT_SCHEMA}_build"):
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_available()
    if problem:
        message = f"PostgreSQL at {POSTGRES_URL} is not reachable: {problem}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: PostgreSQL tests may not be skipped)")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def clock() -> StepClock:
    return StepClock(datetime(2026, 11, 28, 9, tzinfo=UTC))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/credentials.db"
    url: str = request.getfixturevalue("postgres_url")
    _reset_postgres()
    return url


@pytest.fixture
def make_service(backend: str, clock: StepClock) -> Iterator[ServiceFactory]:
    """Builds services on the test's store; several share it, as several processes would."""
    services: list[CredentialService] = []

    def make(policy: PolicyBook = DEFAULT_POLICY, **env: str) -> CredentialService:
        service = CredentialService(env, database_url=backend, policy=policy, clock=clock)
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()


@pytest.fixture
def service(make_service: ServiceFactory) -> CredentialService:
    return make_service()


@pytest.fixture
def memory_service(clock: StepClock) -> Iterator[CredentialService]:
    service = CredentialService(database_url="memory://", clock=clock)
    yield service
    service.close()
