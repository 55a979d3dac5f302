"""Keeping the read models in step with the event store.

`step` applies one page of notifications: it finds the members the page touches,
recomputes each of them from their whole history up to the page's last notification, and
replaces their rows and the position in one transaction (`ReadModels.replace_members`).
A member's rows depend only on its history, so applying a page again, after a crash or by
a second follower, changes nothing: exactly-once in effect, whatever happens. The members a
follower wrote last are kept (`projections.member_cache`): one whose history a page continues
is neither read nor decoded again, its revisions' running fold goes on, and only its rows that
changed are written (`projections.page_rows`); the others are read and replaced whole.

`rebuild` streams the whole store in member order (each member read once, nothing kept
but one member's events) into shadow tables, and swaps them in.

The policy register's facts (an adoption, a withdrawal) are notifications too, and change
every member's rows: the book they are computed under, and the moments their revisions
compare. `step` applies them on their own, as a rebuild does, up to the last of them: every
member's rows computed afresh under the policy known then, swapped in with the position and
that policy's fingerprint in one transaction, the revisions recorded before the first of them
kept (nothing changed what was known then) and the later ones computed. Until that swap the
tables' fingerprint is not the one readers expect (`Lag.current_policy`), so no report is
answered from rows of the old book.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from itertools import takewhile
from typing import Any

from eventsourcing.persistence import Notification, StoredEvent

from application.service import CredentialService
from domain.credential import credential_id
from domain.events import EVENT_CLASSES, CredentialFact
from domain.policy import PolicyBook
from projections.backends import backend_of, open_read_models
from projections.known_policy import POLICY_TOPICS, KnownPolicy, PolicyReads, policy_fact
from projections.lag import Lag
from projections.member_cache import CACHE_MEMBERS, MemberCache
from projections.page_rows import PageRows
from projections.rows import Changes, FirstNew, Rows, add_member_rows, empty_rows
from projections.source import OriginatorId
from projections.store import PROJECTION, ReadModels, RebuildRunning

log = logging.getLogger(__name__)

FACT_TOPICS = frozenset(event_class.TOPIC for event_class in EVENT_CLASSES)
PAGE_SIZE = 10_000
# Rows are written to a rebuild's shadow tables once this many events have been folded.
BUILD_BATCH_EVENTS = 50_000
# Members whose current status is recomputed per transaction when days pass.
REFRESH_BATCH = 1_000


class OtherPolicyBook(Exception):
    """The tables were (re)built under another policy book while this follower ran."""


class TablesMoved(Exception):
    """The live tables moved from the position a rebuild was to keep their revisions of."""


@dataclass(frozen=True)
class KeptRevisions:
    """The live revisions recorded before `before`, as the live tables at `position` hold them: what
    a rebuild following a policy change keeps (nothing known before the change changed)."""

    before: datetime
    position: int


class Projector:
    def __init__(self, service: CredentialService, models: ReadModels, *, page_size: int = PAGE_SIZE,
                 build_parts: int = 1, today: Callable[[], date] | None = None,
                 cache_members: int = CACHE_MEMBERS) -> None:
        self.service = service
        self.models = models
        self.source = backend_of(service).event_source()
        self.page_size = page_size
        self.build_parts = build_parts
        self.today = today or service.today
        # Called after each committed page, rebuild batch and refresh: a supervisor's heartbeat.
        self.on_progress: Callable[[], None] = lambda: None
        self.policies = PolicyReads(service, self.source)
        # The members this follower wrote last, to continue from (`projections.member_cache`).
        self.cache = MemberCache(cache_members)

    def lag(self) -> Lag:
        position, fingerprint = self.models.tracking()
        upto = self.source.max_notification_id()
        if fingerprint in (None, self.policies.now().fingerprint):
            return Lag(PROJECTION, position, upto)
        followable = self.policies.of_tables(position, fingerprint).fingerprint == fingerprint
        return Lag(PROJECTION, position, upto, current_policy=False, followable=followable)

    def stale(self) -> bool:
        """Whether the rows were computed under a policy the store never had at their position
        (another release's rules or built-in book): they are rebuilt, not followed."""
        position, fingerprint = self.models.tracking()
        return fingerprint is not None and self.policies.of_tables(position, fingerprint).fingerprint != fingerprint

    def reached(self, target: int) -> bool:
        """Whether the tables hold every notification up to `target`, under the policy known there."""
        position, fingerprint = self.models.tracking()
        return position >= target and self.policies.of_tables(position, fingerprint).fingerprint == fingerprint

    # --- following the store, page by page ---------------------------------------------

    def catch_up(self, *, stream_from_zero: bool = True, upto: int | None = None) -> int:
        """Apply pages until none is left, or (with `upto`) until the position reaches it, so a
        caller is not kept by writes that go on meanwhile; returns how many notifications were
        applied. From position zero, a rebuild streams the store instead (each member read once)."""
        applied = 0
        from_zero = self.models.position() == 0 and self.source.max_notification_id() > 0
        if self.stale() or (stream_from_zero and from_zero):
            applied += self.rebuild()
        while (upto is None or self.models.position() < upto) and (count := self.step()) != 0:
            applied += max(count, 0)
        return applied

    def step(self) -> int:
        """Apply the next page: how many notifications it held, 0 when there were none (or when
        another process is rebuilding), -1 when another follower moved the position first (nothing
        written; the next step goes on from there). A page stops before the policy register's facts,
        which a step of their own applies."""
        position, fingerprint = self.models.tracking()
        page = self.source.page(position, self.page_size)
        if not page:
            return 0
        if page[0].topic in POLICY_TOPICS:
            return self._follow_policy(page)
        page = list(takewhile(lambda notification: notification.topic not in POLICY_TOPICS, page))
        known = self.policies.of_tables(position, fingerprint)
        in_page: dict[OriginatorId, list[StoredEvent]] = {}
        for notification in page:
            if notification.topic in FACT_TOPICS:
                in_page.setdefault(notification.originator_id, []).append(notification)
        self.cache.trust((position, fingerprint))
        try:
            page_rows = self._page_rows(in_page, page[0].id, known)
            if not self.models.replace_members(page_rows.changes, page_rows.rows, expected=position,
                                               position=page[-1].id, policy=known.fingerprint,
                                               diffed=page_rows.diffed, removed=page_rows.removed):
                self.cache.clear()
                self._check_policy()
                log.info("position moved past %s while a page was computed; reading on from there", position)
                return -1
        except BaseException:
            self.cache.clear()  # kept members may be half-way through a page that was never written
            raise
        self.cache.written((page[-1].id, known.fingerprint), page_rows.kept)
        self.on_progress()
        return len(page)

    def _page_rows(self, in_page: dict[OriginatorId, list[StoredEvent]], first_id: int,
                   known: KnownPolicy) -> PageRows:
        """The rows of a page's members: those the cache kept continued from it, written by difference;
        the others read and computed from their whole history, replaced whole."""
        to_domain_event: Callable[[StoredEvent], Any] = self.service.mapper.to_domain_event
        kept = {member: self.cache.take(member, events[0].originator_version) for member, events in in_page.items()}
        # Events of the other members before the page; a member whose version 1 is in the page has none.
        continuing = [member for member, events in in_page.items()
                      if events[0].originator_version > 1 and kept[member] is None]
        earlier = self.source.earlier_events(continuing, before=first_id)
        page_rows, today = PageRows(), self.today()
        for member, events in in_page.items():
            was = kept[member]
            if was is None:
                history = [to_domain_event(e) for e in earlier.get(member, []) + events if e.topic in FACT_TOPICS]
            else:
                history = was.history + [to_domain_event(e) for e in events]
            if history:
                page_rows.add(member, history, was, known, today, events[0].originator_version)
        return page_rows

    def _follow_policy(self, page: Sequence[Notification]) -> int:
        """Apply the register's facts at the head of `page` as a rebuild does (see the module)."""
        if self.stale():
            raise OtherPolicyBook("the read models follow another policy book; stop the follower running this one")
        run = list(takewhile(lambda notification: notification.topic in POLICY_TOPICS, page))
        kept = KeptRevisions(policy_fact(self.service, run[0]).timestamp, position=run[0].id - 1)
        try:
            self.rebuild(upto=run[-1].id, keep=kept)
        except RebuildRunning:
            log.info("another process is rebuilding the read models; following on once it has swapped")
            return 0
        except TablesMoved:
            log.info("another follower applied the policy change first; reading on from there")
            return -1
        return len(run)

    def refresh_due(self) -> int:
        """Recompute `current_status` of members whose status may have changed since it was computed
        (a deadline passed with no new fact), at the present position; returns how many."""
        due = self.models.members_due(self.today())
        for start in range(0, len(due), REFRESH_BATCH):
            if not self.recompute(due[start:start + REFRESH_BATCH]):
                return start  # a page moved the position; the next refresh finds the rest
        return len(due)

    def recompute(self, members: Sequence[str]) -> bool:
        """Recompute the members' rows from their histories up to the present position, which stays;
        False (nothing written) when a page moved the position meanwhile."""
        position, fingerprint = self.models.tracking()
        known = self.policies.of_tables(position, fingerprint)
        found = self.source.earlier_events([credential_id(m) for m in members], before=position + 1)
        # No new facts: the tables replaced from the first new one (history, revisions) keep every row.
        changes, rows = self._rows(((history, len(history) + 1) for history in found.values()), known)
        if not self.models.replace_members(changes, rows, expected=position, position=position,
                                           policy=known.fingerprint):
            self._check_policy()
            return False
        self.on_progress()
        return True

    def _check_policy(self) -> None:
        if self.stale():
            raise OtherPolicyBook("the read models were rebuilt under another policy book; "
                                  "stop the follower running the old one")

    # --- building from zero ----------------------------------------------------------

    def rebuild(self, before_swap: Callable[[], None] | None = None, *, upto: int | None = None,
                keep: KeptRevisions | None = None) -> int:
        """Build every table afresh into shadow tables, up to notification `upto` (default: all),
        then swap them in; returns the events read. With `keep`, the live revisions recorded
        before it are kept and only the later ones computed (TablesMoved, nothing written, when
        the live tables are no longer where it says). With `build_parts` > 1, as many processes
        build a slice of the members each."""
        upto = self.source.max_notification_id() if upto is None else upto
        known = self.policies.at(upto)
        self.cache.clear()  # the tables are swapped: nothing kept is known to be in them
        self.models.prepare_build(known.fingerprint)  # from here no other rebuild can swap
        today = self.today()
        revisions_from = None if keep is None else keep.before
        try:
            if keep is not None:
                if self.models.position() != keep.position:
                    raise TablesMoved()
                self.models.carry_revisions(keep.before)
            if self.build_parts == 1:
                events = self.build_slice(upto, today, known, revisions_from=revisions_from)
            else:
                context = multiprocessing.get_context("spawn")  # no forking a process with pool threads
                arguments = [(dict(self.service.env), self.service.policy, self.models.location(), upto, today,
                              part, self.build_parts, revisions_from) for part in range(self.build_parts)]
                with ProcessPoolExecutor(self.build_parts, mp_context=context) as pool:
                    events = sum(pool.map(_build_slice, *zip(*arguments)))
        except BaseException:
            self.models.abandon_build()
            raise
        self.models.swap_in_build(upto, before_swap, self.on_progress)
        self.policies.tables_follow(known)
        log.info("rebuilt the read models from %d events up to notification %d", events, upto)
        return events

    def build_slice(self, upto: int, today: date, known: KnownPolicy, part: int = 0, parts: int = 1,
                    revisions_from: datetime | None = None) -> int:
        """Write one slice of the members (all of them by default) into the shadow tables, under
        `known` (the policy known at `upto`)."""
        writer = self.models.build_writer()
        events = 0
        try:
            batch, batch_events = empty_rows(), 0
            for stored in self.source.members_in_order(upto, part, parts):
                self._add(batch, stored, today, known, revisions_from=revisions_from)
                batch_events += len(stored)
                if batch_events >= BUILD_BATCH_EVENTS:
                    writer.add(batch)
                    self.on_progress()
                    events += batch_events
                    batch, batch_events = empty_rows(), 0
            writer.add(batch)
            return events + batch_events
        finally:
            writer.close()

    # --- rows ------------------------------------------------------------------------

    def _rows(self, histories: Iterable[tuple[Sequence[StoredEvent], int]],
              known: KnownPolicy) -> tuple[Changes, Rows]:
        """Rows of each (whole history, first version not yet projected)."""
        rows, today, changes = empty_rows(), self.today(), {}
        for stored, from_version in histories:
            if (added := self._add(rows, stored, today, known, from_version)) is not None:
                member, first_new = added
                changes[member] = first_new
        return changes, rows

    def _add(self, rows: Rows, stored: Sequence[StoredEvent], today: date, known: KnownPolicy,
             from_version: int = 1, revisions_from: datetime | None = None) -> tuple[str, FirstNew] | None:
        to_domain_event: Callable[[StoredEvent], Any] = self.service.mapper.to_domain_event
        history: list[CredentialFact] = [to_domain_event(e) for e in stored if e.topic in FACT_TOPICS]
        if not history:
            return None
        member, first_new, _running = add_member_rows(rows, history, known, today, from_version, revisions_from)
        return member, first_new

    def close(self) -> None:
        self.source.close()


def _build_slice(env: dict[str, str], policy: PolicyBook, location: dict[str, str], upto: int, today: date,
                 part: int, parts: int, revisions_from: datetime | None) -> int:
    """A rebuild's worker process: its own service and connections, one slice of the members."""
    service = CredentialService(env, policy=policy)
    projector = Projector(service, open_read_models(service, **location))
    try:
        return projector.build_slice(upto, today, projector.policies.at(upto), part, parts, revisions_from)
    finally:
        projector.close()
        projector.models.close()
        service.close()
