"""Fixtures for the read-model tests: read models of their own per test, beside the test's store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from application.service import CredentialService
from projections.backends import open_read_models
from projections.projector import Projector
from projections.store import ReadModels


def own_location(backend: str) -> Iterator[dict[str, str]]:
    """A schema (PostgreSQL) or table prefix (SQLite) no other test uses; dropped afterwards."""
    name = f"reports_{uuid.uuid4().hex[:8]}"
    yield {"report_schema": name, "report_prefix": f"{name}_"}
    if backend.startswith("postgresql"):
        with psycopg.connect(backend, autocommit=True) as conn:
            for schema in (name, f"{name}_build"):
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def location(backend: str) -> Iterator[dict[str, str]]:
    yield from own_location(backend)


@pytest.fixture
def reference(service: CredentialService, backend: str) -> Iterator[Projector]:
    """A projector of read models of its own, beside the test's, to rebuild what the test's should hold."""
    for where in own_location(backend):
        read_models = open_read_models(service, **where)
        rebuilding = Projector(service, read_models)
        yield rebuilding
        rebuilding.close()
        read_models.close()


@pytest.fixture
def models(service: CredentialService, location: dict[str, str]) -> Iterator[ReadModels]:
    read_models = open_read_models(service, **location)
    yield read_models
    read_models.close()


@pytest.fixture
def projector(service: CredentialService, models: ReadModels) -> Iterator[Projector]:
    following = Projector(service, models, page_size=2000)
    yield following
    following.close()
