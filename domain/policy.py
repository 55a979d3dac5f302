"""Recertification policy as data, versioned by the date it takes effect.

Every number a rule uses lives here, so a new rule set (a new late fee, a renamed
certification) is a new `Policy` value appended to a `PolicyBook`, not a code change.
The book answers which version is in force on a business date.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class CertificationRule:
    code: str
    name: str
    # Levels order the main line (CPT < HFS/EP-C < CES < RCEP); specialties have none.
    level: int | None
    award_cecs: Decimal
    required_cecs: Decimal
    renewal_fee: Decimal

    @property
    def is_specialty(self) -> bool:
        return self.level is None


@dataclass(frozen=True)
class CategoryRule:
    """How one activity category earns CECs.

    `method` is one of `METHODS`: `certificate` (the certificate's units converted by
    provider, else `amount` per contact hour), `per_hour` (`amount` per contact hour: teaching
    and lecturing), `per_credit_hour` (`amount` per credit hour: college), `fixed` (`amount`
    per item: a publication, a self-test issue).
    """

    category: str
    method: str
    amount: Decimal = Decimal(1)
    capped: bool = False  # counts toward the teaching and lecturing cap
    once_per_cycle_by_course: bool = False  # a second claim naming the same course_id in a cycle is refused
    course_id_required: bool = False  # a claim must name its course_id (teaching; a lecture may)
    # A journal self-test: the claim names the issue's `published_on`, and an issue expires
    # `self_test_valid_months` after publication.
    self_test: bool = False


METHODS = ("certificate", "per_hour", "per_credit_hour", "fixed")

# The deadlines a reminder can be scheduled ahead of (rules.md section 11).
REMINDER_KINDS = ("renewal_due", "grace_started", "grace_ends", "audit_selected", "proof_due", "replacement_due")


@dataclass(frozen=True)
class Policy:
    version: str
    effective_from: date
    certifications: Mapping[str, CertificationRule]
    categories: Mapping[str, CategoryRule]
    refused_categories: Mapping[str, str]  # category -> why it is never accepted
    # provider (upper case) -> how much of its unit makes 1 CEC; any other provider's unit is 1 CEC
    conversions: Mapping[str, Decimal]
    cycle_years: int
    grace_months: int
    late_fee: Decimal
    additional_certification_fee: Decimal
    proof_days: int
    audit_inactive_months: int
    replacement_days: int
    teaching_cap_fraction: Decimal
    self_test_valid_months: int
    passing_grades: frozenset[str]
    known_grades: frozenset[str]
    # deadline kind -> the days ahead of that deadline a reminder is due, latest first
    reminders: Mapping[str, tuple[int, ...]]
    evidence_refused: Mapping[str, str] = field(default_factory=dict)

    def certification(self, code: str) -> CertificationRule | None:
        return self.certifications.get(code)


def _cert(code: str, name: str, level: int | None, award: int, required: int, fee: int) -> CertificationRule:
    return CertificationRule(code, name, level, Decimal(award), Decimal(required), Decimal(fee))


_CERTIFICATE_CATEGORIES = (
    "acsm_workshop",
    "approved_provider",
    "grand_rounds",
    "team_physician_course",
    "conference",
    "scientific_roundtable",
    "distance_education",
    "professional_meeting",
    "self_test",
    "training_course",
    "acls_course",
)

FAQ_ERA = Policy(
    version="2012-06-01",
    effective_from=date(1900, 1, 1),
    certifications={
        c.code: c
        for c in (
            _cert("CPT", "Certified Personal Trainer", 1, 10, 45, 45),
            _cert("HFS", "Certified Health Fitness Specialist", 2, 15, 60, 55),
            _cert("EP-C", "Certified Exercise Physiologist", 2, 15, 60, 55),
            _cert("CES", "Certified Clinical Exercise Specialist", 3, 15, 60, 55),
            _cert("RCEP", "Registered Clinical Exercise Physiologist", 4, 15, 60, 55),
            _cert("CIFT", "Certified Inclusive Fitness Trainer", None, 10, 15, 35),
            _cert("CET", "Certified Cancer Exercise Trainer", None, 10, 15, 35),
            _cert("PAPHS", "Physical Activity in Public Health Specialist", None, 10, 45, 35),
        )
    },
    categories={
        **{c: CategoryRule(c, "certificate") for c in _CERTIFICATE_CATEGORIES},
        "certified_news_self_test": CategoryRule("certified_news_self_test", "fixed", Decimal(4),
                                                 self_test=True),
        "hfj_self_test": CategoryRule("hfj_self_test", "fixed", Decimal(4), self_test=True),
        "college_course": CategoryRule("college_course", "per_credit_hour", Decimal(10)),
        "publication": CategoryRule("publication", "fixed", Decimal(10)),
        "teaching": CategoryRule("teaching", "per_hour", capped=True, once_per_cycle_by_course=True,
                                 course_id_required=True),
        "lecturing": CategoryRule("lecturing", "per_hour", capped=True, once_per_cycle_by_course=True),
    },
    refused_categories={
        "cpr": "CPR training is required for ACSM credentials and earns no CECs",
        "bls": "BLS training is required for ACSM credentials and earns no CECs",
        "certification_exam": "certification exams earn no CECs (the ACLS exam included)",
        "membership": "professional memberships earn no CECs",
        "committee": "committee involvement earns no CECs",
    },
    evidence_refused={
        "attendance_certificate": "a certificate of attendance does not show CECs earned; a CEC certificate is needed",
    },
    # FAQ: "ACE, NSCA, NASM 0.1 = 1.0 ACSM CEC; AFAA 1.0 = 1.0 ACSM CEC".
    conversions={"ACE": Decimal("0.1"), "NSCA": Decimal("0.1"), "NASM": Decimal("0.1"), "AFAA": Decimal("1.0")},
    cycle_years=3,
    grace_months=6,
    late_fee=Decimal(25),
    additional_certification_fee=Decimal(5),
    proof_days=30,
    audit_inactive_months=12,
    replacement_days=90,
    teaching_cap_fraction=Decimal("0.3"),
    self_test_valid_months=12,
    passing_grades=frozenset({"A+", "A", "A-", "B+", "B", "B-", "C+", "C"}),
    known_grades=frozenset({"A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"}),
    reminders={
        "renewal_due": (90, 60, 30, 7),
        "grace_started": (0,),
        "grace_ends": (30, 7),
        "audit_selected": (0,),
        "proof_due": (7,),
        "replacement_due": (30, 7),
    },
)


class PolicyBook:
    """The policy versions, each in force from its `effective_from` until the next one."""

    def __init__(self, versions: tuple[Policy, ...], *, judged_every_fact: bool = False) -> None:
        if not versions:
            raise ValueError("a policy book needs at least one version")
        self.versions = tuple(sorted(versions, key=lambda p: p.effective_from))
        self._starts = [p.effective_from for p in self.versions]
        # True only when it is known that every recorded fact was judged under this very book (no
        # version was ever adopted): then what a claim earned when recorded is what it earns now,
        # and the fold need not judge it again.
        self.judged_every_fact = judged_every_fact

    def as_the_only_book(self) -> PolicyBook:
        """This book, as the one every recorded fact was judged under."""
        return PolicyBook(self.versions, judged_every_fact=True)

    def folds_as(self, other: PolicyBook | None) -> bool:
        """Whether a fold under `other` is the fold under this book: the same versions, judged alike
        (books are made afresh for each answer, so a kept fold is matched by content)."""
        return other is self or (other is not None and other.judged_every_fact == self.judged_every_fact
                                 and other.versions == self.versions)

    def in_force(self, on: date) -> Policy:
        index = bisect.bisect_right(self._starts, on) - 1
        return self.versions[max(index, 0)]

    def with_version(self, policy: Policy) -> PolicyBook:
        return PolicyBook((*self.versions, policy))


DEFAULT_POLICY = PolicyBook((FAQ_ERA,))


def amended(base: Policy, version: str, effective_from: date, **changes: object) -> Policy:
    """A new version that differs from `base` only in `changes`."""
    return replace(base, version=version, effective_from=effective_from, **changes)  # type: ignore[arg-type]
