"""Pure rules: calendar arithmetic of cycles and deadlines, and what an activity earns.

Nothing here reads a clock or a store; every date comes in as an argument and every
number comes from the `Policy` in force.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.errors import InvalidCommand, RuleViolation
from domain.events import ActivityClaimed
from domain.policy import CertificationRule, Policy

ONE_DAY = timedelta(days=1)
TENTH = Decimal("0.1")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_cycle_end(certified_on: date, policy: Policy) -> date:
    return date(certified_on.year + policy.cycle_years, 12, 31)


def next_cycle_end(cycle_end: date, policy: Policy) -> date:
    return date(cycle_end.year + policy.cycle_years, 12, 31)


def grace_ends_on(cycle_end: date, policy: Policy) -> date:
    return add_months(cycle_end + ONE_DAY, policy.grace_months) - ONE_DAY


def renewal_window_opens_on(cycle_end: date) -> date:
    return date(cycle_end.year, 1, 1)


def proof_due_on(selected_on: date, policy: Policy) -> date:
    return selected_on + timedelta(days=policy.proof_days)


def default_replace_by(received_on: date, policy: Policy) -> date:
    return received_on + timedelta(days=policy.replacement_days)


def audit_invalid_from(inactive_since: date, policy: Policy) -> date:
    return add_months(inactive_since, policy.audit_inactive_months)


def self_test_last_valid_day(published_on: date, policy: Policy) -> date:
    return add_months(published_on, policy.self_test_valid_months) - ONE_DAY


def money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


# --- certifications -------------------------------------------------------------------


def highest(held: Iterable[CertificationRule]) -> CertificationRule | None:
    """The certification that sets the requirement: the largest requirement wins; among
    equals, the higher level, then the code, so the answer never depends on order."""
    return max(held, key=lambda c: (c.required_cecs, c.level or 0, c.code), default=None)


def required_cecs(held: Iterable[CertificationRule]) -> Decimal:
    top = highest(held)
    return top.required_cecs if top else Decimal(0)


def renewal_fee(held: list[CertificationRule], policy: Policy, *, late: bool) -> Decimal:
    if not held:
        return Decimal(0)
    fee = max(c.renewal_fee for c in held)
    fee += policy.additional_certification_fee * (len(held) - 1)
    if late:
        fee += policy.late_fee
    return money(fee)


def earns_cecs_for(new: CertificationRule, held: Iterable[CertificationRule]) -> bool:
    """Another ACSM certification earns CECs only if it is a specialty or higher than every
    certification already held."""
    if new.is_specialty:
        return True
    return all((h.level or 0) < (new.level or 0) for h in held if not h.is_specialty)


# --- activities -----------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityClaim:
    category: str
    title: str
    completed_on: date
    evidence: str = "cec_certificate"
    hours: Decimal | None = None
    units: Decimal | None = None
    provider: str | None = None
    decimal_units: bool = False
    credit_hours: Decimal | None = None
    grade: str | None = None
    course_id: str | None = None
    published_on: date | None = None


def claim_of(fact: ActivityClaimed) -> ActivityClaim:
    """What a recorded claim (or amendment) says, as the claim a rule judges."""
    return ActivityClaim(
        fact.category, fact.title, fact.effective_on, fact.evidence.value, fact.hours, fact.units, fact.provider,
        fact.decimal_units, fact.credit_hours, fact.grade, fact.course_id, fact.published_on,
    )


def earned_cecs(fact: ActivityClaimed, policy: Policy) -> Decimal:
    """What a recorded claim earns under `policy` (the version in force on its completion date
    among those known when asked), which may not be the one it was judged under when recorded
    (rules.md section 9): one adopted since that refuses what it claims leaves it earning nothing."""
    try:
        return cecs_for(claim_of(fact), policy)
    except (RuleViolation, InvalidCommand):
        return Decimal(0)


def _required(value: Decimal | str | date | None, field: str, category: str) -> None:
    if value is None or value == "":
        raise InvalidCommand(
            "missing_field", f"{field} is required for a {category} claim", field=field, category=category
        )


def _positive(value: Decimal, field: str) -> Decimal:
    if value <= 0:
        raise InvalidCommand("not_positive", f"{field} must be greater than zero", field=field)
    return value


def check_category_accepted(claim: ActivityClaim, policy: Policy) -> None:
    if claim.category in policy.refused_categories:
        raise RuleViolation(
            "not_accepted_category",
            policy.refused_categories[claim.category],
            category=claim.category,
        )
    if claim.category not in policy.categories:
        raise RuleViolation(
            "unknown_category",
            f"{claim.category!r} is not an activity category of policy {policy.version}",
            category=claim.category,
            accepted=sorted(policy.categories),
        )
    if claim.evidence in policy.evidence_refused:
        raise RuleViolation(
            "attendance_certificate_refused",
            policy.evidence_refused[claim.evidence],
            evidence=claim.evidence,
        )


def unit_conversion(claim: ActivityClaim, policy: Policy) -> Decimal:
    """How much of the claim's units make 1 CEC: a claim that says its provider uses the decimal
    system converts at 0.1; otherwise the provider's conversion, and 1 = 1 for a provider the
    policy does not list (rules.md section 3)."""
    if claim.decimal_units:
        return TENTH
    return policy.conversions.get((claim.provider or "").upper(), Decimal(1))


def check_self_test_issue(claim: ActivityClaim, policy: Policy) -> None:
    """A journal self-test names its issue, and the issue expires after `self_test_valid_months`."""
    _required(claim.published_on, "published_on", claim.category)
    assert claim.published_on is not None
    last_day = self_test_last_valid_day(claim.published_on, policy)
    if claim.completed_on > last_day:
        raise RuleViolation(
            "self_test_expired",
            f"the issue published {claim.published_on} expired after {last_day}",
            published_on=claim.published_on.isoformat(),
            last_valid_day=last_day.isoformat(),
        )


def cecs_for(claim: ActivityClaim, policy: Policy) -> Decimal:
    """The CECs a claim earns under `policy`, or the refusal that names the rule."""
    check_category_accepted(claim, policy)
    rule = policy.categories[claim.category]
    if rule.self_test:
        check_self_test_issue(claim, policy)
    if rule.method == "certificate":
        if claim.units is not None:
            cecs = _positive(claim.units, "units") / unit_conversion(claim, policy)
        else:
            _required(claim.hours, "hours or units", claim.category)
            assert claim.hours is not None
            cecs = _positive(claim.hours, "hours") * rule.amount
    elif rule.method == "per_credit_hour":
        _required(claim.credit_hours, "credit_hours", claim.category)
        _required(claim.grade, "grade", claim.category)
        assert claim.credit_hours is not None
        assert claim.grade is not None
        grade = claim.grade.strip().upper()
        if grade not in policy.known_grades:
            raise InvalidCommand("unknown_grade", f"{claim.grade!r} is not a letter grade", grade=claim.grade)
        if grade not in policy.passing_grades:
            raise RuleViolation(
                "grade_below_c", f"a college course needs a grade of C or better, not {grade}", grade=grade
            )
        cecs = _positive(claim.credit_hours, "credit_hours") * rule.amount
    elif rule.method == "fixed":
        cecs = rule.amount
    else:  # per_hour
        _required(claim.hours, "hours", claim.category)
        assert claim.hours is not None
        cecs = _positive(claim.hours, "hours") * rule.amount
    if rule.course_id_required:
        _required(claim.course_id, "course_id", claim.category)
    if cecs != cecs.quantize(TENTH):
        raise InvalidCommand(
            "cecs_precision",
            f"the claim earns {cecs} CECs; CECs have at most one decimal place",
            cecs=str(cecs),
        )
    return cecs.quantize(TENTH)
