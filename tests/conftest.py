"""Shared fixtures: the same behaviour suite runs on SQLite and on PostgreSQL.

PostgreSQL comes from CREDENTIALS_TEST_POSTGRES_URL (`.ci/run` makes a fresh database and
sets it). Without it, tests use postgresql://root@127.0.0.1:5432/test. When PostgreSQL
cannot be reached the PostgreSQL tests are skipped locally, but fail under CI=true: CI
must never pass by silently skipping a backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from service_support import ServiceFactory, StepClock

from application.service import CredentialService
from application.settings import DEFAULT_REPORT_SCHEMA
from domain.policy import DEFAULT_POLICY, PolicyBook

POSTGRES_URL = os.environ.get("CREDENTIALS_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as error:
        return str(error).strip()


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
