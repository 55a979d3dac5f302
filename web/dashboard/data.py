"""Where the staff pages get their data.

Reports come from the read-model tables, brought up to date first, exactly as /reports/*
answers them (web.services.answer_reports), and so do the members lists behind their counts
and the worklist of what is due.
Member pages read one member through the application service, as the member endpoints do, so
their as-of and known-at answers stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from application.service import HistoryEntry
from domain.corrections import activities_in_force
from domain.document import CredentialStatus, status_of
from domain.errors import MemberNotFound
from domain.events import ActivityClaimed, CredentialFact, CredentialOpened, ReminderIssued
from domain.fold import Transition
from domain.guards import withdrawable_facts
from domain.policy import PolicyBook
from domain.policy_register import VersionRecord
from domain.replay import replay
from domain.revisions import Revision
from domain.states import Status
from projections.answers import (
    AuditsReport,
    CecCategories,
    MemberFilter,
    MemberList,
    RenewalsDue,
    StatusCounts,
    WorklistItem,
)
from web.dashboard.moments import Moment, moments
from web.services import answer_reports, service


@dataclass(frozen=True)
class DashboardReports:
    status_counts: StatusCounts
    renewals_due: RenewalsDue
    audits: AuditsReport
    cec_categories: CecCategories


@dataclass(frozen=True)
class MemberRecord:
    member_id: str
    name: str | None
    status: CredentialStatus
    known_at: datetime  # the time the status is known at: the one asked, else now
    history: list[HistoryEntry]  # recorded order, CredentialOpened left out (its name is above)
    transitions: list[Transition]  # status changes up to the horizon, as known at `known_at`
    facts: list[CredentialFact]  # every recorded fact, the opening and the voided ones included
    revisions: list[Revision]  # oldest first
    moments: list[Moment]  # what the bitemporal picture draws
    lapsed: Lapsed | None = None  # what an invalid member held until it lapsed

    def activity(self, activity_id: str) -> ActivityClaimed | None:
        """The claim or amendment holding the activity's content now; None if none stands."""
        return self._activities.get(activity_id)

    @cached_property
    def _activities(self) -> dict[str, ActivityClaimed]:
        return activities_in_force(self.facts)


@dataclass(frozen=True)
class Lapsed:
    """The certifications an invalid member held the day before it became invalid: invalidation
    clears what is held, so the status answer lists none, while the recorded facts (and the
    timeline) still name them. The pages show these beside "none held", so the two agree."""

    certifications: tuple[str, ...]
    until: date  # the last day they were held


def lapsed(facts: Sequence[CredentialFact], status: CredentialStatus, known_at: datetime | None,
           book: PolicyBook) -> Lapsed | None:
    """For an invalid status that holds nothing: what was held the day before it began; else None."""
    if status.status is not Status.INVALID or status.certifications or status.since is None:
        return None
    until = status.since - timedelta(days=1)
    before = status_of(facts, until, known_at, book)
    return Lapsed(before.certifications, until) if before.certifications else None


def today() -> date:
    return service().today()


def now() -> datetime:
    return service().clock()


def dashboard_reports(on: date, year: int) -> DashboardReports:
    """The four reports of the dashboard: status counts on `on`; the yearly ones for `year`,
    as of today (as /reports/* answers them)."""
    as_of = service().today()
    return answer_reports(lambda queries: DashboardReports(
        queries.status_counts(on), queries.renewals_due(year, as_of), queries.audits(year, as_of),
        queries.cec_categories(year)))


def member_list(on: date, wanted: MemberFilter, offset: int, limit: int) -> MemberList:
    """The members `wanted` admits on `on`, with their status and level then, from the reports'
    tables as the dashboard's counts are: a page of `limit` from `offset`, by member id."""
    return answer_reports(lambda queries: queries.member_list(on, wanted, offset, limit))


def due(on: date, within: int, level: str | None) -> list[WorklistItem]:
    """The items of the worklist for `on` and `within` days, as /worklists/due answers it (the
    most urgent first), of the members at `level` on `on` (None: any)."""
    items = answer_reports(lambda queries: queries.worklist(on, within).items)
    return items if level is None else [item for item in items if item.level == level]


def reminders(facts: Iterable[CredentialFact]) -> list[ReminderIssued]:
    """The reminders issued to the member, by the day issued, then as recorded."""
    return sorted((f for f in facts if isinstance(f, ReminderIssued)), key=lambda f: (f.effective_on, f.timestamp))


def levels() -> list[str]:
    """Every certification code any version of the policy book names, by code."""
    return sorted({code for version in service().book().versions for code in version.certifications})


def member(member_id: str, on: date, known_at: datetime | None, horizon: date) -> MemberRecord:
    """One member as the member page shows them; MemberNotFound for an unknown id."""
    app = service()
    facts: list[CredentialFact] = list(app.credential(member_id).history)
    asked_at = known_at or app.clock()  # "now" read after the facts were, as the API does
    book = app.book(known_at)
    status = status_of(facts, on, known_at, book)
    return MemberRecord(
        member_id,
        name_of(facts),
        status,
        asked_at,
        [e for e in app.history(member_id) if not isinstance(e.fact, CredentialOpened)],
        list(replay(facts, horizon, known_at, book).transitions),
        facts,
        app.revisions(member_id),
        moments(facts, app.book, app.policy_changes()),
        lapsed(facts, status, known_at, book),
    )


def name_of(facts: Sequence[CredentialFact]) -> str | None:
    opened = next((f for f in facts if isinstance(f, CredentialOpened)), None)
    return opened.name if opened is not None else None


def category_choices(current: str | None = None) -> list[tuple[str, bool]]:
    """(category, accepted) for every category the book in force today names, by code, and
    `current` (if given) whatever the book says of it now."""
    app = service()
    policy = app.book().in_force(app.today())
    known = {**dict.fromkeys(policy.refused_categories, False), **dict.fromkeys(policy.categories, True)}
    if current:
        known.setdefault(current, False)
    return sorted(known.items())


def withdrawable(record: MemberRecord) -> list[HistoryEntry]:
    """The facts a withdrawal would accept now, by the domain's own rule (`withdrawable_facts`)."""
    accepted = {fact.fact_id for fact in withdrawable_facts(record.facts)}
    return [entry for entry in record.history if entry.fact_id in accepted]


def policy_versions(known_at: datetime | None) -> list[VersionRecord]:
    """Every version known at `known_at` (None: now), withdrawn ones too, in effective order."""
    return service().policy_versions(known_at)


def is_member(member_id: str) -> bool:
    try:
        service().credential(member_id)
    except MemberNotFound:
        return False
    return True
