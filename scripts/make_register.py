"""Make a register: a CSV file of member histories under the rules, to import (rules.md section 13).

    python scripts/make_register.py                                       # samples/register.csv, 300 members
    python scripts/make_register.py --members 50000 --out /tmp/reg.csv    # about 1,000,000 rows, ~20 s

The columns are the contract's (http-api.md, "Bringing records in"). Deterministic: the same
--seed and --until always write the same rows, and a member's rows do not depend on --members,
so a big register begins with the sample's members, refused rows included.

Each member's history follows the rules of the FAQ-era policy (domain/policy.py): a first
certification (CPT, EP-C, HFS before 2011, CES, RCEP, or a specialty alone) between 2000 and
--until; in each 3-year cycle activities of several categories, each with the cells its category
needs, counting more than the cycle's requirement; a renewal in the renewal window (now and then
late, in grace, with an activity completed in grace); sometimes another certification (a higher
level or a specialty); about one renewal in ten selected for audit the next year, its documentation
reviewed (some rejecting activity rows, some leaving the cycle short until a replacement activity,
some arriving late), or never sent (inactive, then invalid); some members who stop renewing
(inactive, then invalid), a share of whom pass the exam again years later. A few members' early
rows carry `recorded_at` (when the old register learned them: in the past, never going backwards).
About a third of the members have their rows in no particular order.

Besides, `REFUSED` rows, one per refusal code, that the import must refuse (samples/README.md
lists them): each is a row added to an otherwise valid history, so refusing it changes nothing
else. They need a few hundred members to find their hosts; with fewer, the ones without a host
are left out.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from domain.policy import FAQ_ERA
from domain.rules import add_months

COLUMNS = ("row_id", "member_id", "fact", "date", "name", "certification", "category", "title", "hours", "units",
           "provider", "credit_hours", "grade", "course_id", "published_on", "evidence", "fee_paid",
           "rejected_row_ids", "reason", "replace_by", "recorded_at")
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "register.csv"
UNTIL = date(2026, 9, 30)  # the sample's last business date: in the past for as long as it is used
FIRST = date(2000, 1, 1)
ONE_DAY = timedelta(days=1)

CERTS = FAQ_ERA.certifications
MAIN_LINE = ("CPT", "EP-C", "CES", "RCEP")  # by level; HFS is EP-C's name before 2011
SPECIALTIES = ("CIFT", "CET", "PAPHS")
FIRST_CERT = (("CPT", 45), ("EP-C", 20), ("CES", 10), ("RCEP", 5), ("CIFT", 8), ("CET", 7), ("PAPHS", 5))
FIRST_NAMES = ("Ada", "Ben", "Carla", "Dev", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jamal", "Kira", "Luis",
               "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Viktor", "Wen", "Yusuf",
               "Zoe", "Aiden", "Bea", "Chen", "Dana", "Emil")
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Novak", "Haddad", "Silva", "Kowalski", "Nguyen",
              "Brennan", "Adeyemi", "Fischer", "Rossi", "Sato", "Larsen", "Mendez", "Quist", "Park", "Dubois",
              "Ivanova", "Costa", "Walsh", "Iyer", "Berg", "Keller")
REJECTION_REASON = "the certificate does not show the member's name"


# --- facts -------------------------------------------------------------------------------------


@dataclass
class Fact:
    """One row: its business date and cells (by column); `row_id` is given when the member is written."""

    on: date
    cells: dict[str, str]
    row_id: str = ""
    refused: str = ""  # the code the import must refuse it with (samples/README.md), for REFUSED rows
    line: int = 0  # its line in the file (the header is line 1)
    names: list[Fact] = field(default_factory=list)  # the activity rows a documentation row rejects


def tenths(value: int) -> str:
    """A number of tenths as the register writes it: 75 -> "7.5", 80 -> "8"."""
    return str(value // 10) if value % 10 == 0 else f"{value // 10}.{value % 10}"


# (category, title, how its cells are drawn) -> (cells, CECs in tenths). Capped ones are apart.
def _workshop(rng: random.Random) -> tuple[dict[str, str], int]:
    hours = rng.choice((30, 40, 60, 75, 80))
    topic = rng.choice(("Resistance training for older adults", "Program design", "Exercise is Medicine",
                        "Behaviour change coaching", "Metabolic testing"))
    return {"category": "acsm_workshop", "title": f"ACSM workshop: {topic}", "hours": tenths(hours)}, hours


def _webinar(rng: random.Random) -> tuple[dict[str, str], int]:
    hours = rng.choice((10, 15, 20))
    topic = rng.choice(("Heat illness", "Concussion return to play", "Hypertension update", "Sleep and recovery"))
    return {"category": "acsm_workshop", "title": f"ACSM webinar: {topic}", "hours": tenths(hours)}, hours


def _provider(rng: random.Random) -> tuple[dict[str, str], int]:
    provider = rng.choice(("NASM", "ACE", "NSCA", "AFAA", "Cooper Institute"))
    course = rng.choice(("Corrective exercise", "Youth conditioning", "Nutrition coaching", "Mobility"))
    cells = {"category": "approved_provider", "title": f"{course} ({provider})", "provider": provider}
    if provider in ("NASM", "ACE", "NSCA"):  # the decimal system: 0.1 unit = 1 CEC
        units = rng.randint(5, 20)
        cells["units"] = f"{units // 10}.{units % 10}"
        return cells, units * 10
    if provider == "AFAA":  # 1.0 = 1.0
        units = rng.randint(2, 8)
        cells["units"] = str(units)
        return cells, units * 10
    hours = rng.choice((40, 60, 80))
    cells["hours"] = tenths(hours)
    return cells, hours


def _conference(rng: random.Random) -> tuple[dict[str, str], int]:
    hours = rng.choice((80, 100, 120, 150, 180))
    name = rng.choice(("ACSM Annual Meeting", "ACSM Health & Fitness Summit", "Regional chapter conference",
                       "Specialty conference on exercise oncology"))
    return {"category": "conference", "title": name, "hours": tenths(hours)}, hours


def _distance(rng: random.Random) -> tuple[dict[str, str], int]:
    hours = rng.choice((20, 30, 40, 50))
    return {"category": "distance_education", "title": "Online course: exercise testing", "hours": tenths(hours),
            "provider": "ACSM"}, hours


def _training(rng: random.Random) -> tuple[dict[str, str], int]:
    provider, title = rng.choice((("Zumba", "Zumba instructor training"), ("Wellcoaches", "Coach training"),
                                  ("Yoga Alliance", "Yoga teacher module")))
    hours = rng.choice((80, 120, 160))
    return {"category": "training_course", "title": title, "provider": provider, "hours": tenths(hours)}, hours


def _college(rng: random.Random) -> tuple[dict[str, str], int]:
    credit_hours = rng.randint(1, 4)
    course = rng.choice(("Exercise Physiology II", "Biomechanics", "Sports Nutrition", "Motor Learning"))
    grade = rng.choice(("A+", "A", "A-", "B+", "B", "B-", "C+", "C"))
    return {"category": "college_course", "title": course, "credit_hours": str(credit_hours), "grade": grade,
            "evidence": "transcript"}, credit_hours * 100


def _publication(rng: random.Random) -> tuple[dict[str, str], int]:
    title = rng.choice(("Article: interval training in cardiac rehabilitation", "Book chapter: group exercise",
                        "Accepted abstract: step counts in older adults"))
    return {"category": "publication", "title": title, "evidence": "publication_copy"}, 100


def _small(rng: random.Random) -> tuple[dict[str, str], int]:
    category, title = rng.choice((("grand_rounds", "Grand rounds: heart failure"),
                                  ("professional_meeting", "State professional meeting"),
                                  ("acls_course", "ACLS provider course"),
                                  ("scientific_roundtable", "Scientific roundtable")))
    hours = rng.choice((20, 40, 60))
    return {"category": category, "title": title, "hours": tenths(hours)}, hours


KINDS: tuple[tuple[Callable[[random.Random], tuple[dict[str, str], int]], int], ...] = (
    (_workshop, 20), (_webinar, 4), (_provider, 22), (_conference, 18), (_distance, 6), (_training, 8),
    (_college, 9), (_publication, 4), (_small, 5),
)
KIND_CHOICES = [kind for kind, weight in KINDS for _ in range(weight)]
SELF_TESTS = (("hfj_self_test", "Health & Fitness Journal self-test"),
              ("certified_news_self_test", "ACSM Certified News self-test"))


def self_test(rng: random.Random, on: date) -> tuple[dict[str, str], int]:
    category, title = rng.choice(SELF_TESTS)
    published = on - timedelta(days=rng.randint(5, 300))
    return {"category": category, "title": f"{title} (issue of {published:%Y-%m})",
            "published_on": published.isoformat()}, 40


# --- a member's history ------------------------------------------------------------------------


@dataclass
class Cycle:
    start: date
    end: date
    required: int  # tenths
    renewed_on: date | None = None
    late: bool = False
    lapsed: bool = False  # never renewed: invalid after grace
    activities: list[tuple[Fact, int]] = field(default_factory=list)  # counted toward it, uncapped (tenths)
    teaching: list[Fact] = field(default_factory=list)
    activity_from: date = FIRST
    activity_to: date = FIRST  # the last day an ordinary activity of it was placed in
    renewal: Fact | None = None

    @property
    def uncapped(self) -> int:
        return sum(cecs for _, cecs in self.activities)


@dataclass
class Audit:
    selected_on: date
    documentation: Fact | None
    renewal: Fact


@dataclass
class Member:
    index: int
    member_id: str
    name: str
    facts: list[Fact] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    audits: list[Audit] = field(default_factory=list)
    invalid: list[tuple[date, date]] = field(default_factory=list)  # [from, to] with no certification in force
    recorded: bool = False  # its early rows carry recorded_at
    shuffled: bool = False
    until: date = UNTIL


class History:
    """Draws one member's facts, cycle by cycle, with its own random generator."""

    def __init__(self, index: int, seed: int, until: date) -> None:
        self.rng = random.Random(f"{seed}:{index}")
        self.until = until
        rng = self.rng
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        self.member = Member(index, f"M{index + 1:06d}", name, until=until)
        self.held: set[str] = set()
        self.blocked: list[tuple[date, date]] = []  # no ordinary activity there (an audit is being settled)

    def day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max((last - first).days, 0)))

    def add(self, on: date, fact: str, **cells: str) -> Fact:
        made = Fact(on, {"member_id": self.member.member_id, "fact": fact, "date": on.isoformat(),
                         "name": self.member.name, **cells})
        self.member.facts.append(made)
        return made

    def certify(self, code: str, on: date) -> None:
        self.held.add(code)
        self.add(on, "certification", certification=code)

    def required(self) -> int:
        return max(int(CERTS[code].required_cecs) for code in self.held) * 10

    def fee(self, late: bool) -> int:
        fees = [int(CERTS[code].renewal_fee) for code in self.held]
        return max(fees) + 5 * (len(fees) - 1) + (25 if late else 0)

    def make(self) -> Member:
        rng, until = self.rng, self.until
        # The membership grew: more members certified of late (a density rising with time).
        span = (until - timedelta(days=200) - FIRST).days
        certified_on = FIRST + timedelta(days=int(span * rng.random() ** 0.5))
        code = rng.choice([c for c, weight in FIRST_CERT for _ in range(weight)])
        if code == "EP-C" and certified_on.year < 2011:
            code = "HFS"
        self.certify(code, certified_on)
        cycle: Cycle | None = Cycle(certified_on, date(certified_on.year + 3, 12, 31), 0, activity_from=certified_on)
        while cycle is not None:
            cycle = self.run(cycle)
        return self.member

    def run(self, cycle: Cycle) -> Cycle | None:
        """Draw `cycle`'s facts; the next cycle, or None when the history ends."""
        rng, until = self.rng, self.until
        self.member.cycles.append(cycle)
        grace_end = date(cycle.end.year + 1, 6, 30)
        window = date(cycle.end.year, 1, 1)
        if cycle.end >= until:  # still running
            fate = "renew" if until >= window + timedelta(days=30) and rng.random() < 0.65 else "running"
        elif grace_end >= until:  # in grace now
            fate = "late" if until >= cycle.end + timedelta(days=20) and rng.random() < 0.5 else "running"
        else:
            roll = rng.random()
            fate = "lapse" if roll < 0.07 else "late" if roll < 0.19 else "renew"
        if fate == "renew":
            renewal_on = min(self.day(max(window, cycle.activity_from + timedelta(days=200)), min(cycle.end, until)),
                             until)
        elif fate == "late":
            renewal_on = self.day(cycle.end + timedelta(days=20), min(grace_end, until))
        else:
            renewal_on = None
        last = renewal_on - ONE_DAY if renewal_on else min(cycle.end, until)
        if fate in ("renew", "late") and rng.random() < 0.1:
            self.another_certification(cycle, last)
        cycle.required = self.required()
        if fate == "late":  # the cycle's last activity is completed in grace, before the late renewal
            self.activities(cycle, cycle.required + rng.randint(0, 8) * 10, min(last, cycle.end), grace=last)
        elif fate == "renew":
            self.activities(cycle, cycle.required + rng.randint(0, 10) * 10, last)
        elif fate == "lapse":
            self.activities(cycle, rng.randint(0, cycle.required * 6 // 100) * 10, last, capped=False)
        else:
            length = max((cycle.end - cycle.activity_from).days, 1)
            elapsed = (min(until, cycle.end) - cycle.activity_from).days / length
            self.activities(cycle, int(cycle.required * elapsed * rng.uniform(0.5, 1.2)) // 10 * 10, last)
        if renewal_on is None:
            if fate == "lapse":
                return self.lapse(cycle, grace_end + ONE_DAY)
            return None
        late = fate == "late"
        fee = {"fee_paid": str(self.fee(late))} if rng.random() < 0.6 else {}
        cycle.renewal = self.add(renewal_on, "renewal", **fee)
        cycle.renewed_on, cycle.late = renewal_on, late
        following = Cycle(cycle.end + ONE_DAY, date(cycle.end.year + 3, 12, 31), 0,
                          activity_from=max(cycle.end, renewal_on) + ONE_DAY)
        if rng.random() < 0.1:
            invalid_from = self.audit(cycle, renewal_on)
            if invalid_from is not None:
                return self.lapse(cycle, invalid_from)
        return following

    def another_certification(self, cycle: Cycle, last: date) -> None:
        """A higher level or a specialty, earned during the cycle (not on its first day)."""
        top = max((MAIN_LINE.index("EP-C" if c == "HFS" else c) for c in self.held if c not in SPECIALTIES),
                  default=-1)
        choices = list(MAIN_LINE[top + 1:]) + [c for c in SPECIALTIES if c not in self.held]
        first = cycle.activity_from + timedelta(days=60)
        if choices and first < last:
            self.certify(self.rng.choice(choices), self.day(first, last))

    def activities(self, cycle: Cycle, target: int, last: date, *, capped: bool = True,
                   grace: date | None = None) -> None:
        """Ordinary activities in [cycle.activity_from, last] (outside the blocked spans) until their
        uncapped CECs reach `target`; the last of them on `grace` when given. Sometimes teaching or
        lecturing too, counted apart (the cap)."""
        rng = self.rng
        first = cycle.activity_from
        if last < first:
            return
        while cycle.uncapped < target:
            on = grace if grace is not None and cycle.uncapped + 200 >= target else self.free_day(first, last)
            if on is None:
                return
            cells, cecs = self_test(rng, on) if rng.random() < 0.08 else rng.choice(KIND_CHOICES)(rng)
            cycle.activities.append((self.add(on, "activity", **cells), cecs))
            cycle.activity_to = max(cycle.activity_to, on)
        if capped and rng.random() < 0.2:
            on = self.free_day(first, last)
            if on is not None:
                course = f"KIN-{rng.randint(100, 499)}"
                if rng.random() < 0.6:
                    cycle.teaching.append(self.add(on, "activity", category="teaching", title=f"Taught {course}",
                                                   hours=str(rng.randint(3, 12)), course_id=course,
                                                   evidence="syllabus"))
                else:
                    self.add(on, "activity", category="lecturing", title="Lecture at the state conference",
                             hours=rng.choice(("1", "1.5", "2")))

    def free_day(self, first: date, last: date) -> date | None:
        for _ in range(20):
            on = self.day(first, last)
            if not any(start <= on <= end for start, end in self.blocked):
                return on
        return None

    def audit(self, cycle: Cycle, renewal_on: date) -> date | None:
        """The renewal selected for audit the next year, and what follows; the day the member is
        invalid when the documentation never comes."""
        rng, until = self.rng, self.until
        selected_on = date(renewal_on.year + 1, rng.randint(1, 10), rng.randint(1, 28))
        if selected_on > until - timedelta(days=5):
            return None
        assert cycle.renewal is not None
        self.add(selected_on, "audit_selection")
        audit = Audit(selected_on, None, cycle.renewal)
        self.member.audits.append(audit)
        roll = rng.random()
        proof_due = selected_on + timedelta(days=30)
        if roll < 0.08:  # never sent: inactive from the day after proof was due, invalid a year later
            invalid_from = add_months(proof_due + ONE_DAY, 12)
            self.blocked.append((selected_on, invalid_from))
            return invalid_from
        late = roll < 0.15
        received_on = selected_on + timedelta(days=rng.randint(40, 150) if late else rng.randint(3, 28))
        if received_on > until:
            self.blocked.append((selected_on, until))
            return None
        surplus = cycle.uncapped - cycle.required
        cells: dict[str, str] = {}
        rejected: list[tuple[Fact, int]] = []
        settled = received_on
        if not late and roll < 0.35:  # one activity rejected, the cycle still meets its requirement
            rejected = [a for a in cycle.activities if a[1] <= surplus][:1]
        elif not late and roll < 0.45:  # rejections leave it short: a replacement activity follows
            for activity in sorted(cycle.activities, key=lambda a: -a[1]):
                rejected.append(activity)
                if cycle.uncapped - sum(c for _, c in rejected) < cycle.required:
                    break
            replace_by = received_on + timedelta(days=60 if rng.random() < 0.5 else 90)
            if replace_by == received_on + timedelta(days=60):
                cells["replace_by"] = replace_by.isoformat()
            replaced_on = received_on + timedelta(days=rng.randint(10, 50))
            if replaced_on <= until:
                short = cycle.required - (cycle.uncapped - sum(c for _, c in rejected))
                self.add(replaced_on, "activity", category="college_course", title="Replacement: Kinesiology",
                         credit_hours=str(-(-short // 100)), grade="B", evidence="transcript")
                settled = replaced_on
            else:
                settled = until
        if rejected:
            cells.update(rejected_row_ids="", reason=REJECTION_REASON)
        audit.documentation = self.add(received_on, "documentation", **cells)
        audit.documentation.names = [fact for fact, _ in rejected]
        self.blocked.append((selected_on, settled))
        return None

    def lapse(self, cycle: Cycle, invalid_from: date) -> Cycle | None:
        """Invalid from `invalid_from`; some pass the exam again years later (a new first cycle)."""
        rng, until = self.rng, self.until
        cycle.lapsed = cycle.renewed_on is None
        if invalid_from > until:
            return None
        retaken = invalid_from + timedelta(days=rng.randint(60, 1800))
        if rng.random() < 0.35 and retaken <= until - timedelta(days=60):
            self.member.invalid.append((invalid_from, retaken - ONE_DAY))
            main = [c for c in self.held if c not in SPECIALTIES]
            code = max(main, key=lambda c: MAIN_LINE.index("EP-C" if c == "HFS" else c)) if main else \
                min(self.held)
            self.held = set()
            self.blocked = []
            self.certify(code, retaken)
            return Cycle(retaken, date(retaken.year + 3, 12, 31), 0, activity_from=retaken)
        self.member.invalid.append((invalid_from, until))
        return None


def member_history(index: int, seed: int, until: date) -> Member:
    history = History(index, seed, until)
    member = history.make()
    rng = history.rng
    member.facts.sort(key=lambda f: f.on)  # business order (stable: a day's facts as drawn)
    member.recorded = rng.random() < 0.03
    member.shuffled = rng.random() < 0.33
    return member


# --- rows that must be refused -----------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    code: str
    why: str
    # the host's fact made, or None when the member cannot host it
    make: Callable[[Member, random.Random], Fact | None]


def _active_day(member: Member, rng: random.Random) -> tuple[Cycle, date] | None:
    """A day in a renewed cycle, before its renewal and outside any audit."""
    renewed = [c for c in member.cycles if c.renewed_on is not None and not member.audits
               and (c.renewed_on - c.activity_from).days > 60]
    if not renewed:
        return None
    cycle = renewed[0]
    assert cycle.renewed_on is not None
    days = (cycle.renewed_on - cycle.activity_from).days
    return cycle, cycle.activity_from + timedelta(days=rng.randint(1, days - 2))


def _activity(on: date, **cells: str) -> Fact:
    return Fact(on, {"fact": "activity", "date": on.isoformat(), **cells})


def _before_certification(member: Member, rng: random.Random) -> Fact | None:
    if not member.recorded:
        return None
    on = member.facts[0].on - timedelta(days=rng.randint(30, 200))
    return _activity(on, category="acsm_workshop", title="ACSM workshop: preparing for the CPT exam", hours="8")


def _cpr(member: Member, rng: random.Random) -> Fact | None:
    found = _active_day(member, rng)
    return found and _activity(found[1], category="cpr", title="CPR/AED recertification", hours="4")


def _grade(member: Member, rng: random.Random) -> Fact | None:
    found = _active_day(member, rng)
    return found and _activity(found[1], category="college_course", title="Statistics for health sciences",
                               credit_hours="3", grade="D", evidence="transcript")


def _insufficient(member: Member, rng: random.Random) -> Fact | None:
    lapsed = [c for c in member.cycles if c.lapsed and c.end.year >= 2013]
    if not lapsed or member.recorded:
        return None
    cycle = lapsed[0]
    first = max(date(cycle.end.year, 1, 1), cycle.activity_to + ONE_DAY)
    on = first + timedelta(days=rng.randint(0, max((cycle.end - first).days, 0)))
    return Fact(on, {"fact": "renewal", "date": on.isoformat()})


def _no_renewal(member: Member, rng: random.Random) -> Fact | None:
    first = member.cycles[0]
    on = date(first.start.year + 1, rng.randint(2, 11), rng.randint(1, 28))
    if member.recorded or member.invalid and member.invalid[0][0] <= on or on > member.until:
        return None
    return Fact(on, {"fact": "audit_selection", "date": on.isoformat()})


def _bad_date(member: Member, rng: random.Random) -> Fact | None:
    found = _active_day(member, rng)
    return found and Fact(found[1], {"fact": "activity", "date": f"{found[1].year}-02-30",
                                     "category": "acsm_workshop", "title": "ACSM workshop: date typed wrong",
                                     "hours": "3"})


def _unknown_fact(member: Member, rng: random.Random) -> Fact | None:
    found = _active_day(member, rng)
    return found and Fact(found[1], {"fact": "payment", "date": found[1].isoformat()})


def _unknown_certification(member: Member, rng: random.Random) -> Fact | None:
    found = _active_day(member, rng)
    return found and Fact(found[1], {"fact": "certification", "date": found[1].isoformat(), "certification": "CSCS"})


def _never_certified(member: Member, rng: random.Random) -> Fact | None:
    on = date(2024, 5, rng.randint(1, 28))
    return Fact(on, {"member_id": f"X{member.index + 1:06d}", "name": "Pat Unregistered", "fact": "activity",
                     "date": on.isoformat(), "category": "conference", "title": "ACSM Annual Meeting", "hours": "12"})


def _not_an_activity(member: Member, rng: random.Random) -> Fact | None:
    audits = [a for a in member.audits if a.documentation is not None
              and (a.documentation.on - a.selected_on).days >= 3 and not a.documentation.names]
    if not audits or member.recorded:
        return None
    audit = audits[0]
    on = audit.selected_on + ONE_DAY
    made = Fact(on, {"fact": "documentation", "date": on.isoformat(), "reason": "no certificate"})
    made.names = [audit.renewal]
    return made


def _future(member: Member, rng: random.Random) -> Fact | None:
    found = _active_day(member, rng)
    return found and _activity(found[1], category="conference", title="ACSM Annual Meeting", hours="10",
                               recorded_at="2099-01-01T09:00:00+00:00")


def _attendance(member: Member, rng: random.Random) -> Fact | None:
    found = _active_day(member, rng)
    return found and _activity(found[1], category="acsm_workshop", title="ACSM workshop: kettlebells", hours="6",
                               evidence="attendance_certificate")


def _repeated(member: Member, rng: random.Random) -> Fact | None:
    for cycle in member.cycles:
        if cycle.renewed_on is None:
            continue
        for taught in cycle.teaching:
            last = cycle.renewed_on - ONE_DAY
            if taught.on + timedelta(days=20) < last and not member.audits:
                on = taught.on + timedelta(days=rng.randint(10, min(120, (last - taught.on).days)))
                return _activity(on, category="teaching", title=f"Taught {taught.cells['course_id']} again",
                                 hours="6", course_id=taught.cells["course_id"], evidence="syllabus")
    return None


def _while_invalid(member: Member, rng: random.Random) -> Fact | None:
    spans = [(start, end) for start, end in member.invalid if (end - start).days > 40]
    if not spans or member.recorded:
        return None
    start, end = spans[0]
    on = start + timedelta(days=rng.randint(10, (end - start).days - 10))
    return _activity(on, category="acsm_workshop", title="ACSM workshop: program design", hours="7.5")


def _expired(member: Member, rng: random.Random) -> Fact | None:
    found = _active_day(member, rng)
    if found is None or found[1] - timedelta(days=430) < found[0].activity_from:
        return None
    published = found[1] - timedelta(days=rng.randint(400, 420))
    title = f"Health & Fitness Journal self-test (issue of {published:%Y-%m})"
    return _activity(found[1], category="hfj_self_test", title=title, published_on=published.isoformat())


REFUSED = (
    Refusal("before_certification", "an activity completed before the member's first certification (its rows carry "
            "recorded_at, so the certification is known first)", _before_certification),
    Refusal("not_accepted_category", "CPR training earns no CECs", _cpr),
    Refusal("grade_below_c", "a college course passed with a D", _grade),
    Refusal("insufficient_cecs", "a renewal of a cycle with too few CECs counted (the member then lapses)",
            _insufficient),
    Refusal("no_renewal_to_audit", "an audit selection in the first cycle: no renewal the year before", _no_renewal),
    Refusal("invalid_value", "a date that does not exist (February 30)", _bad_date),
    Refusal("unknown_fact", "`fact` is `payment`, not a kind of fact the register holds", _unknown_fact),
    Refusal("unknown_certification", "CSCS is another organisation's certification", _unknown_certification),
    Refusal("member_not_found", "an activity of a member with no certification row", _never_certified),
    Refusal("unknown_row", "`rejected_row_ids` names the member's renewal row, not an activity row", _not_an_activity),
    Refusal("recorded_at_in_future", "`recorded_at` is in 2099", _future),
    Refusal("attendance_certificate_refused", "a certificate of attendance is not proof of CECs", _attendance),
    Refusal("repeated_course", "the same course taught twice in one cycle", _repeated),
    Refusal("credential_invalid", "an activity completed while the credential was invalid", _while_invalid),
    Refusal("self_test_expired", "a journal self-test completed more than a year after the issue", _expired),
)
FIRST_HOST = 5  # hosts are searched from member 5 on, each refusal further along, so they are spread
HOST_STEP = 17


def hosts(members: list[Member], seed: int) -> dict[int, list[Fact]]:
    """Each refusal's row, by the index of the member it is added to."""
    rng = random.Random(f"{seed}:refused")
    found: dict[int, list[Fact]] = {}
    used: set[int] = set()
    for number, refusal in enumerate(REFUSED):
        start = FIRST_HOST + HOST_STEP * number
        for index in [*range(start, len(members)), *range(0, min(start, len(members)))]:
            if index in used:
                continue
            made = refusal.make(members[index], rng)
            if made is not None:
                made.refused = refusal.code
                found.setdefault(index, []).append(made)
                used.add(index)
                break
    return found


# --- writing -----------------------------------------------------------------------------------


def recorded_times(member: Member, rng: random.Random) -> None:
    """The old register's recorded times on the member's rows before a cut-off: each a few days
    after its business date, at office hours, never earlier than the row before."""
    cut = min(member.facts[0].on + timedelta(days=rng.randint(365, 3000)), member.until - timedelta(days=30))
    last = ""
    for fact in member.facts:
        if fact.on > cut:
            return
        day = fact.on + timedelta(days=rng.randint(1, 20))
        at = f"{day}T{rng.randint(9, 16):02d}:{rng.choice(('00', '30'))}:00+00:00"
        last = max(last, at)
        fact.cells["recorded_at"] = last


def rows_of(member: Member, extra: list[Fact], rng: random.Random) -> list[list[str]]:
    if member.recorded:
        recorded_times(member, rng)
    facts = member.facts
    for number, fact in enumerate(facts, 1):
        fact.row_id = f"{member.member_id}-{number:02d}"
    for number, fact in enumerate(extra, len(facts) + 1):
        # A row of a member of its own (never certified) is that member's first.
        fact.row_id = f"{member.member_id}-{number:02d}" if "member_id" not in fact.cells else \
            f"{fact.cells['member_id']}-01"
        fact.cells.setdefault("member_id", member.member_id)
        fact.cells.setdefault("name", member.name)
    ordered = [*facts, *extra]
    if member.shuffled:
        rng.shuffle(ordered)
    elif extra:
        ordered.sort(key=lambda f: f.on)
    rows = []
    for fact in ordered:
        cells = fact.cells
        if fact.names:
            cells["rejected_row_ids"] = ";".join(named.row_id for named in fact.names)
        cells["row_id"] = fact.row_id
        rows.append([cells.get(column, "") for column in COLUMNS])
    return rows


def members(count: int, seed: int, until: date) -> Iterator[tuple[Member, list[Fact]]]:
    """Every member with the refused rows added to it, in blocks whose hosts are chosen together
    (the refusals' hosts are all among the first few hundred members)."""
    block = max(FIRST_HOST + HOST_STEP * len(REFUSED) + 50, 1000)
    first = [member_history(i, seed, until) for i in range(min(count, block))]
    extra = hosts(first, seed)
    for member in first:
        yield member, extra.get(member.index, [])
    for index in range(len(first), count):
        yield member_history(index, seed, until), []


def write(path: Path, count: int, seed: int, until: date) -> tuple[int, list[Fact]]:
    """Write the register; the number of rows, and the rows that must be refused (with their lines:
    no cell holds a line break, so each row is one line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written, refused = 0, []
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for member, extra in members(count, seed, until):
            rows = rows_of(member, extra, random.Random(f"{seed}:{member.index}:rows"))
            for fact in extra:
                fact.line = written + 2 + next(i for i, row in enumerate(rows) if row[0] == fact.row_id)
            writer.writerows(rows)
            written += len(rows)
            refused += extra
    return written, refused


def refusal_table(refused: list[Fact]) -> list[str]:
    """The refused rows as samples/README.md lists them (Markdown)."""
    why = {refusal.code: refusal.why for refusal in REFUSED}
    return ["| line | row_id | member_id | fact | code | why |", "|---|---|---|---|---|---|",
            *(f"| {f.line} | {f.row_id} | {f.cells['member_id']} | {f.cells['fact']} | `{f.refused}` | "
              f"{why[f.refused]} |" for f in sorted(refused, key=lambda f: f.line))]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make_register.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=300, help="members (default 300; 50,000 make ~1,000,000 rows)")
    parser.add_argument("--out", type=Path, default=SAMPLE, help=f"the file written (default {SAMPLE})")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--until", type=date.fromisoformat, default=UNTIL,
                        help=f"the last business date (default {UNTIL}; must be in the past)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    rows, refused = write(args.out, args.members, args.seed, args.until)
    print(f"{args.out}: {rows:,} rows for {args.members:,} members in {time.perf_counter() - began:.1f} s; "
          f"{len(refused)} must be refused:", file=sys.stderr)
    for line in refusal_table(refused):
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
