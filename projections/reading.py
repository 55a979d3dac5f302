"""Reading the reports per request: from the read-model tables, brought up to date first.

Before each answer the reader applies whatever the store holds that the tables do not yet:
several server processes and commands share one store and the contract promises each sees
the others' writes at once, so a report is always what a full replay would say. A follower
(`credentials projections run`) keeps that work near zero. When the tables are far behind
(a new deployment over a large store, say) the reader refuses with `ReadModelsBehind`
rather than hold a request for minutes; `credentials projections catch-up` ends that.

Applying pages here is safe beside a follower and other processes: each page commits only
if the position is still the one it was computed from (`ReadModels.replace_members`).

A policy adoption or withdrawal puts the tables a whole store behind (every member's rows
change): a small store is brought up to date here, as a rebuild would, a large one answers 503
until the follower has swapped in its rebuild. Either way no answer comes from rows of the
book that is no longer current: a request answers from the tables only once they hold every
write made before it, under the policy known at their position.

An in-memory store keeps no tables: its reports replay every member (projections.replayed).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg

from application.service import CredentialService
from application.settings import DEFAULT_REPORT_SCHEMA
from domain.events import CredentialFact
from projections.answers import ReportQueries
from projections.backends import keeps_read_models, open_read_models
from projections.projector import Projector
from projections.queries import TableQueries
from projections.replayed import ReplayQueries
from projections.store import DEFAULT_PREFIX, RebuildRunning

log = logging.getLogger(__name__)

T = TypeVar("T")

# Notifications a request may apply itself before answering; beyond it, ReadModelsBehind.
# Page-by-page catch-up runs at several thousand notifications a second here.
INLINE_LIMIT = 20_000


class ReadModelsBehind(Exception):
    """The read models are too far behind the store to bring up to date within a request."""

    def __init__(self, position: int, max_notification_id: int, current_policy: bool = True) -> None:
        where = (f"at notification {position} of {max_notification_id}" if current_policy
                 else "computed under a policy book that is no longer the current one")
        super().__init__(f"the report tables are {where}; run `credentials projections catch-up` "
                         "(or keep `credentials projections run` going)")
        self.position = position
        self.max_notification_id = max_notification_id
        self.current_policy = current_policy


class ReadModelsUnavailable(Exception):
    """The database holding the read models did not answer."""


def member_histories(service: CredentialService) -> list[list[CredentialFact]]:
    return [service.credential(member_id).history for member_id in service.member_ids()]


class ReportReader:
    """One per process: opens the read models on first use and keeps them open."""

    def __init__(self, service: CredentialService, *, report_schema: str = DEFAULT_REPORT_SCHEMA,
                 report_prefix: str = DEFAULT_PREFIX, inline_limit: int | None = None) -> None:
        self.service = service
        self.report_schema = report_schema
        self.report_prefix = report_prefix
        self.inline_limit = INLINE_LIMIT if inline_limit is None else inline_limit
        self.has_tables = keeps_read_models(service)
        self._projector: Projector | None = None
        self._lock = threading.Lock()

    def answer(self, ask: Callable[[ReportQueries], T]) -> T:
        """`ask` answered as of everything recorded so far. A connection the database dropped
        (a restart, an idle timeout) is opened afresh and the question asked once more."""
        if not self.has_tables:
            service = self.service
            return ask(ReplayQueries(member_histories(service), service.book(), book_at=service.book,
                                     policy_changes=service.policy_changes()))
        with self._lock:
            for attempt in range(2):
                try:
                    return ask(TableQueries(self._caught_up().models))
                except (psycopg.OperationalError, psycopg.InterfaceError, sqlite3.OperationalError) as error:
                    self._discard()
                    if attempt == 1:
                        raise ReadModelsUnavailable() from error
                    log.info("report tables' connection failed (%s); opening it again", type(error).__name__)
        raise AssertionError("unreachable")

    def _caught_up(self) -> Projector:
        if self._projector is None:
            models = open_read_models(self.service, report_schema=self.report_schema, report_prefix=self.report_prefix)
            self._projector = Projector(self.service, models)
        projector = self._projector
        lag = projector.lag()
        behind = ReadModelsBehind(lag.position, lag.max_notification_id, lag.current_policy)
        if not lag.answerable(self.inline_limit):
            raise behind
        if lag.lag:
            try:
                projector.catch_up(stream_from_zero=False, upto=lag.max_notification_id)
            except RebuildRunning:
                raise behind from None
            if not projector.reached(lag.max_notification_id):  # another process is rebuilding them
                raise behind
        return projector

    def _discard(self) -> None:
        if self._projector is not None:
            for close in (self._projector.close, self._projector.models.close):
                try:
                    close()
                except Exception:  # already broken: closing is best effort
                    log.debug("closing the read models failed", exc_info=True)
            self._projector = None

    def close(self) -> None:
        with self._lock:
            self._discard()
