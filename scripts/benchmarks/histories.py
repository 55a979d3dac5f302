"""Realistic member histories: recorded by the real commands in memory, then cloned under new
member ids and bulk-loaded into the store under test."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from eventsourcing.persistence import StoredEvent

from application.service import CredentialService
from benchmarks.target import Target
from domain.credential import credential_id
from domain.errors import RuleViolation
from domain.rules import ActivityClaim

TODAY = datetime.now(UTC).date()
FIRST_DAY = date(TODAY.year - 30, 1, 1)  # where the 300-event histories begin


class SetClock:
    """Recorded times follow the business dates, as if each fact were recorded the next day."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.now = datetime(1970, 1, 1, tzinfo=UTC)

    def set(self, day: date) -> None:
        self.now = max(self.now, datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + timedelta(days=1))

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def record_history(app: CredentialService, clock: SetClock, member: str, start: date, claims_per_year: int,
                   rng: random.Random) -> None:
    """Certify, claim activities through each cycle, renew each cycle, sometimes get audited."""
    clock.set(start)
    app.certify(member, "CPT", start, name=f"Member {member}")
    cycle_end = date(start.year + 3, 12, 31)
    step = 365 // claims_per_year
    day, renewed = start, False
    while True:
        day += timedelta(days=rng.randint(step // 2, step * 3 // 2))
        if day >= TODAY - timedelta(days=2):
            return
        if day > cycle_end:
            cycle_end, renewed = date(cycle_end.year + 3, 12, 31), False
            if rng.random() < 0.25 and day.month <= 10:
                clock.set(day)
                app.select_for_audit(member, day, seed="bench", rate=Decimal("0.25"))
                clock.set(day + timedelta(days=14))
                app.review_documentation(member, day + timedelta(days=14))
                day += timedelta(days=15)
        clock.set(day)
        app.claim_activity(member, ActivityClaim("acsm_workshop", f"Workshop on {day}", day,
                                                 hours=Decimal(rng.randint(6, 12))))
        if not renewed and day.year == cycle_end.year and day.month >= 7:
            try:
                app.submit_renewal(member, day)
            except RuleViolation:
                app.claim_activity(member, ActivityClaim("college_course", "Exercise physiology", day,
                                                         credit_hours=Decimal(3), grade="A"))
                app.submit_renewal(member, day)
            renewed = True


class Histories:
    """A few member histories made by the real commands, cloned under new member ids."""

    def __init__(self, seed: int) -> None:
        self.clock = SetClock()
        self.app = CredentialService(database_url="memory://", clock=self.clock)
        self.rng = random.Random(seed)
        self.templates: dict[str, list[list[StoredEvent]]] = {"short": [], "long": []}

    def make(self, kind: str, count: int, *, years: int = 20) -> None:
        for index in range(count):
            member = f"{kind}-template-{index}"
            if kind == "long":  # about 300 events: ten claims a year for thirty years
                start = FIRST_DAY.replace(month=self.rng.randint(1, 12), day=self.rng.randint(1, 28))
                record_history(self.app, self.clock, member, start, 10, self.rng)
            elif kind == "huge":  # about 150 events a year: 3,000 in twenty years
                start = date(TODAY.year - years, self.rng.randint(1, 12), self.rng.randint(1, 28))
                record_history(self.app, self.clock, member, start, 100, self.rng)
            else:  # tens of events: certified four to twelve years ago
                start = date(TODAY.year - self.rng.randint(4, 12), self.rng.randint(1, 12), self.rng.randint(1, 28))
                record_history(self.app, self.clock, member, start, self.rng.randint(3, 6), self.rng)
            self.clock.reset()
            self.templates.setdefault(kind, []).append(list(self.app.recorder.select_events(credential_id(member))))

    def clone(self, kind: str, member: str, index: int) -> list[StoredEvent]:
        template = self.templates[kind][index % len(self.templates[kind])]
        opened = self.app.mapper.transcoder.decode(template[0].state)
        opened["member_id"] = member
        state = self.app.mapper.transcoder.encode(opened)
        new_id = credential_id(member)
        return [StoredEvent(new_id, e.originator_version, e.topic, state if e.originator_version == 1 else e.state)
                for e in template]


def load(target: Target, service: CredentialService, histories: Histories, kind: str,
         members: Sequence[str]) -> None:
    """Store cloned histories. On PostgreSQL by COPY (notification ids from the column's
    sequence, as the recorder's inserts get them): the recorder's array inserts would take
    most of the two minutes on a million events. On SQLite through the recorder."""
    events = (event for index, member in enumerate(members) for event in histories.clone(kind, member, index))
    if target.backend == "postgres":
        columns = "originator_id, originator_version, topic, state"
        with target.connect() as conn, conn.cursor().copy(
                f"COPY {target.events_table(service)} ({columns}) FROM STDIN") as copy:
            for e in events:
                copy.write_row((e.originator_id, e.originator_version, e.topic, e.state))
        return
    batch: list[StoredEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) == 5000:
            service.recorder.insert_events(batch)
            batch = []
    service.recorder.insert_events(batch)
