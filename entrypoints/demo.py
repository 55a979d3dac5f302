"""A small demo data set: members in each situation staff ask about, dated around today, and
recorded as a register learns them: over time, some facts late, one in error and withdrawn.

Dates are relative to the service's today, so the demo shows renewals due this year, a
grace period, an audit awaiting proof and so on whenever it is loaded, with the reminders a run
for today issues. Each fact is recorded on or after the day it happened, on the simulated clock
of the office that learned it (never after the real now), so "as known at" and the members'
revisions have something to show from the first run:

- Finn Passed (`demo-passed`) renewed on December 1 last year, but his payment was recorded
  only on January 6: as the register stood on January 1 he was inactive (in grace); as known
  now he was active all along. His revisions show it.
- Ben Multi (`demo-multi`) was recorded as a CES (level 3) when he had passed the CIFT, a
  specialty; the fact was withdrawn as recorded in error three weeks later: a correction, with
  its revision of his level.
- A policy version (next January 1, a $35 late fee) was adopted six weeks ago: the policy list
  as known at a time before then does not have it.
- Dan Late (`demo-late`) claimed his fifth workshop two years after completing it, on the day
  he renewed in grace.

The demo is loaded into an empty store only: never mixed into a register of real members
(`RegisterNotEmpty`), and loaded once (a second load records nothing).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from application.commands import (
    AdoptPolicyVersion,
    Certify,
    ClaimActivity,
    MemberCommand,
    ReviewDocumentation,
    SelectForAudit,
    SubmitRenewal,
    WithdrawFact,
)
from application.service import CredentialService
from domain.credential import DEMO
from domain.events import ActivityClaimed, Certified, RenewalSubmitted
from domain.rules import ActivityClaim

# The demo's facts are recorded by DEMO (domain.credential); the reminders of today's run are
# the run's, recorded by SYSTEM.

MEMBERS = {
    "demo-due": "Ada Due",
    "demo-multi": "Ben Multi",
    "demo-lapsing": "Cleo Lapsing",
    "demo-late": "Dan Late",
    "demo-audited": "Eve Audited",
    "demo-passed": "Finn Passed",
    "demo-awaiting": "Gus Awaiting",
    "demo-new": "Hana New",
}
POLICY = "policy"  # the policy register's facts, planned beside the members'
STORY_MEMBER = "demo-passed"
CORRECTED_MEMBER = "demo-multi"
# The exit status of `credentials demo` refused a store of other members: distinct from a refused
# command's 1, so a script serving whatever store it is given can let exactly this one pass.
REGISTER_NOT_EMPTY = 3
OFFICE_HOURS = time(9, tzinfo=UTC)  # when the office records a day's facts, unless it is not that late yet


class RegisterNotEmpty(Exception):
    """The store holds members that are not the demo's: the demo is never mixed into a real register."""

    def __init__(self, others: list[str]) -> None:
        self.others = others
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        super().__init__(f"the store already holds {len(others)} member(s) that are not the demo's ({shown}); "
                         "the demo is loaded only into an empty store, never into a register of real members")


@dataclass(order=True)
class _Step:
    recorded_at: datetime
    order: int
    command: Callable[[], MemberCommand | AdoptPolicyVersion] = field(compare=False)


