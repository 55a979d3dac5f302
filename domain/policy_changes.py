"""Merging a version's changes over the version it carries over from, checking every value.

A version states only the values that change, in the published shape (`domain.policy_values`),
merged key by key: certifications and categories value by value; conversions, reminders and
refused evidence entry by entry; every other value whole. Each value is read by
`domain.policy_parsing`; every bad one is collected by its dotted path (`late_fee`,
`certifications.CPT.renewal_fee`, `reminders.renewal_due.2`) and the version is refused whole
with all of them (`InvalidPolicy`, rules.md section 9). Nothing can add a certification or a
category: only those of the version carried over from are known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from domain import policy_parsing as read
from domain.errors import InvalidPolicy
from domain.events import Evidence
from domain.policy import REMINDER_KINDS, CategoryRule, Policy

T = TypeVar("T")

# Top-level values that are one value each: published name -> (Policy field, reader).
_SINGLE: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "teaching_cap_fraction": ("teaching_cap_fraction", read.fraction),
    "cycle_years": ("cycle_years", read.count(read.LARGEST_YEARS)),
    "grace_months": ("grace_months", read.count(read.LARGEST_MONTHS)),
    "late_fee": ("late_fee", read.money),
    "extra_certification_fee": ("additional_certification_fee", read.money),
    "proof_days": ("proof_days", read.count(read.LARGEST_DAYS)),
    "replacement_days": ("replacement_days", read.count(read.LARGEST_DAYS)),
    "audit_inactive_months": ("audit_inactive_months", read.count(read.LARGEST_MONTHS)),
    "self_test_valid_months": ("self_test_valid_months", read.count(read.LARGEST_MONTHS)),
    "passing_grades": ("passing_grades", read.grades),
    "known_grades": ("known_grades", read.grades),
}
_NESTED = ("certifications", "categories", "conversions", "reminders", "refused_evidence")
TOP_LEVEL = ("certifications", "categories", "conversions", *_SINGLE, "reminders", "refused_evidence")

# Published certification value -> (CertificationRule field, reader).
_CERTIFICATION: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "name": ("name", read.text),
    "level": ("level", read.level),
    "required_cecs": ("required_cecs", read.cecs),
    "renewal_fee": ("renewal_fee", read.money),
    "award_cecs": ("award_cecs", read.cecs),
}
# Published category value -> (CategoryRule field, reader); `accepted` and `reason` say whether
# the category is accepted at all.
_CATEGORY: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "cecs": ("method", read.method),
    "amount": ("amount", read.cecs),
    "capped": ("capped", read.boolean),
    "once_per_cycle": ("once_per_cycle_by_course", read.boolean),
    "self_test": ("self_test", read.boolean),
    "course_id_required": ("course_id_required", read.boolean),
}
_CATEGORY_VALUES = ("accepted", *_CATEGORY, "reason")


class _Merge:
    """Changes merged over `base`, collecting every problem. `lenient` is for changes already
    validated against the version they were adopted over, merged again over another one (the
    version in force the day before changed since): a value for a category that version does
    not accept, or its reason for one it does, is then left out, as it no longer applies."""

    def __init__(self, base: Policy, lenient: bool) -> None:
        self.base, self.lenient = base, lenient
        self.problems: dict[str, str] = {}
        self.fields: dict[str, Any] = {}

    def take(self, path: str, reader: Callable[[Any], T], value: Any, fallback: T) -> T:
        try:
            return reader(value)
        except read.BadValue as bad:
            self.problems[path] = str(bad)
            return fallback

    def entries(self, path: str, value: Any) -> list[tuple[str, Any]]:
        if not isinstance(value, Mapping):
            self.problems[path] = f"must be an object of the values that change, not {type(value).__name__}"
            return []
        return [(str(key), item) for key, item in value.items()]

    def merge(self, changes: Mapping[str, Any]) -> None:
        for key, value in self.entries("values", changes):
            if key in _SINGLE:
                field, reader = _SINGLE[key]
                self.fields[field] = self.take(key, reader, value, getattr(self.base, field))
            elif key in _NESTED:
                getattr(self, key)(value)
            else:
                self.problems[key] = f"not a policy value (known: {', '.join(TOP_LEVEL)})"
        passing = self.fields.get("passing_grades", self.base.passing_grades)
        known = self.fields.get("known_grades", self.base.known_grades)
        if not known:
            self.problems["known_grades"] = "must name at least one grade"
        elif not passing <= known and self.lenient:
            self.fields["passing_grades"] = passing & known
        elif not passing <= known:
            self.problems.setdefault(
                "passing_grades", f"{', '.join(sorted(passing - known))} must be among the known grades")

    def certifications(self, value: Any) -> None:
        merged = dict(self.base.certifications)
        for code, entry in self.entries("certifications", value):
            path = f"certifications.{code}"
            if code not in merged:
                self.problems[path] = f"not a certification of version {self.base.version}; a version cannot add one"
                continue
            updates: dict[str, Any] = {}
            for name, item in self.entries(path, entry):
                if name not in _CERTIFICATION:
                    self.problems[f"{path}.{name}"] = f"not a certification value (known: {', '.join(_CERTIFICATION)})"
                    continue
                field, reader = _CERTIFICATION[name]
                updates[field] = self.take(f"{path}.{name}", reader, item, getattr(merged[code], field))
            merged[code] = replace(merged[code], **updates)
        self.fields["certifications"] = merged

    def categories(self, value: Any) -> None:
        accepted, refused = dict(self.base.categories), dict(self.base.refused_categories)
        for name, entry in self.entries("categories", value):
            path = f"categories.{name}"
            if name not in accepted and name not in refused:
                self.problems[path] = (f"not an activity category of version {self.base.version}; "
                                       "a version cannot add one")
                continue
            given = dict(self.entries(path, entry))
            for unknown in sorted(set(given) - set(_CATEGORY_VALUES)):
                self.problems[f"{path}.{unknown}"] = f"not a category value (known: {', '.join(_CATEGORY_VALUES)})"
            was_accepted = name in accepted
            now_accepted = self.take(f"{path}.accepted", read.boolean, given.get("accepted", was_accepted),
                                     was_accepted)
            rule_values = {key: given[key] for key in _CATEGORY if key in given}
            if now_accepted:
                self.accept(path, name, accepted, refused, rule_values, given)
            else:
                self.refuse(path, name, accepted, refused, rule_values, given)
        self.fields["categories"], self.fields["refused_categories"] = accepted, refused

    def accept(self, path: str, name: str, accepted: dict[str, CategoryRule], refused: dict[str, str],
               rule_values: dict[str, Any], given: dict[str, Any]) -> None:
        if "reason" in given and not self.lenient:
            self.problems[f"{path}.reason"] = "only a category that is not accepted has a reason"
        if name in refused:
            if "cecs" not in rule_values:
                self.problems[f"{path}.cecs"] = "a category accepted again needs its CECs rule"
                return
            refused.pop(name)
            rule = CategoryRule(name, "certificate")
        else:
            rule = accepted[name]
        updates: dict[str, Any] = {}
        for key, item in rule_values.items():
            field, reader = _CATEGORY[key]
            updates[field] = self.take(f"{path}.{key}", reader, item, getattr(rule, field))
        accepted[name] = replace(rule, **updates)

    def refuse(self, path: str, name: str, accepted: dict[str, CategoryRule], refused: dict[str, str],
               rule_values: dict[str, Any], given: dict[str, Any]) -> None:
        if not self.lenient:
            for key in rule_values:
                self.problems[f"{path}.{key}"] = "only an accepted category earns CECs by a rule"
        if "reason" in given:
            reason = self.take(f"{path}.reason", read.text, given["reason"], refused.get(name, ""))
        elif name in refused:
            reason = refused[name]
        else:
            self.problems[f"{path}.reason"] = "a category no longer accepted needs the reason it is refused"
            return
        accepted.pop(name, None)
        refused[name] = reason

    def conversions(self, value: Any) -> None:
        merged = dict(self.base.conversions)
        for provider, item in self.entries("conversions", value):
            path = f"conversions.{provider}"
            if not provider.strip():
                self.problems[path] = "a provider needs a name"
                continue
            # Claims name their provider in any case; the rule compares upper-cased names.
            merged[provider.strip().upper()] = self.take(path, read.conversion, item, Decimal(1))
        self.fields["conversions"] = merged

    def reminders(self, value: Any) -> None:
        merged = dict(self.base.reminders)
        for kind, item in self.entries("reminders", value):
            path = f"reminders.{kind}"
            if kind not in REMINDER_KINDS:
                self.problems[path] = f"not a reminder kind (known: {', '.join(REMINDER_KINDS)})"
            elif not isinstance(item, (list, tuple)):
                self.problems[path] = "must be a list of the days ahead of the deadline a reminder is due"
            else:
                days = {self.take(f"{path}.{i}", read.days_ahead, d, 0) for i, d in enumerate(item)}
                # Their order says nothing: kept latest first, each once.
                merged[kind] = tuple(sorted(days, reverse=True))
        self.fields["reminders"] = merged

    def refused_evidence(self, value: Any) -> None:
        merged = dict(self.base.evidence_refused)
        kinds = [e.value for e in Evidence]
        for kind, item in self.entries("refused_evidence", value):
            path = f"refused_evidence.{kind}"
            if kind not in kinds:
                self.problems[path] = f"not a kind of evidence (known: {', '.join(kinds)})"
            elif item is None:  # accepted again
                merged.pop(kind, None)
            else:
                merged[kind] = self.take(path, read.text, item, "")
        self.fields["evidence_refused"] = merged


def merged(base: Policy, version: str, effective_from: date, changes: Mapping[str, Any], *,
           lenient: bool) -> Policy:
    """Version `version` from `effective_from`: `base` with `changes` merged in, or `InvalidPolicy`
    naming every bad value (the version's name and date included)."""
    merge = _Merge(base, lenient)
    merge.merge(changes)
    merge.take("version", read.version_name, version, version)
    if not isinstance(effective_from, date) or isinstance(effective_from, datetime):
        merge.problems["effective_from"] = "must be a date"
    if merge.problems:
        raise InvalidPolicy(merge.problems)
    return replace(base, version=version, effective_from=effective_from, **merge.fields)
