"""A policy version as published values, and a new version built from the values that change.

Staff read every value of every version and adopt a version by stating only what changes
(rules.md section 9; the shape is the one `GET /policy` shows, http-api.md "Policy"). So one
shape serves both ways: `policy_values` writes a `Policy` in it, JSON-ready, and
`changed_policy` merges a version's changes in that shape, key by key, over the version it
carries over from. Beyond the contract's keys the values name what else a rule uses
(`self_test`, `course_id_required`, `passing_grades`, `known_grades`, `refused_evidence`), so no
decision is a hidden constant.

A version is validated whole: every bad value is collected, by its dotted path, and the
version is refused with all of them at once (`InvalidPolicy`). `validated_changes` gives the
changes as the register stores them: each value as it was read (money to the cent), decimals
as strings, so reading them again builds the same version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from domain import policy_parsing as read
from domain.policy import CategoryRule, CertificationRule, Policy
from domain.policy_changes import merged


def _number(value: Decimal) -> int | float:
    """CECs as JSON numbers (at most one decimal place, so a float shows them exactly)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _render(policy: Policy, cecs: Callable[[Decimal], Any]) -> dict[str, Any]:
    def certification(rule: CertificationRule) -> dict[str, Any]:
        return {"name": rule.name, "level": rule.level, "required_cecs": cecs(rule.required_cecs),
                "renewal_fee": str(read.money(rule.renewal_fee)), "award_cecs": cecs(rule.award_cecs)}

    def category(rule: CategoryRule) -> dict[str, Any]:
        return {"accepted": True, "cecs": rule.method, "amount": cecs(rule.amount), "capped": rule.capped,
                "once_per_cycle": rule.once_per_cycle_by_course, "self_test": rule.self_test,
                "course_id_required": rule.course_id_required}

    categories: dict[str, Any] = {name: category(rule) for name, rule in policy.categories.items()}
    categories.update({name: {"accepted": False, "reason": why} for name, why in policy.refused_categories.items()})
    return {
        "certifications": {code: certification(rule) for code, rule in policy.certifications.items()},
        "categories": dict(sorted(categories.items())),
        "conversions": {provider: str(c) for provider, c in sorted(policy.conversions.items())},
        "teaching_cap_fraction": str(policy.teaching_cap_fraction),
        "cycle_years": policy.cycle_years,
        "grace_months": policy.grace_months,
        "late_fee": str(read.money(policy.late_fee)),
        "extra_certification_fee": str(read.money(policy.additional_certification_fee)),
        "proof_days": policy.proof_days,
        "replacement_days": policy.replacement_days,
        "audit_inactive_months": policy.audit_inactive_months,
        "self_test_valid_months": policy.self_test_valid_months,
        "reminders": {kind: list(days) for kind, days in policy.reminders.items()},
        "passing_grades": sorted(policy.passing_grades),
        "known_grades": sorted(policy.known_grades),
        "refused_evidence": dict(sorted(policy.evidence_refused.items())),
    }


def policy_values(policy: Policy) -> dict[str, Any]:
    """Every value of `policy`, JSON-ready: money and fractions as strings, CECs as numbers."""
    return _render(policy, _number)


def changed_policy(base: Policy, version: str, effective_from: date, changes: Mapping[str, Any]) -> Policy:
    """`base` with `changes` (published values, only those that change) merged in, key by key:
    certifications and categories value by value, conversions, reminders and refused evidence
    entry by entry. Raises `InvalidPolicy` naming every bad value."""
    return merged(base, version, effective_from, changes, lenient=False)


def carried_over(base: Policy, version: str, effective_from: date, changes: Mapping[str, Any]) -> Policy:
    """Changes validated when adopted, merged over the version now in force the day before
    (see `domain.policy_changes._Merge` for what no longer applies)."""
    return merged(base, version, effective_from, changes, lenient=True)


def validated_changes(built: Policy, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes that built `built`, as stored: each value as it was read, decimals as
    strings. A category's `accepted` comes with its `cecs` or `reason`, so the change still
    says what it meant when merged over a version that changed since."""
    stored = _render(built, str)
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key in ("certifications", "categories"):
            out[key] = {}
            for name, entry in value.items():
                fields = [*entry, *(("cecs", "reason") if "accepted" in entry else ())]
                out[key][name] = {f: stored[key][name][f] for f in fields if f in stored[key][name]}
        elif key == "conversions":
            out[key] = {p.strip().upper(): stored[key][p.strip().upper()] for p in value}
        elif key in ("reminders", "refused_evidence"):
            out[key] = {kind: stored[key].get(kind) for kind in value}
        else:
            out[key] = stored[key]
    return out