class _Demo:
    """The demo's facts, each planned with the time the office recorded it, then recorded in that
    order on a clock set to it: recorded times never go backwards, per member or in the store."""

    def __init__(self, app: CredentialService) -> None:
        self.app = app
        self.now: datetime = app.clock()
        self.today: date = self.now.date()
        self.year = self.today.year
        self.steps: list[_Step] = []
        self.last: dict[str, datetime] = {}  # the latest planned recorded time of each member (and POLICY)

    def day(self, years_ago: int, month: int, day: int) -> date:
        return min(date(self.year - years_ago, month, day), self.today)

    def record(self, whose: str, happened: date, days_late: int,
               command: Callable[[], MemberCommand | AdoptPolicyVersion]) -> None:
        """Plan `command` (made when it is recorded, so it can name facts recorded before it), recorded
        `days_late` days after `happened` in office hours; never after now, nor before the previous fact
        of `whose` (a member, or `POLICY`)."""
        planned = min(datetime.combine(happened + timedelta(days=days_late), OFFICE_HOURS), self.now)
        planned = max(planned, self.last.get(whose, planned))
        self.last[whose] = planned
        self.steps.append(_Step(planned, len(self.steps), command))

    def fees_of_next_year(self) -> None:
        """A policy version adopted six weeks ago, in force from next January 1: "as known at" a time
        before its adoption, the policy list shows next year under this year's values. Only into a
        store whose policy register is still the built-in book, as a fresh one's is."""
        if self.app.policy_register() is not None:
            return
        takes_effect = date(self.year + 1, 1, 1)
        adoption = AdoptPolicyVersion(takes_effect.isoformat(), takes_effect, {"late_fee": "35.00"})
        self.record(POLICY, self.today - timedelta(days=42), 0, lambda: adoption)

    def fact(self, member_id: str, happened: date, days_late: int, command: MemberCommand) -> None:
        self.record(member_id, happened, days_late, lambda: command)

    def certify(self, member_id: str, code: str, on: date, days_late: int = 0) -> None:
        self.fact(member_id, on, days_late, Certify(member_id, code, on, name=MEMBERS[member_id]))

    def workshop(self, member_id: str, number: int, completed: date, hours: int, days_late: int) -> None:
        claim = ActivityClaim("acsm_workshop", f"Workshop {number}", completed, hours=Decimal(hours))
        self.fact(member_id, completed, days_late, ClaimActivity(member_id, claim))

    def workshop_days(self, first: date, count: int) -> list[date]:
        return [min(first + timedelta(days=75 * index), self.today) for index in range(count)]

    def workshops(self, member_id: str, first: date, count: int, hours: int = 10, days_late: int = 14) -> None:
        for number, on in enumerate(self.workshop_days(first, count), start=1):
            self.workshop(member_id, number, on, hours, days_late)

    def renewed_last_year(self, member_id: str, code: str, hours: int, renewal_days_late: int = 1) -> None:
        """Certified four years ago; renewed on December 1 of last year."""
        self.certify(member_id, code, self.day(4, 2, 10))
        self.workshops(member_id, self.day(3, 3, 1), 6, hours)
        renewed = self.day(1, 12, 1)
        self.fact(member_id, renewed, renewal_days_late, SubmitRenewal(member_id, renewed))

    def rejecting_first_claim(self, member_id: str, received_on: date) -> ReviewDocumentation:
        claims = [f for f in self.app.credential(member_id).history if isinstance(f, ActivityClaimed)]
        return ReviewDocumentation(member_id, received_on,
                                   rejected=((claims[0].activity_id, "the certificate does not name the member"),))

    def certification_fact(self, member_id: str, code: str) -> str:
        return next(f.fact_id for f in self.app.credential(member_id).history
                    if isinstance(f, Certified) and f.certification == code)

    def plan(self) -> None:
        today, year = self.today, self.year
        self.fees_of_next_year()
        audits_drawn = today >= date(year, 1, 10)

        self.certify("demo-due", "EP-C", self.day(3, 3, 15))
        self.workshops("demo-due", self.day(3, 6, 1), 4)
        taught = self.day(2, 9, 1)
        self.fact("demo-due", taught, 10, ClaimActivity("demo-due", ActivityClaim(
            "teaching", "Kinesiology 101", taught, hours=Decimal(20), course_id="KIN101", evidence="syllabus")))

        # A correction: the clerk picked CES (level 3) for the exam Ben passed, the CIFT (a specialty).
        self.certify("demo-multi", "CPT", self.day(3, 5, 10))
        passed = self.day(2, 6, 1)
        self.certify("demo-multi", "CES", passed)
        self.record("demo-multi", passed, 24, lambda: WithdrawFact(
            "demo-multi", self.certification_fact("demo-multi", "CES"),
            "recorded in error: the exam passed was the CIFT, not the CES"))
        self.certify("demo-multi", "CIFT", passed, days_late=24)
        self.certify("demo-multi", "PAPHS", self.day(2, 9, 1))
        self.workshops("demo-multi", self.day(2, 10, 1), 3, days_late=20)

        self.certify("demo-lapsing", "CPT", self.day(4, 1, 20))
        self.workshops("demo-lapsing", self.day(3, 2, 1), 3, days_late=7)

        # A workshop claimed long after it was completed: Dan sent its certificate with his late renewal.
        self.certify("demo-late", "CES", self.day(4, 2, 1))
        completed = self.workshop_days(self.day(3, 3, 5), 5)
        renewed = self.day(0, 1, 20)
        for number, on in enumerate(completed[:4], start=1):
            self.workshop("demo-late", number, on, 12, 14)
        self.workshop("demo-late", 5, completed[4], 12, (renewed - completed[4]).days)
        self.fact("demo-late", renewed, 0, SubmitRenewal("demo-late", renewed, fee_paid=Decimal("80.00")))

        self.renewed_last_year("demo-audited", "CPT", 8)
        if audits_drawn:
            selected = date(year, 1, 10)
            self.fact("demo-audited", selected, 0,
                      SelectForAudit("demo-audited", selected, seed="demo", rate=Decimal("0.05")))
            reviewed = min(date(year, 1, 25), today)
            self.record("demo-audited", reviewed, 2, partial(self.rejecting_first_claim, "demo-audited", reviewed))

        # The story: Finn renewed on December 1, but his payment was recorded only on January 6.
        renewal_recorded = date(year, 1, 6) - self.day(1, 12, 1)
        self.renewed_last_year("demo-passed", "RCEP", 11, renewal_days_late=renewal_recorded.days)
        if audits_drawn:
            selected = date(year, 1, 10)
            self.fact("demo-passed", selected, 0,
                      SelectForAudit("demo-passed", selected, seed="demo", rate=Decimal("0.05")))
            reviewed = min(date(year, 1, 30), today)
            self.fact("demo-passed", reviewed, 1, ReviewDocumentation("demo-passed", reviewed))

        self.renewed_last_year("demo-awaiting", "CPT", 8)
        if audits_drawn:
            selected = max(date(year, 1, 10), today - timedelta(days=10))
            self.fact("demo-awaiting", selected, 0,
                      SelectForAudit("demo-awaiting", selected, seed="demo", rate=Decimal("0.05")))

        self.certify("demo-new", "RCEP", today - timedelta(days=200))
        published = today - timedelta(days=30)
        self.fact("demo-new", published, 3, ClaimActivity("demo-new", ActivityClaim(
            "publication", "Accepted abstract", published, evidence="publication_copy")))
        course = today - timedelta(days=20)
        self.fact("demo-new", course, 12, ClaimActivity("demo-new", ActivityClaim(
            "college_course", "Exercise physiology", course, credit_hours=Decimal(3), grade="B+",
            evidence="transcript")))

    def load(self) -> None:
        self.plan()
        clock = _SetClock(self.now)
        with _clock(self.app, clock):
            for step in sorted(self.steps):
                clock.now = step.recorded_at
                self.app.execute(step.command(), recorded_by=DEMO)


