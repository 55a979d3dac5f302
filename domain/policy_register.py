"""The policy register: the versions staff adopted and withdrew, recorded as facts.

The FAQ-era version is built in (`domain.policy`); every later version is adopted with an
effective date and recorded with its recorded time like any fact (rules.md section 9). An
adoption stores only the values that change; the rest carries over from the version in force
the day before it takes effect, **in the book as known at the time asked**, so a version
adopted later with an earlier date (or one withdrawn) changes what the versions after it carry
over, from its recording on. Versions are never edited: one adopted in error is withdrawn.

One register per store (`POLICY_REGISTER_ID`). Topics are explicit and stable
(`policy:<Name>`), as for the credential's facts (`domain.events`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import Aggregate, AggregateCreated, AggregateEvent
from eventsourcing.utils import register_topic

from domain.errors import InvalidCommand, InvalidPolicy, PolicyVersionNotFound, RuleViolation
from domain.policy import DEFAULT_POLICY, Policy, PolicyBook
from domain.policy_values import carried_over, changed_policy, validated_changes

POLICY_REGISTER_ID = uuid5(NAMESPACE_URL, "urn:credential-service:policy-register")
ONE_DAY = timedelta(days=1)


class PolicyFact(AggregateEvent):
    """A fact of the policy register; `timestamp` is when it was recorded."""

    TOPIC: ClassVar[str]
    # The command that recorded it, so a retried command returns its first outcome.
    idempotency_key: str | None
    request_hash: str | None
    # Who recorded it, as a credential's facts say (domain.events.CredentialFact); None before they did.
    recorded_by: str | None = field(default=None, kw_only=True)

    def apply(self, aggregate: Any) -> None:
        aggregate.facts.append(self)


class PolicyRegisterOpened(AggregateCreated, PolicyFact):
    TOPIC = "policy:PolicyRegisterOpened"


class PolicyVersionAdopted(PolicyFact):
    """`changes`: the values that change, validated, as JSON (decimals as strings)."""

    TOPIC = "policy:PolicyVersionAdopted"
    version: str
    effective_from: date
    changes: dict[str, Any]


class PolicyVersionWithdrawn(PolicyFact):
    TOPIC = "policy:PolicyVersionWithdrawn"
    version: str
    reason: str


EVENT_CLASSES: tuple[type[PolicyFact], ...] = (PolicyRegisterOpened, PolicyVersionAdopted, PolicyVersionWithdrawn)

for _event_class in EVENT_CLASSES:
    register_topic(_event_class.TOPIC, _event_class)


@dataclass(frozen=True)
class VersionRecord:
    """One version as listed: `policy` is its whole book as in force from its effective date
    (for a withdrawn version, as it was built when it stood); built-in versions have no
    `adopted_at` and no `changes`."""

    version: str
    effective_from: date
    adopted_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    policy: Policy
    changes: Mapping[str, Any] | None = None
    # Who adopted and who withdrew it (a token's name, else its role); None for the built-in
    # versions and for facts recorded before the service recorded who.
    adopted_by: str | None = None
    withdrawn_by: str | None = None


def _version_in(book: PolicyBook, version: str) -> Policy:
    # Of two versions of one name the later added stands; names are unique, so there is one.
    return next(p for p in reversed(book.versions) if p.version == version)


def _built(built_in: PolicyBook, known: Sequence[PolicyFact]) -> PolicyBook:
    """The built-in book plus each version adopted among `known` and not withdrawn there, in
    effective order, each merged over the version in force the day before in the book so far.
    The sort is stable and a book puts a later added version after an earlier one of the same
    date, so of two versions of one effective date the later adopted governs."""
    withdrawn = {f.version for f in known if isinstance(f, PolicyVersionWithdrawn)}
    standing = [f for f in known if isinstance(f, PolicyVersionAdopted) and f.version not in withdrawn]
    book = built_in
    for adoption in sorted(standing, key=lambda a: a.effective_from):
        base = book.in_force(adoption.effective_from - ONE_DAY)
        book = book.with_version(carried_over(base, adoption.version, adoption.effective_from, adoption.changes))
    return book


class PolicyRegister(Aggregate):
    TOPIC = "policy:PolicyRegister"
    # The library's explicit-topic check needs the aggregate's event bases named here.
    Event = PolicyFact  # type: ignore[assignment]
    Created = PolicyRegisterOpened  # type: ignore[assignment]

    def __init__(self) -> None:
        self.facts: list[PolicyFact] = []
        # Books already built, by the number of facts known (a prefix of `facts`): the
        # service asks for the book on every command and answer.
        self._books: dict[int, tuple[PolicyBook, PolicyBook]] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> PolicyRegister:
        # Facts and books are immutable; a copy needs its own lists, so two commands working
        # on copies of one cached register never collect each other's events.
        clone = copy.copy(self)
        clone.facts = list(self.facts)
        clone._pending_events = list(self._pending_events)
        clone._books = dict(self._books)
        return clone

    @classmethod
    def open(cls, **stamp_fields: Any) -> PolicyRegister:
        """`stamp_fields`: `timestamp` (the recorded time), `idempotency_key`, `request_hash`, `recorded_by`."""
        return cls._create(PolicyRegisterOpened, id=POLICY_REGISTER_ID, **stamp_fields)

    def first_fact_with_key(self, key: str) -> PolicyFact | None:
        return next((f for f in self.facts if f.idempotency_key == key), None)

    def recorded_until(self) -> datetime | None:
        """The recorded time of the last fact."""
        return self.facts[-1].timestamp if self.facts else None

    def _adoptions(self) -> list[PolicyVersionAdopted]:
        return [f for f in self.facts if isinstance(f, PolicyVersionAdopted)]

    def _known(self, known_at: datetime | None) -> list[PolicyFact]:
        if known_at is None:
            return list(self.facts)
        return [f for f in self.facts if f.timestamp <= known_at]

    def _book_of(self, built_in: PolicyBook, known: Sequence[PolicyFact]) -> PolicyBook:
        count = len(known)
        # `known` keeps the facts' order, so it is a prefix exactly when its last is the count-th.
        prefix = count == 0 or known[-1] is self.facts[count - 1]
        cached = self._books.get(count) if prefix else None
        if cached is not None and cached[0] is built_in:
            return cached[1]
        book = _built(built_in, known)
        if prefix:
            self._books[count] = (built_in, book)
        return book

    # --- reading -----------------------------------------------------------------------------

    def book(self, built_in: PolicyBook, known_at: datetime | None = None) -> PolicyBook:
        """The policy book as known at `known_at` (None: everything recorded)."""
        return self._book_of(built_in, self._known(known_at))

    @staticmethod
    def built_in_listing(built_in: PolicyBook) -> list[VersionRecord]:
        return [VersionRecord(p.version, p.effective_from, None, None, None, p) for p in built_in.versions]

    def listing(self, built_in: PolicyBook, known_at: datetime | None = None) -> list[VersionRecord]:
        """Every version known at `known_at`, withdrawn ones too, in effective order and, within
        a date, built-in first, then in adoption order."""
        known = self._known(known_at)
        book = self._book_of(built_in, known)
        withdrawals = {f.version: (i, f) for i, f in enumerate(known) if isinstance(f, PolicyVersionWithdrawn)}
        records = self.built_in_listing(built_in)
        for adoption in (f for f in known if isinstance(f, PolicyVersionAdopted)):
            withdrawal = withdrawals.get(adoption.version)
            if withdrawal is None:
                records.append(VersionRecord(adoption.version, adoption.effective_from, adoption.timestamp, None,
                                             None, _version_in(book, adoption.version), adoption.changes,
                                             adopted_by=adoption.recorded_by))
                continue
            index, fact = withdrawal
            stood = _version_in(self._book_of(built_in, known[:index]), adoption.version)
            records.append(VersionRecord(adoption.version, adoption.effective_from, adoption.timestamp,
                                         fact.timestamp, fact.reason, stood, adoption.changes,
                                         adopted_by=adoption.recorded_by, withdrawn_by=fact.recorded_by))
        return sorted(records, key=lambda r: r.effective_from)

    # --- commands ----------------------------------------------------------------------------

    def adopt(self, version: str, effective_from: date, changes: Mapping[str, Any], built_in: PolicyBook,
              **stamp_fields: Any) -> Policy:
        """Adopt `version` from `effective_from`, stating only the values that change; the rest
        carries over from the version in force the day before. Returns its whole book."""
        if any(p.version == version for p in built_in.versions) or any(
                a.version == version for a in self._adoptions()):
            raise RuleViolation("version_exists", f"policy version {version!r} already exists; versions are never "
                                "edited: adopt one under another name", version=version)
        book = self.book(built_in)
        first = built_in.versions[0].effective_from
        problems: dict[str, str] = {}
        dated = isinstance(effective_from, date) and not isinstance(effective_from, datetime)
        if dated and effective_from < first:
            problems["effective_from"] = f"must be on or after {first}, when the built-in version takes effect"
        base = book.in_force(effective_from - ONE_DAY) if dated and not problems else book.versions[0]
        try:
            built = changed_policy(base, version, effective_from, changes)
        except InvalidPolicy as invalid:
            problems = {**invalid.problems, **problems}
        if problems:
            raise InvalidPolicy(problems)
        self.trigger_event(PolicyVersionAdopted, version=version, effective_from=effective_from,
                           changes=validated_changes(built, changes), **stamp_fields)
        return _version_in(self.book(built_in), version)

    def withdraw(self, version: str, reason: str, built_in: PolicyBook = DEFAULT_POLICY, **stamp_fields: Any) -> None:
        """Withdraw a version adopted in error: from now on it governs nothing, and the versions
        after it carry over from whatever is then in force the day before them."""
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidCommand("missing_field", "a withdrawal needs its reason", field="reason")
        if any(p.version == version for p in built_in.versions):
            raise RuleViolation("not_withdrawable", f"policy version {version!r} is built in and cannot be withdrawn",
                                version=version)
        if not any(a.version == version for a in self._adoptions()):
            raise PolicyVersionNotFound(version)
        if any(isinstance(f, PolicyVersionWithdrawn) and f.version == version for f in self.facts):
            raise RuleViolation("already_withdrawn", f"policy version {version!r} is already withdrawn",
                                version=version)
        self.trigger_event(PolicyVersionWithdrawn, version=version, reason=reason.strip(), **stamp_fields)
