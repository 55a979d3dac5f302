"""The application service: one method per command, each get, mutate, save.

Commands are judged by the aggregate; this layer supplies the clock, ids and storage,
retries a command a bounded number of times when another writer got to the member
first, and answers a repeated idempotency key with the first outcome.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from application.storage import storage_from_url
from application.transcodings import register_domain_transcodings
from domain.audit_selection import check_selection, draw, level_at
from domain.credential import Credential, Stamp, credential_id
from domain.errors import ConcurrentChange, IdempotencyKeyReused, MemberNotFound, RuleViolation
from domain.events import ActivityClaimed, AuditSelected, CredentialFact, CredentialOpened
from domain.policy import DEFAULT_POLICY, PolicyBook
from domain.rules import ActivityClaim
from domain.status import CredentialStatus, status_of

Clock = Callable[[], datetime]
ONE_MICROSECOND = timedelta(microseconds=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CommandOutcome:
    member_id: str
    status: CredentialStatus
    activity_id: str | None = None
    cecs_awarded: Decimal | None = None
    # True when an idempotency key matched: this is the first outcome, nothing was recorded.
    repeated: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    fact: CredentialFact
    status_after: CredentialStatus

    @property
    def type(self) -> str:
        return type(self.fact).__name__


@dataclass
class LevelSelection:
    level: str
    candidates: int
    selected: list[str] = field(default_factory=list)


@dataclass
class AuditSelectionReport:
    renewal_year: int
    rate: Decimal
    seed: str
    selected_on: date
    levels: list[LevelSelection] = field(default_factory=list)
    recorded: int = 0

    @property
    def selected(self) -> list[str]:
        return [member for level in self.levels for member in level.selected]


@dataclass
class SweepReport:
    as_of: date
    members: int = 0
    recorded: int = 0


def project_credential(credential: Credential | None, facts: Iterable[CredentialFact]) -> Credential | None:
    """Apply stored facts in order. The library's default projector checks every event against
    a runtime-checkable Protocol, which costs more than applying it (most of a cold read)."""
    for fact in facts:
        credential = fact.mutate(credential)
    return credential


def request_fingerprint(command: str, **arguments: Any) -> str:
    body = json.dumps({"command": command, **arguments}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


class CredentialService(Application):
    name = "credentials"
    max_attempts = 5

    def __init__(self, env: dict[str, str] | None = None, *, database_url: str | None = None,
                 policy: PolicyBook = DEFAULT_POLICY, clock: Clock = utc_now) -> None:
        settings = {
            **storage_from_url(database_url).settings,
            "AGGREGATE_CACHE_MAXSIZE": "20000",
            "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
        }
        settings.update(env or {})
        self.policy = policy
        self.clock = clock
        super().__init__(settings)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    # --- reading -------------------------------------------------------------------

    def today(self) -> date:
        return self.clock().date()

    def credential(self, member_id: str, *, for_change: bool = False) -> Credential:
        try:
            return self.repository.get(credential_id(member_id), projector_func=project_credential,
                                       deepcopy_from_cache=for_change)
        except AggregateNotFoundError:
            raise MemberNotFound(member_id) from None

    def _find(self, member_id: str) -> Credential | None:
        try:
            return self.credential(member_id, for_change=True)
        except MemberNotFound:
            return None

    def status(self, member_id: str, on: date | None = None, known_at: datetime | None = None) -> CredentialStatus:
        credential = self.credential(member_id)
        return status_of(credential.history, on or self.today(), known_at, self.policy)

    def history(self, member_id: str) -> list[HistoryEntry]:
        facts = self.credential(member_id).history
        return [
            HistoryEntry(fact, status_of(facts[: index + 1], fact.effective_on, None, self.policy))
            for index, fact in enumerate(facts)
        ]

    def member_ids(self) -> Iterator[str]:
        """Every member with a credential, in the order they were first recorded."""
        return (opened.member_id for opened in self.openings())

    def openings(self) -> Iterator[CredentialOpened]:
        """Every credential's opening fact (member id and name), in the order first recorded;
        read from the notifications of that one topic, so no history is loaded."""
        start, page = 1, 500
        while True:
            notifications = self.recorder.select_notifications(start, page, topics=[CredentialOpened.TOPIC])
            for notification in notifications:
                opened = self.mapper.to_domain_event(notification)
                assert isinstance(opened, CredentialOpened)
                yield opened
            if len(notifications) < page:
                return
            start = notifications[-1].id + 1

    # --- commands ------------------------------------------------------------------

    def certify(self, member_id: str, certification: str, certified_on: date, name: str | None = None,
                idempotency_key: str | None = None) -> CommandOutcome:
        def act(credential: Credential | None, stamp: Stamp) -> Credential:
            if credential is None:
                credential = Credential.open(member_id, name, certified_on, stamp)
            credential.certify(certification, certified_on, self.policy, stamp)
            return credential

        fingerprint = request_fingerprint("certify", certification=certification, on=certified_on, name=name)
        return self._command(member_id, idempotency_key, fingerprint, act, creates=True)

    def claim_activity(self, member_id: str, claim: ActivityClaim,
                       idempotency_key: str | None = None) -> CommandOutcome:
        activity_id = uuid4().hex

        def act(credential: Credential | None, stamp: Stamp) -> Credential:
            assert credential is not None
            credential.claim_activity(activity_id, claim, self.policy, stamp)
            return credential

        fingerprint = request_fingerprint("claim_activity", **vars(claim))
        return self._command(member_id, idempotency_key, fingerprint, act)

    def submit_renewal(self, member_id: str, submitted_on: date, fee_paid: Decimal | None = None,
                       idempotency_key: str | None = None) -> CommandOutcome:
        def act(credential: Credential | None, stamp: Stamp) -> Credential:
            assert credential is not None
            credential.submit_renewal(submitted_on, fee_paid, self.policy, stamp)
            return credential

        fingerprint = request_fingerprint("submit_renewal", on=submitted_on, fee_paid=fee_paid)
        return self._command(member_id, idempotency_key, fingerprint, act)

    def select_for_audit(self, member_id: str, selected_on: date, seed: str | None = None,
                         rate: Decimal | None = None, idempotency_key: str | None = None) -> CommandOutcome:
        def act(credential: Credential | None, stamp: Stamp) -> Credential:
            assert credential is not None
            credential.select_for_audit(selected_on, seed, rate, self.policy, stamp)
            return credential

        fingerprint = request_fingerprint("select_for_audit", on=selected_on, seed=seed, rate=rate)
        return self._command(member_id, idempotency_key, fingerprint, act)

    def review_documentation(self, member_id: str, received_on: date, rejected: Sequence[tuple[str, str]] = (),
                             replace_by: date | None = None, idempotency_key: str | None = None) -> CommandOutcome:
        def act(credential: Credential | None, stamp: Stamp) -> Credential:
            assert credential is not None
            credential.review_documentation(received_on, rejected, replace_by, self.policy, stamp)
            return credential

        fingerprint = request_fingerprint(
            "review_documentation", on=received_on, rejected=list(rejected), replace_by=replace_by
        )
        return self._command(member_id, idempotency_key, fingerprint, act)

    def record_due_transitions(self, member_id: str, as_of: date) -> int:
        recorded = 0

        def act(credential: Credential | None, stamp: Stamp) -> Credential:
            nonlocal recorded
            assert credential is not None
            recorded = credential.record_due_transitions(as_of, self.policy, stamp)
            return credential

        self._command(member_id, None, None, act)
        return recorded

    def sweep(self, as_of: date) -> SweepReport:
        """Record every MarkedInactive and Invalidated due up to `as_of`, past ones too."""
        report = SweepReport(as_of)
        for member_id in self.member_ids():
            report.members += 1
            report.recorded += self.record_due_transitions(member_id, as_of)
        return report

    def select_audits(self, renewal_year: int, rate: Decimal, seed: str, selected_on: date | None = None,
                      idempotency_key: str | None = None) -> AuditSelectionReport:
        """Draw a reproducible sample of `renewal_year`'s renewals, separately per level.

        The draw depends only on (seed, rate, year, the renewals of that year), so running
        it again selects the same members and records nothing new. Under an idempotency key
        each member's selection is recorded under "<key>:<member>", so a repeated request
        answers exactly as the first did, `recorded` included.
        """
        selected_on = selected_on or self.today()
        check_selection(renewal_year, rate, selected_on)
        report = AuditSelectionReport(renewal_year, rate, seed, selected_on)
        for level, members in sorted(self._renewals_by_level(renewal_year).items()):
            chosen = draw(sorted(members), rate, f"{seed}:{renewal_year}:{level}")
            report.levels.append(LevelSelection(level, len(members), chosen))
            for member_id in chosen:
                member_key = None if idempotency_key is None else f"{idempotency_key}:{member_id}"
                if self._select_drawn(member_id, report, member_key):
                    report.recorded += 1
        return report

    def _renewals_by_level(self, renewal_year: int) -> dict[str, list[str]]:
        """Members who renewed in `renewal_year`, grouped by the level of that renewal."""
        by_level: dict[str, list[str]] = {}
        for member_id in self.member_ids():
            credential = self.credential(member_id)
            renewal = credential.renewal_to_audit(date(renewal_year + 1, 1, 1))
            if renewal is None:
                continue
            level = level_at(credential, renewal.effective_on, self.policy)
            if level is not None:
                by_level.setdefault(level, []).append(member_id)
        return by_level

    def _select_drawn(self, member_id: str, report: AuditSelectionReport, key: str | None) -> bool:
        """Select one drawn member; False when an earlier or concurrent draw selected them."""
        credential = self.credential(member_id)
        repeat = key is not None and credential.first_fact_with_key(key) is not None
        if not repeat and any(
            isinstance(f, AuditSelected) and f.renewal_submitted_on.year == report.renewal_year
            for f in credential.history
        ):
            return False
        try:
            # A repeat goes through the command too: it checks the key was used for this same draw.
            self.select_for_audit(member_id, report.selected_on, report.seed, report.rate, idempotency_key=key)
        except RuleViolation as refusal:
            if refusal.code != "already_selected":
                raise
            return False
        return True

    # --- the command loop ----------------------------------------------------------

    def _recorded_at(self, credential: Credential | None) -> datetime:
        # Recorded times never go backwards within a member, so "known at T" is always
        # a prefix of the member's facts, even if server clocks disagree.
        now = self.clock()
        if credential is not None and credential.history and now <= credential.history[-1].timestamp:
            return credential.history[-1].timestamp + ONE_MICROSECOND
        return now

    def _command(self, member_id: str, key: str | None, fingerprint: str | None,
                 act: Callable[[Credential | None, Stamp], Credential], *, creates: bool = False) -> CommandOutcome:
        for _attempt in range(self.max_attempts):
            credential = self._find(member_id)
            if credential is None and not creates:
                raise MemberNotFound(member_id)
            if key is not None and credential is not None:
                prior = credential.first_fact_with_key(key)
                if prior is not None:
                    if prior.request_hash != fingerprint:
                        raise IdempotencyKeyReused(key)
                    return self._outcome(member_id, credential.history, prior, repeated=True)
            stamp = Stamp(self._recorded_at(credential), key, fingerprint)
            credential = act(credential, stamp)
            pending = credential.collect_events()
            if not pending:
                return CommandOutcome(member_id, self._status_at(credential.history, stamp.recorded_at))
            try:
                self.save(*pending)
            except IntegrityError:
                continue
            first = pending[0]
            assert isinstance(first, CredentialFact)
            return self._outcome(member_id, credential.history, first)
        raise ConcurrentChange(member_id)

    def _status_at(self, history: Sequence[CredentialFact], recorded_at: datetime) -> CredentialStatus:
        return status_of(history, recorded_at.date(), recorded_at, self.policy)

    def _outcome(self, member_id: str, history: Sequence[CredentialFact], fact: CredentialFact,
                 *, repeated: bool = False) -> CommandOutcome:
        status = self._status_at(history, fact.timestamp)
        if isinstance(fact, ActivityClaimed):
            return CommandOutcome(member_id, status, fact.activity_id, fact.cecs, repeated)
        return CommandOutcome(member_id, status, repeated=repeated)