class _SetClock:
    """A clock that reads what it is set to."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def _clock(app: CredentialService, clock: Callable[[], datetime]) -> Iterator[None]:
    """The service reads `clock` inside the block, its own clock again after it."""
    real = app.clock
    app.clock = clock
    try:
        yield
    finally:
        app.clock = real


def demo_state(app: CredentialService) -> tuple[list[str], list[str]]:
    """The store's demo members and its other members, in the order first recorded."""
    demo: list[str] = []
    others: list[str] = []
    for member_id in app.member_ids():
        (demo if member_id in MEMBERS else others).append(member_id)
    return demo, others


def load_demo(app: CredentialService) -> int:
    """Record the demo members into an empty store; returns how many were recorded: 0 if the demo
    is already loaded (whatever was recorded beside it since). Raises `RegisterNotEmpty`, recording
    nothing, if the store holds other members and not the demo's: a register of real members."""
    demo, others = demo_state(app)
    if demo:  # loaded before; members recorded beside it since are the demo store's own
        return 0
    if others:
        raise RegisterNotEmpty(others)
    _Demo(app).load()
    # Today's reminders, as the daily run would have issued them (on the real clock, by "system"): the
    # outbox and the members' histories show what a member was told.
    app.issue_reminders(app.today())
    return len(MEMBERS)


