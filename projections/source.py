"""Reading the application's stored events for the projections, and waiting for new ones.

Pages of notifications come from the library's recorder (`select_notifications`). Two
reads it has no call for are done in SQL by each backend (`projections.sqlite`,
`projections.postgres`) on the recorder's own table and database: the earlier events of
many members at once (one query per page instead of one per member), and every event in
member order (to rebuild from zero without holding the whole store in memory). What those
reads share (slicing the members, grouping rows into histories) is written here once.

How a follower waits for new events is the backend's too (`EventSource.waiter`): PostgreSQL
notifies, SQLite is polled.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Generator, Iterable, Iterator, Sequence
from itertools import groupby
from operator import attrgetter
from threading import Event
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent

UUID_SPACE = 1 << 128
EVENT_COLUMNS = "originator_id, originator_version, topic, state"
MEMBER_ORDER = "originator_id, originator_version"
OriginatorId = UUID | str  # as the library types it; credentials use UUIDs


class Closing(Protocol):
    def close(self) -> None: ...


ConnectionT = TypeVar("ConnectionT", bound=Closing)


class Waiter(Protocol):
    """How a follower waits, between catching up, for the store to hold more."""

    def wait(self) -> None:
        """Return when there may be new events (or after the backend's timeout)."""

    def close(self) -> None: ...


class EventSource(ABC, Generic[ConnectionT]):
    """One projector's reads of the recorder's events, and the waiter of its follower."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder
        self._connection: ConnectionT | None = None

    # --- what a backend supplies -------------------------------------------------------

    @abstractmethod
    def waiter(self, stop: Event, *, idle_timeout: float, poll_interval: float) -> Waiter:
        """What a follower waits on: a notification, or `idle_timeout` at most, where the database
        notifies; else `poll_interval`, or until `stop` is set."""

    @abstractmethod
    def _connect(self) -> ConnectionT: ...

    @abstractmethod
    def _earlier_rows(self, ids: list[OriginatorId], before: int) -> Iterable[Any]:
        """The rows of the members' events with a notification id below `before`, in member order."""

    @abstractmethod
    def _member_rows(self, upto: int, low: UUID, high: UUID | None) -> Generator[Any, None, None]:
        """The rows of every event up to notification `upto` of the members from `low` to before
        `high` (to the end: None), in member order, read on a connection of its own."""

    # --- the reads, the same on every backend ------------------------------------------

    def max_notification_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    def page(self, after: int, limit: int) -> Sequence[Notification]:
        return self.recorder.select_notifications(after + 1, limit)

    def earlier_events(self, originator_ids: Iterable[OriginatorId],
                       before: int) -> dict[OriginatorId, list[StoredEvent]]:
        """Each member's events with a notification id below `before`, in version order."""
        ids = sorted(set(originator_ids))
        if not ids:
            return {}
        return {events[0].originator_id: events for events in self._grouped(self._earlier_rows(ids, before))}

    def members_in_order(self, upto: int, part: int = 0, parts: int = 1) -> Iterator[list[StoredEvent]]:
        """Each member's events up to notification `upto`, one list per member, in member order;
        `part` of `parts` reads one slice of the originator ids, so slices can be built in parallel."""
        low, high = UUID(int=UUID_SPACE * part // parts), UUID_SPACE * (part + 1) // parts
        rows = self._member_rows(upto, low, UUID(int=high) if high < UUID_SPACE else None)
        try:
            yield from self._grouped(rows)
        finally:
            rows.close()  # its connection too, when the reader stops early

    def _grouped(self, rows: Iterable[Any]) -> Iterator[list[StoredEvent]]:
        for _originator, events in groupby(self._stored(rows), key=attrgetter("originator_id")):
            yield list(events)

    def _stored(self, rows: Iterable[Any]) -> Iterator[StoredEvent]:
        for originator, version, topic, state in rows:
            yield StoredEvent(originator, version, topic, state)

    def _reads(self) -> ConnectionT:
        """One connection for the small reads of a follower, kept between pages."""
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
