"""Many members' histories, quickly: random commands judged by the real aggregate, stored in bulk.

Each member certifies, claims activities of every kind (some recorded months late), renews
in time, late or never, is sometimes audited and reviewed, passes the exam again after an
invalidation, and now and then has a sweep's transitions recorded. Refused commands are
simply not recorded, as in production. Events go to the store through the recorder in
batches, several members interleaved, so a member's events spread over many pages.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import StoredEvent

from application.service import CredentialService
from domain.credential import Credential, Stamp, credential_id
from domain.errors import CredentialError
from domain.events import CredentialFact
from domain.policy import DEFAULT_POLICY
from domain.rules import ActivityClaim
from domain.states import Status
from projections.store import ReadModels
from projections.tables import MEMBER_TABLES

BOOK = DEFAULT_POLICY
LAST_DAY = date(2026, 11, 27)  # the day before the tests' clock starts

CLAIMS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("acsm_workshop", {"hours": Decimal(8)}),
    ("acsm_workshop", {"hours": Decimal(15)}),
    ("conference", {"units": Decimal("1.5"), "provider": "NSCA"}),
    ("college_course", {"credit_hours": Decimal(3), "grade": "B", "evidence": "transcript"}),
    ("teaching", {"hours": Decimal(6), "course_id": "K101"}),
    ("lecturing", {"hours": Decimal("2.5"), "course_id": "L1"}),
    ("publication", {"evidence": "publication_copy"}),
    ("distance_education", {"hours": Decimal("3.5")}),
)


class Recorder:
    """Stamps facts with recorded times that never go backwards and are never before their date."""

    def __init__(self) -> None:
        self.now = datetime(2000, 1, 1, tzinfo=UTC)

    def stamp(self, business_date: date, late_days: int = 0) -> Stamp:
        day = business_date + timedelta(days=late_days)
        self.now = max(self.now + timedelta(minutes=1), datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
        return Stamp(self.now)


def random_history(member: str, rng: random.Random) -> Credential:
    recorder = Recorder()
    day = date(rng.randint(2006, 2024), rng.randint(1, 12), rng.randint(1, 28))
    first = rng.choice(["CPT", "CPT", "EP-C", "CES", "CIFT"])
    credential = Credential.open(member, f"Member {member}", day, recorder.stamp(day))
    credential.certify(first, day, BOOK, recorder.stamp(day))
    diligence = rng.random()  # how reliably this member earns CECs and renews
    while (day := day + timedelta(days=rng.randint(5, 110))) <= LAST_DAY:
        try:
            _act(credential, day, rng, diligence, recorder)
        except CredentialError:
            continue
    if rng.random() < 0.3:
        sweep_day = LAST_DAY - timedelta(days=rng.randint(0, 2000))
        credential.record_due_transitions(sweep_day, BOOK, recorder.stamp(LAST_DAY))
    return credential


def _act(credential: Credential, day: date, rng: random.Random, diligence: float, recorder: Recorder) -> None:
    fold = credential.replay(day, BOOK)
    roll = rng.random()
    if fold.status is Status.INVALID:
        if roll < 0.15:
            credential.certify(rng.choice(["CPT", "EP-C"]), day, BOOK, recorder.stamp(day))
        return
    if roll < diligence * 0.7:
        category, fields = rng.choice(CLAIMS)
        completed = day - timedelta(days=rng.choice([0, 0, 0, 3, 40]))
        late = rng.choice([0, 0, 0, 1, 90])
        claim = ActivityClaim(category, f"activity on {completed}", completed, **fields)
        credential.claim_activity(f"{credential.member_id}-{len(credential.history)}", claim, BOOK,
                                  recorder.stamp(completed, late))
    elif roll < 0.8:
        cycle = fold.cycle
        if cycle is not None and cycle.end.year == day.year or fold.in_grace:
            credential.submit_renewal(day, None, BOOK, recorder.stamp(day))
    elif roll < 0.86:
        credential.select_for_audit(day, "seed", Decimal("0.1"), BOOK, recorder.stamp(day))
    elif roll < 0.93 and fold.audit is not None:
        rejected = [(c.activity_id, "no proof") for c in fold.audit.cycle.credits[: rng.randint(0, 12)]
                    if not c.activity_id.startswith("certification:")]
        credential.review_documentation(day, rejected, None, BOOK, recorder.stamp(day))
    elif roll < 0.95:
        credential.certify(rng.choice(["CIFT", "CES", "RCEP", "PAPHS"]), day, BOOK, recorder.stamp(day))


def stored(mapper: Any, credential: Credential) -> list[StoredEvent]:
    return [mapper.to_stored_event(e) for e in credential.collect_events()]


def cloned(mapper: Any, template: Sequence[StoredEvent], member: str) -> list[StoredEvent]:
    """The same facts for another member: only the opening fact names the member."""
    opened = mapper.transcoder.decode(template[0].state)
    opened["member_id"] = member
    state = mapper.transcoder.encode(opened)
    new_id = credential_id(member)
    return [StoredEvent(new_id, e.originator_version, e.topic, state if e.originator_version == 1 else e.state)
            for e in template]


@functools.cache
def generated(members: int, seed: int, distinct: int = 300, prefix: str = "m") -> tuple[tuple[StoredEvent, ...], ...]:
    """`members` stored histories, of which `distinct` differ (the others are copies under other
    member ids: generating a history costs far more than storing it). The same on every backend."""
    mapper = CredentialService(database_url="memory://").mapper
    rng = random.Random(seed)
    names = [f"{prefix}{i:05d}" for i in range(members)]
    templates = [stored(mapper, random_history(name, rng)) for name in names[:distinct]]
    return tuple(tuple(templates[i] if i < distinct else cloned(mapper, templates[i % distinct], name))
                 for i, name in enumerate(names))


@functools.cache
def facts(members: int, seed: int, distinct: int = 300) -> list[list[CredentialFact]]:
    """The generated histories as facts, for the replaying report functions."""
    mapper = CredentialService(database_url="memory://").mapper
    return [[mapper.to_domain_event(e) for e in history] for history in generated(members, seed, distinct)]


def interleaved(histories: Sequence[Sequence[StoredEvent]], rng: random.Random, block: int = 100) -> list[StoredEvent]:
    """All events, each member's in version order, the members of each block of `block` members
    shuffled together (as staff record facts of many members over a period)."""
    events = []
    for start in range(0, len(histories), block):
        queues = [list(h) for h in histories[start:start + block]]
        order = [i for i, h in enumerate(queues) for _ in h]
        rng.shuffle(order)
        positions = [0] * len(queues)
        for i in order:
            events.append(queues[i][positions[i]])
            positions[i] += 1
    return events


def insert(service: CredentialService, events: Sequence[StoredEvent], batch: int = 2000) -> None:
    for start in range(0, len(events), batch):
        service.recorder.insert_events(events[start:start + batch])


def split(histories: Sequence[Sequence[StoredEvent]], rng: random.Random) -> tuple[list[list[StoredEvent]], ...]:
    """Each history cut at a random version: what is stored first, and what comes later."""
    cuts = [rng.randint(1, len(h)) for h in histories]
    return [list(h[:c]) for h, c in zip(histories, cuts)], [list(h[c:]) for h, c in zip(histories, cuts)]


def populate(service: CredentialService, members: int, seed: int, distinct: int = 300) -> None:
    rng = random.Random(seed)
    insert(service, interleaved(generated(members, seed, distinct), rng))


def snapshot(models: ReadModels) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every member table, in key order."""
    return {
        table.name: models.fetch(f"SELECT {', '.join(table.column_names)} FROM {{{table.name}}} "
                                 f"ORDER BY {', '.join(table.key)}", {})
        for table in MEMBER_TABLES
    }