@dataclass(frozen=True)
class Story:
    """The demo's as-known-at example, read from the store: the late renewal of `STORY_MEMBER`."""

    member_id: str
    name: str
    renewed_on: date
    recorded_at: datetime
    on: date  # a day the late fact changed the answer for
    known_at: datetime  # a time before it was recorded
    status_then: str
    status_now: str


def story(app: CredentialService) -> Story | None:
    """The story as the store tells it; None if it has nothing to tell (the demo loaded on the
    day of the renewal's recording, before the office's hour)."""
    renewal = next((f for f in app.credential(STORY_MEMBER).history if isinstance(f, RenewalSubmitted)), None)
    if renewal is None:
        return None
    for revision in app.revisions(STORY_MEMBER):
        if revision.cause.fact_id != renewal.fact_id or not revision.changes:
            continue
        on = revision.changes[0].first
        known_at = max(datetime.combine(on, time(tzinfo=UTC)),
                       datetime.combine(renewal.timestamp.date(), time(tzinfo=UTC)) - timedelta(days=1))
        if known_at >= renewal.timestamp:
            return None
        then = app.status(STORY_MEMBER, on, known_at).status.value
        now = app.status(STORY_MEMBER, on).status.value
        return Story(STORY_MEMBER, MEMBERS[STORY_MEMBER], renewal.effective_on, renewal.timestamp, on, known_at,
                     then, now)
    return None


WHAT_TO_SEE = {
    "demo-due": "renewal due this year, a few CECs short",
    "demo-multi": "three certifications; a CES recorded in error and withdrawn: a correction",
    "demo-lapsing": "no renewal: grace, then invalid",
    "demo-late": "renewed late, in grace; a workshop claimed two years after it",
    "demo-audited": "audited: a claim rejected, replacement CECs due",
    "demo-passed": "audited and passed; his renewal was recorded five weeks late",
    "demo-awaiting": "audited: proof awaited",
    "demo-new": "certified this year",
}


def run_demo_command(app: CredentialService) -> int:
    """`credentials demo`: load the demo into an empty store and say what to look at; say so when it
    is already loaded (exit 0); refuse a register of other members (`REGISTER_NOT_EMPTY`), recording
    nothing."""
    try:
        recorded = load_demo(app)
    except RegisterNotEmpty as refused:
        print(f"credentials demo: {refused}. Point CREDENTIALS_DATABASE_URL at an empty store for the demo.",
              file=sys.stderr)
        return REGISTER_NOT_EMPTY
    if recorded:
        print(f"Loaded the demo: {recorded} members, their facts recorded as an office learned them over four "
              f"years, some late, one in error (recorded_by \"{DEMO}\").")
    else:
        demo, others = demo_state(app)
        beside = f", beside {len(others)} other member(s) recorded since" if others else ""
        partly = f" (only {len(demo)} of its {len(MEMBERS)} members: an earlier load was cut short)" \
            if len(demo) < len(MEMBERS) else ""
        print(f"The demo is already loaded{partly}{beside}: nothing recorded.")
    print()
    names = {opened.member_id: opened.name for opened in app.openings()}
    for member_id in (m for m in MEMBERS if m in names):
        status = app.status(member_id).status.value
        print(f"  {member_id:<14} {names[member_id] or '':<13} {status:<9} {WHAT_TO_SEE[member_id]}")
    told = story(app)
    if told is not None:
        asked = f"credentials status {told.member_id} --on {told.on.isoformat()}"
        then = f"{asked} --known-at {told.known_at.isoformat()}"
        print()
        print(f"What we knew then, what we know now: {told.name} renewed on {told.renewed_on.isoformat()}, "
              f"recorded on {told.recorded_at.date().isoformat()}.")
        print(f"  {then:<{len(then)}}   # {told.status_then}: as the register stood then")
        print(f"  {asked:<{len(then)}}   # {told.status_now}: as known now")
        print(f"  the Revisions on /dashboard/members/{told.member_id} show it, and the correction on "
              f"/dashboard/members/{CORRECTED_MEMBER}")
    return 0
