"""The application service: one handler per command (application/commands.py), each get, mutate, save.

Commands are judged by the aggregate; this layer supplies the clock, ids and storage,
retries a command a bounded number of times when another writer got to the member
first or the store's reply to its insert was lost (recording it exactly once: application/once.py),
and answers a repeated idempotency key with the first outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, overload
from uuid import UUID, uuid4

from eventsourcing.application import Application, LRUCache
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment, EnvType

from application.audit_draw import AuditDraw, AuditSelectionReport, LevelSelection
from application.commands import (
    AdoptPolicyVersion,
    AmendActivity,
    Certify,
    ClaimActivity,
    Command,
    DrawAuditSample,
    MemberCommand,
    ReportRoster,
    ReviewDocumentation,
    SelectForAudit,
    SubmitRenewal,
    WithdrawFact,
    WithdrawPolicyVersion,
)
from application.current import CurrentAggregates
from application.imports import RegisterImports
from application.once import LOST_REPLY, new_command_id, recorded
from application.policy_versions import PolicyVersions
from application.reminder_runs import ReminderRuns
from application.rosters import ProviderRosters, RosterReport
from application.session_revocations import SessionRevocations
from application.storage import DEFAULT_URL, storage_from_url
from application.transcodings import register_domain_transcodings
from application.what_if import WhatIfTrials
from domain.continued_replay import ContinuedReplay
from domain.corrections import voiding
from domain.credential import SYSTEM, Credential, Stamp, credential_id
from domain.document import CredentialStatus, describe, status_of, statuses_after
from domain.errors import ConcurrentChange, IdempotencyKeyReused, MemberNotFound
from domain.events import ActivityClaimed, CredentialFact, CredentialOpened
from domain.policy import DEFAULT_POLICY, PolicyBook
from domain.policy_register import POLICY_REGISTER_ID, PolicyRegister, VersionRecord
from domain.revisions import Revision, revisions
from domain.rules import ActivityClaim
from domain.running_revisions import member_revisions

Clock = Callable[[], datetime]


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


__all__ = ["AuditSelectionReport", "CommandOutcome", "CredentialService", "HistoryEntry", "LevelSelection",
           "RecordedFact"]


@dataclass(frozen=True)
class RecordedFact:
    """A fact as the history and the export list it."""

    fact: CredentialFact
    # The withdrawal or amendment that voided the fact, as known now; None while it stands.
    withdrawn_by: str | None

    @property
    def fact_id(self) -> str:
        return self.fact.fact_id

    @property
    def type(self) -> str:
        return type(self.fact).__name__


@dataclass(frozen=True)
class HistoryEntry(RecordedFact):
    status_after: CredentialStatus


@dataclass(frozen=True)
class HistoryPage:
    name: str | None
    entries: list[HistoryEntry]
    next_after: str | None  # the fact id to ask for the next page after; None on the last page


# A history longer than this is given in pages unless a page size is asked for.
HISTORY_PAGE = 1_000

# The members whose replays are kept between commands (`ContinuedReplay`), the most recently
# commanded first: a kept replay holds a few copies of the member's fold, so they are fewer
# than the credentials cached for reading.
KEPT_REPLAYS = 2_000


@dataclass
class SweepReport:
    as_of: date
    members: int = 0
    recorded: int = 0


class CredentialService(CurrentAggregates, AuditDraw, PolicyVersions, WhatIfTrials, ReminderRuns, RegisterImports,
                        ProviderRosters, SessionRevocations, Application):
    name = "credentials"
    max_attempts = 5

    def __init__(self, env: dict[str, str] | None = None, *, database_url: str = DEFAULT_URL,
                 policy: PolicyBook = DEFAULT_POLICY, clock: Clock = utc_now) -> None:
        """`env` holds the library's own settings beyond the store's (pool sizes, cache), as tests
        and benchmarks tune them; the store comes from `database_url` (`Settings.database_url`)."""
        settings = {
            **storage_from_url(database_url).settings,
            "AGGREGATE_CACHE_MAXSIZE": "20000",
            # Cached aggregates are brought up to date by `current` (one query for a credential and
            # the policy register), never in place; the library only caches what it saves.
            "AGGREGATE_CACHE_FASTFORWARD": "n",
        }
        settings.update(env or {})
        self.policy = policy
        self.clock = clock
        self.kept_replays: LRUCache[UUID, ContinuedReplay] = LRUCache(maxsize=KEPT_REPLAYS)
        super().__init__(settings)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """The library's settings are exactly the ones given: unlike the library's default, the
        process environment is not merged in (application.settings is its only reader)."""
        return Environment(name, {**type(self).env, **(env or {})})

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    # --- reading -------------------------------------------------------------------

    def today(self) -> date:
        return self.clock().date()

    def credential(self, member_id: str, *, for_change: bool = False) -> Credential:
        """The member's credential as stored now: shared with other readers, unless `for_change`."""
        (stored,) = self.current(credential_id(member_id))
        if stored is None:
            raise MemberNotFound(member_id)
        assert isinstance(stored, Credential)
        return deepcopy(stored) if for_change else stored

    def _stored(self, member_id: str) -> tuple[Credential | None, Callable[[datetime | None], PolicyBook]]:
        """The member's credential as stored now (shared: read it) and the policy book as known at any
        time, from one read of the store."""
        stored, register = self.current(credential_id(member_id), POLICY_REGISTER_ID)
        assert stored is None or isinstance(stored, Credential)
        assert register is None or isinstance(register, PolicyRegister)
        return stored, self.books_of(register)

    def _find(self, member_id: str) -> Credential | None:
        """The member's credential to change, judging on the replays kept for it."""
        stored, _ = self._stored(member_id)
        return self._for_change(stored)

    def _for_change(self, stored: Credential | None) -> Credential | None:
        if stored is None:
            return None
        credential = deepcopy(stored)
        self._keep_replays(credential)
        return credential

    def _keep_replays(self, credential: Credential) -> None:
        try:
            credential.keep_replays(self.kept_replays.get(credential.id))
        except KeyError:
            self.kept_replays.put(credential.id, credential.keep_replays())

    def status(self, member_id: str, on: date | None = None, known_at: datetime | None = None) -> CredentialStatus:
        stored, books = self._stored(member_id)
        if stored is None:
            raise MemberNotFound(member_id)
        on = on or self.today()
        if known_at is None:  # continued from the replays kept for the member, if it was commanded lately
            return describe(stored.replay(on, books(None)), on, None)
        return status_of(stored.history, on, known_at, books(known_at))

    def history(self, member_id: str) -> list[HistoryEntry]:
        """Every fact in recorded order, with the status on its business date as known right after
        it was recorded (under the policy book known then), and what voided it, as known now."""
        facts = self.credential(member_id).history
        return self._entries(facts, 0, len(facts))

    def history_page(self, member_id: str, after: int | None = None, limit: int | None = None) -> HistoryPage:
        """The facts recorded after the fact `after` (its `fact_id`; None: from the first), at most
        `limit` of them; with no limit, all of them up to `HISTORY_PAGE`, else the first `HISTORY_PAGE`.
        Each status after a fact needs the facts before it, so they are folded from the first, once."""
        facts = self.credential(member_id).history
        start = min(after or 0, len(facts))  # fact ids are the facts' places, from 1
        end = min(len(facts), start + (limit or HISTORY_PAGE))
        if limit is None and len(facts) - start <= HISTORY_PAGE:
            end = len(facts)
        opened = facts[0] if facts and isinstance(facts[0], CredentialOpened) else None
        return HistoryPage(opened.name if opened is not None else None, self._entries(facts, start, end),
                           facts[end - 1].fact_id if end < len(facts) else None)

    def _entries(self, facts: Sequence[CredentialFact], start: int, end: int) -> list[HistoryEntry]:
        """The history's entries of `facts[start:end]`: what voided each, as known now, and the status
        after each, folded from the first fact (each needs the facts before it)."""
        voided = voiding(facts)
        statuses = statuses_after(facts[:end], self.books())
        return [HistoryEntry(fact, voided.voided_by(fact.fact_id), status)
                for fact, status in zip(facts[start:end], statuses[start:end], strict=True)]

    def revisions(self, member_id: str) -> list[Revision]:
        """Every change a recorded fact or policy version made to the member's answers for days
        before it was recorded, oldest first (rules.md section 10), from one running fold."""
        return member_revisions(self.credential(member_id).history, self.books(), self.policy_changes())[0]

    def revisions_recorded(self, recorded_from: datetime | None, recorded_to: datetime | None,
                           ) -> Iterator[tuple[str, Revision]]:
        """Every member's revisions recorded in [`recorded_from`, `recorded_to`), member by member,
        by replay of both sides of every moment: the reference the report table is held to."""
        changes, book_at = self.policy_changes(), self.books()
        for member_id in self.member_ids():
            history = self.credential(member_id).history
            for revision in revisions(history, book_at, changes, recorded_from=recorded_from,
                                      recorded_to=recorded_to):
                yield member_id, revision

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

    @overload
    def execute(self, command: MemberCommand, idempotency_key: str | None = None,
                recorded_by: str | None = None) -> CommandOutcome: ...

    @overload
    def execute(self, command: DrawAuditSample, idempotency_key: str | None = None,
                recorded_by: str | None = None) -> AuditSelectionReport: ...

    @overload
    def execute(self, command: AdoptPolicyVersion | WithdrawPolicyVersion,
                idempotency_key: str | None = None, recorded_by: str | None = None) -> VersionRecord: ...

    @overload
    def execute(self, command: ReportRoster, idempotency_key: str | None = None,
                recorded_by: str | None = None) -> RosterReport: ...

    def execute(self, command: Command,
                idempotency_key: str | None = None,
                recorded_by: str | None = None,
                ) -> CommandOutcome | AuditSelectionReport | VersionRecord | RosterReport:
        """Carry out `command` through its handler. A repeated `idempotency_key` answers the first
        outcome and records nothing; the key reused for a different command is refused. Every fact
        it records says it was recorded by `recorded_by` (who asked: a token's name, else its role)."""
        match command:
            case MemberCommand():
                return self._member_command(command, idempotency_key, recorded_by)
            case DrawAuditSample():
                return self._draw_audit_sample(command, idempotency_key, recorded_by)
            case AdoptPolicyVersion():
                return self._adopt_policy_version(command, idempotency_key, recorded_by)
            case WithdrawPolicyVersion():
                return self._withdraw_policy_version(command, idempotency_key, recorded_by)
            case ReportRoster():
                return self._report_roster(command, idempotency_key, recorded_by)
        raise TypeError(f"no handler for the command {type(command).__name__}")

    # Each named command only builds its dataclass for `execute`.

    def certify(self, member_id: str, certification: str, certified_on: date, name: str | None = None,
                idempotency_key: str | None = None,
                recorded_by: str | None = None) -> CommandOutcome:
        return self.execute(Certify(member_id, certification, certified_on, name), idempotency_key, recorded_by)

    def claim_activity(self, member_id: str, claim: ActivityClaim,
                       idempotency_key: str | None = None,
                       recorded_by: str | None = None) -> CommandOutcome:
        return self.execute(ClaimActivity(member_id, claim), idempotency_key, recorded_by)

    def submit_renewal(self, member_id: str, submitted_on: date, fee_paid: Decimal | None = None,
                       idempotency_key: str | None = None,
                       recorded_by: str | None = None) -> CommandOutcome:
        return self.execute(SubmitRenewal(member_id, submitted_on, fee_paid), idempotency_key, recorded_by)

    def select_for_audit(self, member_id: str, selected_on: date, seed: str | None = None,
                         rate: Decimal | None = None, idempotency_key: str | None = None,
                         recorded_by: str | None = None) -> CommandOutcome:
        return self.execute(SelectForAudit(member_id, selected_on, seed, rate), idempotency_key, recorded_by)

    def review_documentation(self, member_id: str, received_on: date, rejected: Sequence[tuple[str, str]] = (),
                             replace_by: date | None = None, idempotency_key: str | None = None,
                             recorded_by: str | None = None) -> CommandOutcome:
        return self.execute(ReviewDocumentation(member_id, received_on, tuple(rejected), replace_by), idempotency_key,
                            recorded_by)

    def select_audits(self, renewal_year: int, rate: Decimal, seed: str, selected_on: date | None = None,
                      idempotency_key: str | None = None,
                      recorded_by: str | None = None) -> AuditSelectionReport:
        return self.execute(DrawAuditSample(renewal_year, rate, seed, selected_on), idempotency_key, recorded_by)

    def withdraw(self, member_id: str, fact_id: str, reason: str, decided_on: date | None = None,
                 replace_by: date | None = None, idempotency_key: str | None = None,
                 recorded_by: str | None = None) -> CommandOutcome:
        return self.execute(WithdrawFact(member_id, fact_id, reason, decided_on, replace_by), idempotency_key,
                            recorded_by)

    def amend_activity(self, member_id: str, activity_id: str, claim: ActivityClaim, reason: str,
                       idempotency_key: str | None = None,
                       recorded_by: str | None = None) -> CommandOutcome:
        return self.execute(AmendActivity(member_id, activity_id, claim, reason), idempotency_key, recorded_by)

    def adopt_policy_version(self, version: str, effective_from: date, changes: Mapping[str, Any],
                             idempotency_key: str | None = None,
                             recorded_by: str | None = None) -> VersionRecord:
        return self.execute(AdoptPolicyVersion(version, effective_from, changes), idempotency_key, recorded_by)

    def withdraw_policy_version(self, version: str, reason: str,
                                idempotency_key: str | None = None,
                                recorded_by: str | None = None) -> VersionRecord:
        return self.execute(WithdrawPolicyVersion(version, reason), idempotency_key, recorded_by)

    # --- member commands: get, mutate, save (the loop is `_command`) ----------------------

    def _member_command(self, command: MemberCommand, key: str | None,
                        recorded_by: str | None = None) -> CommandOutcome:
        return self._command(command.member_id, key, command.fingerprint,
                             lambda credential, stamp, book: self._apply(command, credential, stamp.by(recorded_by),
                                                                         book),
                             creates=isinstance(command, Certify))

    def _apply(self, command: MemberCommand, credential: Credential | None, stamp: Stamp,
               book: PolicyBook | None = None) -> Credential:
        """Judge `command` by the aggregate's command method on `credential` (None: not opened
        yet, which only a certification may open) under `book` (default: the book known now);
        the facts it records are left pending."""
        book = book or self.book()
        if isinstance(command, Certify):
            if credential is None:
                credential = Credential.open(command.member_id, command.name, command.certified_on, stamp)
            credential.certify(command.certification, command.certified_on, book, stamp)
            return credential
        if credential is None:
            raise MemberNotFound(command.member_id)
        match command:
            case ClaimActivity():
                credential.claim_activity(uuid4().hex, command.claim, book, stamp)
            case SubmitRenewal():
                credential.submit_renewal(command.submitted_on, command.fee_paid, book, stamp)
            case SelectForAudit():
                credential.select_for_audit(command.selected_on, command.seed, command.rate, book, stamp)
            case ReviewDocumentation():
                credential.review_documentation(command.received_on, command.rejected, command.replace_by, book,
                                                stamp)
            case WithdrawFact():
                credential.withdraw(command.fact_id, command.reason, command.decided_on or stamp.recorded_at.date(),
                                    command.replace_by, stamp)
            case AmendActivity():
                credential.amend_activity(command.activity_id, command.claim, command.reason, book, stamp)
            case _:
                raise TypeError(f"no handler for the command {type(command).__name__}")
        return credential

    def record_due_transitions(self, member_id: str, as_of: date) -> int:
        recorded = 0

        def act(credential: Credential | None, stamp: Stamp, book: PolicyBook) -> Credential:
            nonlocal recorded
            assert credential is not None
            recorded = credential.record_due_transitions(as_of, book, stamp.by(SYSTEM))
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

    # --- the command loop ----------------------------------------------------------

    def _command(self, member_id: str, key: str | None, fingerprint: str | None,
                 act: Callable[[Credential | None, Stamp, PolicyBook], Credential], *,
                 creates: bool = False) -> CommandOutcome:
        """Judge and record one command, exactly once (application/once.py): its facts carry its command
        id (`key`, else one made here); after an insert whose outcome is unknown (a version conflict, a
        lost reply) the member is read again, and an attempt found recorded is answered as it would have
        been. Storage that fails every attempt raises its error, never `ConcurrentChange`."""
        command_id = key if key is not None else new_command_id()
        unsure: list[tuple[CredentialFact, CommandOutcome]] = []  # attempts that may have been recorded
        trouble: Exception | None = None  # the storage error of the last attempt, if that is how it failed
        for _attempt in range(self.max_attempts):
            stored, books = self._stored(member_id)
            for sent, answer in unsure:
                if stored is not None and recorded(stored.history, sent):
                    return answer
            credential = self._for_change(stored)
            if credential is None and not creates:
                raise MemberNotFound(member_id)
            if key is not None and credential is not None:
                prior = credential.first_fact_with_key(key)
                if prior is not None:
                    if prior.request_hash != fingerprint:
                        raise IdempotencyKeyReused(key)
                    prior_status = status_of(credential.history, prior.timestamp.date(), prior.timestamp,
                                             books(prior.timestamp))
                    return self._outcome(member_id, prior, prior_status, repeated=True)
            last = credential.history[-1].timestamp if credential is not None and credential.history else None
            stamp = Stamp.after(self.clock(), last, command_id, fingerprint)
            book = books(None)  # the command and its answer under one book
            opened = credential is None
            credential = act(credential, stamp, book)
            if opened:
                self._keep_replays(credential)
            pending = list(credential.pending_events)
            if not pending:
                return CommandOutcome(member_id, self._status_after(credential, stamp, book))
            first = pending[0]
            assert isinstance(first, CredentialFact)
            try:
                self.save(credential)  # and cached as saved
            except IntegrityError:
                # Another writer's facts, or (should anything below ever retry an insert) this one's.
                trouble = None
            except LOST_REPLY as error:
                trouble = error
            else:
                return self._outcome(member_id, first, self._status_after(credential, stamp, book))
            unsure.append((first, self._outcome(member_id, first, self._status_after(credential, stamp, book))))
        if trouble is not None:
            raise trouble
        raise ConcurrentChange(member_id)

    @staticmethod
    def _status_after(credential: Credential, stamp: Stamp, book: PolicyBook) -> CredentialStatus:
        """Its status from the replays that judged the command: its facts are the latest known."""
        on = stamp.recorded_at.date()
        return describe(credential.replay(on, book), on, stamp.recorded_at)

    @staticmethod
    def _outcome(member_id: str, fact: CredentialFact, status: CredentialStatus, *,
                 repeated: bool = False) -> CommandOutcome:
        if isinstance(fact, ActivityClaimed):
            return CommandOutcome(member_id, status, fact.activity_id, fact.cecs, repeated)
        return CommandOutcome(member_id, status, repeated=repeated)
