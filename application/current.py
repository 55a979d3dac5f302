"""Aggregates as stored now: the cached copy, with what was recorded since, from one read.

A command needs two aggregates as stored now, the member's credential and the policy register
(the book it is judged under), and a status needs the same two. The library's repository would
bring each cached aggregate up to date with a query of its own, and in place, while other
threads may be reading or copying it. Here both come from one query (one round trip on
PostgreSQL), and a cached aggregate is never changed: what was recorded since is applied to a
copy, which then replaces it in the cache. The service runs with the library's fast-forwarding
off, so the library too only ever replaces what is cached (with each aggregate it saves).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import deepcopy
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent


def project(aggregate: Any, facts: Iterable[Any]) -> Any:
    """Apply stored events in order. The library's default projector checks every event against
    a runtime-checkable Protocol, which costs more than applying it (most of a cold read)."""
    for fact in facts:
        aggregate = fact.mutate(aggregate)
    return aggregate


class CurrentAggregates:
    """Reading aggregates as stored now, on the application that mixes it in."""

    repository: Any
    recorder: Any
    mapper: Any

    def current(self, *ids: UUID) -> list[Aggregate | None]:
        """Each aggregate as stored now (None: nothing recorded), shared with other readers: read it;
        to change one, change a copy."""
        cache = self.repository.cache
        cached: list[Aggregate | None] = []
        for aggregate_id in ids:
            try:
                cached.append(cache.get(aggregate_id) if cache is not None else None)
            except KeyError:
                cached.append(None)
        versions = [a.version if a is not None else 0 for a in cached]
        stored = self._recorded_after(list(zip(ids, versions, strict=True)))
        found = []
        for aggregate_id, aggregate in zip(ids, cached, strict=True):
            new = stored.get(aggregate_id)
            if new:
                facts = (self.mapper.to_domain_event(event) for event in new)
                aggregate = project(deepcopy(aggregate) if aggregate is not None else None, facts)
                if cache is not None:
                    cache.put(aggregate_id, aggregate)
            found.append(aggregate)
        return found

    def _recorded_after(self, after: Sequence[tuple[UUID, int]]) -> dict[UUID, list[StoredEvent]]:
        select_each = getattr(self.recorder, "select_events_after_each", None)
        if select_each is not None:  # PostgreSQL: one round trip
            events: list[StoredEvent] = list(select_each(after))
        else:  # SQLite in the process itself, or in memory: no round trip to save
            events = [e for aggregate_id, version in after
                      for e in self.recorder.select_events(aggregate_id, gt=version or None)]
        by_aggregate: dict[UUID, list[StoredEvent]] = {}
        for event in events:
            originator = event.originator_id  # a UUID from either store; parsed only if not
            key = originator if isinstance(originator, UUID) else UUID(str(originator))
            by_aggregate.setdefault(key, []).append(event)
        return by_aggregate
