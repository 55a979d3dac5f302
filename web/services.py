"""The application service behind the API, and the report reader beside it, built on first
use in each process.

Built lazily so that a server whose database is down still starts and answers `/health`
with 503 (and every other request with 503) until the database comes back; and so that
under gunicorn each worker opens its own connections after the fork.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from application.service import CredentialService
from application.settings import Settings
from projections.answers import ReportQueries
from projections.reading import ReportReader
from web.errors import StorageUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

EXTENSION = "credentials"


class ServiceProvider:
    def __init__(self, settings: Settings, service: CredentialService | None = None) -> None:
        self.settings = settings
        self._service = service
        self._lock = threading.Lock()
        self._reader: ReportReader | None = None

    def get(self) -> CredentialService:
        if self._service is None:
            with self._lock:
                if self._service is None:
                    try:
                        self._service = CredentialService(database_url=self.settings.database_url)
                    except Exception as error:
                        # Only the type: the message may carry a connection string.
                        log.warning("cannot open the event store: %s", type(error).__name__)
                        raise StorageUnavailable() from error
        return self._service

    def answer_reports(self, ask: Callable[[ReportQueries], T]) -> T:
        service = self.get()
        if self._reader is None:
            with self._lock:
                if self._reader is None:
                    self._reader = ReportReader(service, report_schema=self.settings.report_schema)
        return self._reader.answer(ask)


def service() -> CredentialService:
    provider: ServiceProvider = current_app.extensions[EXTENSION]
    return provider.get()


def answer_reports(ask: Callable[[ReportQueries], T]) -> T:
    """`ask` answered from the reports, the read models brought up to date with every write so far."""
    provider: ServiceProvider = current_app.extensions[EXTENSION]
    return provider.answer_reports(ask)
