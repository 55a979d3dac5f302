"""The one place the read side's backend is chosen: by the application's storage.

The eventsourcing library picks its recorder from the storage setting (`eventsourcing.sqlite`
or `eventsourcing.postgres`); the read side follows that choice by the recorder it made, as
`projections.sqlite` or `projections.postgres`. Each backend opens its read models
(`projections.store`) and its event source (`projections.source`, which also knows how to
wait for new events); nothing else in the read side asks which database it is on.

An in-memory store keeps no read models (`keeps_read_models`): its reports are replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from application.service import CredentialService
from application.settings import DEFAULT_REPORT_SCHEMA
from projections.postgres import PostgresBackend
from projections.source import EventSource
from projections.sqlite import SQLiteBackend
from projections.store import DEFAULT_PREFIX, ReadModels


class Backend(Protocol):
    def read_models(self, report_schema: str, report_prefix: str) -> ReadModels:
        """The read models in `report_schema` (PostgreSQL) or under `report_prefix` (SQLite), not yet ensured."""

    def event_source(self) -> EventSource[Any]: ...


# The recorder the library made for the application's storage -> the read side beside it.
BACKENDS: tuple[tuple[type[ApplicationRecorder], Callable[[Any], Backend]], ...] = (
    (PostgresApplicationRecorder, PostgresBackend),
    (SQLiteApplicationRecorder, SQLiteBackend),
)


def keeps_read_models(service: CredentialService) -> bool:
    """Whether the service's store is one the read models can live beside (not in memory)."""
    return any(isinstance(service.recorder, recorder_type) for recorder_type, _ in BACKENDS)


def backend_of(service: CredentialService) -> Backend:
    """The backend beside `service`'s store; TypeError for a store that keeps no read models."""
    for recorder_type, backend in BACKENDS:
        if isinstance(service.recorder, recorder_type):
            return backend(service.recorder)
    raise TypeError(f"read models need a PostgreSQL or SQLite store, not {type(service.recorder).__name__}")


def open_read_models(service: CredentialService, *, report_schema: str = DEFAULT_REPORT_SCHEMA,
                     report_prefix: str = DEFAULT_PREFIX) -> ReadModels:
    """The read models beside `service`'s events, in `report_schema` on PostgreSQL or under
    `report_prefix` on SQLite, created if missing."""
    models = backend_of(service).read_models(report_schema, report_prefix)
    models.ensure()
    return models
