"""The status document: the answer to "what was the status on a day, as known at a time".

`CredentialStatus` is the one shape every reader of a status gets (the service, the API,
the reports, the timeline's current status), made from a fold by `describe`, so they all
round and word it alike. `status_of` is status as a pure function of (history, on-date,
known-at time, policy): the replay of `domain.replay`, described.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain import rules
from domain.continued_replay import ContinuedReplay
from domain.events import CredentialFact
from domain.fold import Fold
from domain.fold_state import Needed
from domain.policy import PolicyBook
from domain.reasons import reason_for
from domain.replay import replay
from domain.states import AuditState, Status


def tenths(cecs: Decimal) -> Decimal:
    return cecs.quantize(rules.TENTH)


@dataclass(frozen=True)
class CycleSummary:
    start: date
    end: date
    required_cecs: Decimal
    counted_cecs: Decimal
    claimed_cecs: Decimal


@dataclass(frozen=True)
class AuditSummary:
    selected_on: date
    proof_due_on: date
    state: AuditState
    cycle_end: date
    required_cecs: Decimal
    proven_cecs: Decimal
    documentation_received_on: date | None
    replace_by: date | None
    inactive_since: date | None
    closed_on: date | None


@dataclass(frozen=True)
class CredentialStatus:
    """The answer to "what was the status on `on`, as known at `known_at`"."""

    on: date
    known_at: datetime | None
    status: Status
    certifications: tuple[str, ...]
    level: str | None
    cycle: CycleSummary | None
    grace_ends_on: date | None
    audit: AuditSummary | None
    renewal_fee: Decimal | None
    reason: str
    since: date | None
    policy_version: str  # the version in force on `on`, among those known at `known_at`
    needed: Needed | None = None  # what the cycle owing a renewal still needs (rules.md section 12)


def describe(fold: Fold, on: date, known_at: datetime | None) -> CredentialStatus:
    held = fold.held_rules()
    top = rules.highest(held)
    cycle = fold.cycle
    audit = fold.audit
    return CredentialStatus(
        on=on,
        known_at=known_at,
        status=fold.status,
        certifications=tuple(c.code for c in held),
        level=top.code if top else None,
        cycle=None if cycle is None else CycleSummary(
            cycle.start,
            cycle.end,
            fold.cycle_required(cycle),
            tenths(fold.cycle_counted(cycle)),
            tenths(cycle.claimed()),
        ),
        grace_ends_on=fold.grace_ends_on(),
        audit=None if audit is None else AuditSummary(
            audit.selected_on, audit.proof_due_on, audit.state, audit.cycle.end, audit.required,
            tenths(audit.proven()), audit.documentation_received_on, audit.replace_by, audit.inactive_since,
            audit.closed_on,
        ),
        renewal_fee=fold.renewal_fee(on),
        reason=reason_for(fold),
        since=fold.since,
        policy_version=fold.book.in_force(on).version,
        needed=fold.needed(),
    )


def status_of(history: Sequence[CredentialFact], on: date, known_at: datetime | None,
              book: PolicyBook) -> CredentialStatus:
    return describe(replay(history, on, known_at, book), on, known_at)


def statuses_after(history: Sequence[CredentialFact],
                   book_at: Callable[[datetime | None], PolicyBook]) -> list[CredentialStatus]:
    """For each fact, the status on its business date as known right after it was recorded, under
    the book known then: `status_of(history[:i + 1], ...)` for each i, from one running fold that
    each fact continues (`ContinuedReplay`): a backdated fact from the last fold kept before its
    date, a correction from the first fact. A fact recorded at an earlier time than one before it
    is answered by `status_of` itself: what was known then is not a prefix of the history."""
    running = ContinuedReplay()
    statuses = []
    latest: datetime | None = None
    for index, fact in enumerate(history):
        known = history[: index + 1]
        book = book_at(fact.timestamp)
        if latest is not None and latest > fact.timestamp:  # recorded out of order: not a prefix
            statuses.append(status_of(known, fact.effective_on, fact.timestamp, book))
            continue
        latest = fact.timestamp
        statuses.append(describe(running.fold(known, fact.effective_on, book), fact.effective_on, fact.timestamp))
    return statuses
