"""The policy as the read models know it: the built-in book and the register's facts up to a
position of the notification log.

Rows depend on the policy book (rules.md section 9), and revisions on every adoption and
withdrawal too (section 10), so the read models follow the policy register as they follow
the members: its facts are notifications like theirs. `KnownPolicy` is the register as of one
position, read with the application's own register reading (`PolicyVersions`), and held
still: never the service's cached register, which moves on when another process adopts.

Its `fingerprint` names everything rows are computed from besides the facts: the rules' code
revision, the tables' layout (a release that adds a table or a column finds the rows of the
last one stale, so its new table is filled for every member, not only those with new facts),
the book, and every adoption and withdrawal known (adopting a version and withdrawing
it leaves the book as it was, but adds two moments to the revisions). Rows are only ever
written under the policy known at their position, so tables whose fingerprint is that of the
register at their own position are followed page by page; any other are stale (another
release's rules, tables or built-in book). `PolicyReads` reads the policy at a position, and now.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from eventsourcing.persistence import StoredEvent

from application.policy_versions import PolicyVersions
from application.service import CredentialService
from domain.policy import PolicyBook
from domain.policy_register import EVENT_CLASSES, POLICY_REGISTER_ID, PolicyFact, PolicyRegister
from domain.replay import RULES_REVISION
from domain.revisions import PolicyChange
from projections.source import EventSource
from projections.tables import MEMBER_TABLES

POLICY_TOPICS = frozenset(event_class.TOPIC for event_class in EVENT_CLASSES)


def policy_fingerprint(book: PolicyBook, changes: Sequence[PolicyChange] = ()) -> str:
    """Names the rules rows are computed under: the revision of the rules' code, the tables' layout,
    the book, and the register's adoptions and withdrawals; rows computed under others must be
    rebuilt, not followed."""
    layout = tuple((table.name, table.columns) for table in MEMBER_TABLES)
    described = (RULES_REVISION, layout, book.versions, tuple(change.cause for change in changes))
    return hashlib.sha256(_canonical(described).encode()).hexdigest()[:16]


def _canonical(value: object) -> str:
    """The same text for the same value in every process (a set's repr follows string hashing,
    which differs between processes)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = (f"{f.name}={_canonical(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__name__}({', '.join(fields)})"
    if isinstance(value, Mapping):
        return "{" + ", ".join(sorted(f"{_canonical(k)}: {_canonical(v)}" for k, v in value.items())) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_canonical(v) for v in value) + "]"
    return repr(value)


class KnownPolicy(PolicyVersions):
    """The built-in book and one register (None: no version adopted yet), read as the service
    reads its own: `book(known_at)`, `policy_versions()`, `policy_changes()`."""

    def __init__(self, built_in: PolicyBook, register: PolicyRegister | None) -> None:
        self.policy = built_in
        self._register = register
        self.current = self.book()  # as known at this position: what rows are computed under
        self.changes = self.policy_changes()
        self.fingerprint = policy_fingerprint(self.current, self.changes)

    def policy_register(self, *, for_change: bool = False) -> PolicyRegister | None:
        return self._register

    def book_at(self, known_at: datetime) -> PolicyBook:
        """The book as known at `known_at`, as `domain.revisions` asks for it."""
        if self._register is None:
            # No version adopted: the built-in book at every time (`PolicyVersions.books`), made once
            # rather than at each of the two times every moment of every member asks for.
            return self.current
        return self.book(known_at)

    @classmethod
    def of_facts(cls, built_in: PolicyBook, facts: Iterable[PolicyFact]) -> KnownPolicy:
        """The policy known once the register's `facts` (in their order) are."""
        register: PolicyRegister | None = None
        for fact in facts:
            mutated = fact.mutate(register)
            assert isinstance(mutated, PolicyRegister)
            register = mutated
        return cls(built_in, register)


def policy_fact(service: CredentialService, stored: StoredEvent) -> PolicyFact:
    """A stored event of the policy register, as its fact."""
    fact = service.mapper.to_domain_event(stored)
    assert isinstance(fact, PolicyFact), f"not a fact of the policy register: {stored.topic}"
    return fact


class PolicyReads:
    """One projector's reads of the policy: as known at a position of its event source, as known
    now (what readers expect the tables under), and the one the tables follow."""

    def __init__(self, service: CredentialService, source: EventSource[Any]) -> None:
        self.service = service
        self.source = source
        self._tables: KnownPolicy | None = None  # the policy of the tables, as last found
        self._now: tuple[int, KnownPolicy] | None = None  # by the version of the register it was read at

    def at(self, position: int) -> KnownPolicy:
        """The policy known at notification `position`: the register's facts up to it."""
        stored = self.source.earlier_events([POLICY_REGISTER_ID], before=position + 1).get(POLICY_REGISTER_ID, [])
        return KnownPolicy.of_facts(self.service.policy, (policy_fact(self.service, e) for e in stored))

    def now(self) -> KnownPolicy:
        """The policy known now, everything recorded."""
        register = self.service.policy_register(for_change=True)  # a copy: the cached one moves on
        version = 0 if register is None else register.version
        if self._now is None or self._now[0] != version:
            self._now = (version, KnownPolicy(self.service.policy, register))
        return self._now[1]

    def of_tables(self, position: int, fingerprint: str | None) -> KnownPolicy:
        """The policy tables at `position` with `fingerprint` follow: one already read with that
        fingerprint, else the one known at their position (whose fingerprint differs from theirs
        exactly when they are stale)."""
        for known in (self._tables, self._now[1] if self._now else None):
            if known is not None and known.fingerprint == fingerprint:
                return known
        self._tables = self.at(position)
        return self._tables

    def tables_follow(self, known: KnownPolicy) -> None:
        """The tables were just built under `known`."""
        self._tables = known
