"""The rule suite runs on the in-memory store: the rules do not depend on storage, and the
storage-dependent behaviour (idempotency, concurrency, what survives a restart) is tested
on SQLite and PostgreSQL in tests/application."""

from __future__ import annotations

import pytest


@pytest.fixture
def backend() -> str:
    return "memory://"
