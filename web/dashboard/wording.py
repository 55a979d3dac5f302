"""How the staff pages say things to a person: labels for the model's codes (the worklist's
matters among them), the key data of each recorded fact in one line, who voided a fact and
when, and a revision's spans. Codes stay in data attributes; people read these."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.events import (
    ActivityAmended,
    ActivityClaimed,
    AuditReviewed,
    AuditSelected,
    Certified,
    CredentialFact,
    DocumentationRejected,
    FactWithdrawn,
    Invalidated,
    MarkedInactive,
    ReminderIssued,
    RenewalSubmitted,
)
from domain.reasons import cec_text
from domain.revisions import Cause, Change, Standing
from domain.states import Status
from domain.timeline import BEGINNING, StatusPeriod
from web.dashboard.moments import Moment
from web.schemas.events import ENVELOPE

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# How a cycle due for renewal stands (`projections.answers.Renewal`), on the renewals chart and list.
RENEWALS = {"renewed_on_time": "renewed on time", "renewed_late": "renewed late (grace period)",
            "not_renewed": "not renewed"}
# Each open matter of the worklist (`domain.matters`) as staff say it, and what the member must do.
MATTERS = {
    "renewal_due": ("Renewal due", "the cycle ends on the due date: renew by then, with every CEC required"),
    "grace_ends": ("Grace period ends", "inactive since the cycle ended: renew, with the late fee, by the due date"),
    "proof_due": ("Audit proof due", "selected for audit: send the documentation by the due date"),
    "replacement_due": ("Replacement CECs due", "the audited cycle is short: earn the CECs missing by the due date"),
    "audit_year_ends": ("Audit year ends", "inactive after the audit: prove or replace the CECs by the due date"),
}
ACRONYMS = {"acsm": "ACSM", "acls": "ACLS", "hfj": "HFJ", "cpr": "CPR", "bls": "BLS", "cec": "CEC"}
# Each recorded fact's kind as staff say it; the model's event name stays in data-event.
FACT_KINDS = {
    "CredentialOpened": "Credential opened",
    "Certified": "Certified",
    "ActivityClaimed": "Activity claimed",
    "RenewalSubmitted": "Renewal submitted",
    "AuditSelected": "Selected for audit",
    "DocumentationRejected": "Documentation rejected",
    "AuditReviewed": "Documentation reviewed",
    "MarkedInactive": "Marked inactive",
    "Invalidated": "Invalidated",
    "FactWithdrawn": "Withdrawal",
    "ActivityAmended": "Amendment",
    "ReminderIssued": "Reminder sent",
    "PolicyVersionAdopted": "Policy version adopted",
    "PolicyVersionWithdrawn": "Policy version withdrawn",
}


def humanize(code: str) -> str:
    """`acsm_workshop` -> `ACSM workshop`, `proof_overdue` -> `Proof overdue`."""
    words = [ACRONYMS.get(word, word) for word in code.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def matter(kind: str) -> str:
    """`grace_ends` -> "Grace period ends"; a kind the model adds later, its code in words."""
    return MATTERS[kind][0] if kind in MATTERS else humanize(kind)


def number(value: int | Decimal) -> str:
    """Counts as integers, CECs with at most one decimal."""
    return cec_text(value) if isinstance(value, Decimal) else str(value)


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"${value.quantize(Decimal('0.01'))}"


def moment(value: datetime | None) -> str:
    """A recorded time in UTC to the second: what staff compare with the "known at" form."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def moment_input(value: datetime | None) -> str:
    """The value of a "known at" input, ISO to the second (no offset: the form says UTC)."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def fact_kind(type_name: str) -> str:
    """`FactWithdrawn` -> "Withdrawal"; a kind the model adds later, its name in words."""
    return FACT_KINDS.get(type_name) or humanize(re.sub(r"(?<!^)(?=[A-Z])", "_", type_name).lower())


@dataclass(frozen=True)
class Facts:
    """A member's facts by id and each activity's title as it now stands: what a sentence
    naming another fact (a rejection, a withdrawal) needs."""

    by_id: Mapping[str, CredentialFact]
    titles: Mapping[str, str]

    @classmethod
    def of(cls, history: Iterable[CredentialFact]) -> Facts:
        facts = list(history)
        # Later claims of an activity are its amendments: the last one names it now.
        titles = {f.activity_id: f.title for f in facts if isinstance(f, ActivityClaimed)}
        return cls({f.fact_id: f for f in facts}, titles)


def _plain(value: Any) -> str:
    if isinstance(value, Enum):
        return humanize(str(value.value))
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fact_details(fact: CredentialFact, facts: Facts) -> str:
    """The key data of a fact in one line; `facts` names the activity a rejection rejected and
    the fact a withdrawal withdrew."""
    if isinstance(fact, Certified):
        return fact.certification
    if isinstance(fact, FactWithdrawn):
        target = facts.by_id.get(fact.withdrawn_fact_id)
        what = f" ({fact_kind(type(target).__name__)}: {fact_details(target, facts)})" if target else ""
        by = f"; replacement CECs due by {fact.replace_by}" if fact.replace_by else ""
        return f"withdraws fact {fact.withdrawn_fact_id}{what}, decided {fact.effective_on}{by}. Reason: {fact.reason}"
    if isinstance(fact, ActivityAmended):
        course = f", course {fact.course_id}" if fact.course_id else ""
        return (f"now {humanize(fact.category)}: “{fact.title}”, completed {fact.effective_on}, "
                f"{number(fact.cecs)} CECs{course}. Reason: {fact.reason}")
    if isinstance(fact, ActivityClaimed):
        course = f", course {fact.course_id}" if fact.course_id else ""
        return f"{humanize(fact.category)}: “{fact.title}”, {number(fact.cecs)} CECs{course}"
    if isinstance(fact, RenewalSubmitted):
        paid = f"{money(fact.fee_paid)} paid" if fact.fee_paid is not None else "fee not recorded as paid"
        return f"fee {money(fact.fee_due)}, {paid}{'; late' if fact.late else ''}"
    if isinstance(fact, AuditSelected):
        drawn = f" (yearly draw, seed {fact.seed})" if fact.seed else ""
        return f"the renewal of {fact.renewal_submitted_on}{drawn}"
    if isinstance(fact, DocumentationRejected):
        activity = facts.titles.get(fact.activity_id, fact.activity_id)
        return f"“{activity}” rejected: {fact.reason}"
    if isinstance(fact, AuditReviewed):
        by = f", replacement CECs due by {fact.replace_by}" if fact.replace_by else ""
        return f"outcome: {fact.outcome.value}{by}"
    if isinstance(fact, (MarkedInactive, Invalidated)):
        return humanize(fact.lapse.value)
    if isinstance(fact, ReminderIssued):
        return f"“{fact.subject}” ({humanize(fact.kind).lower()}, due {fact.due_on})"
    # A fact type added to the model later: its own fields, plainly.
    fields = {k: v for k, v in vars(fact).items() if k not in ENVELOPE and v is not None}
    return "; ".join(f"{humanize(k).lower()} {_plain(v)}" for k, v in fields.items())


def voided_note(by: CredentialFact) -> str:
    """Who knows what since when: "withdrawn by fact 7, recorded 2026-11-28 09:00:00 UTC: typo"."""
    how = "superseded by the amendment" if isinstance(by, ActivityAmended) else "withdrawn by"
    reason = getattr(by, "reason", "")
    return f"{how} fact {by.fact_id}, recorded {moment(by.timestamp)}" + (f": {reason}" if reason else "")


def standing(status: Status, level: str | None) -> str:
    """"inactive (CPT)"; a status without a level (not certified) alone."""
    text = humanize(status.value).lower()
    return f"{text} ({level})" if level else text


def change_text(change: Change) -> str:
    """"2023-01-01 to 2023-06-30: inactive (CPT) → active (CPT)"."""
    days = str(change.first) if change.first == change.last else f"{change.first} to {change.last}"
    return f"{days}: {_standing_text(change.before)} → {_standing_text(change.after)}"


def _standing_text(value: Standing) -> str:
    return standing(value.status, value.level)


def cause_text(cause: Cause) -> str:
    """What made a revision, for a person: the kind, the fact or version, and both times."""
    if cause.version is not None:
        return (f"{fact_kind(cause.type)}: {cause.version}, effective from {cause.effective_on}, "
                f"recorded {moment(cause.recorded_at)}")
    return (f"{fact_kind(cause.type)}, fact {cause.fact_id}: business date {cause.effective_on}, "
            f"recorded {moment(cause.recorded_at)}")


def period_text(period: StatusPeriod) -> str:
    """"inactive (CPT) from 2023-01-01 to 2023-06-30"; the first period runs "until" a day."""
    text = standing(period.status, period.level)
    last = None if period.valid_to is None else period.valid_to - timedelta(days=1)
    if period.valid_from == BEGINNING:
        return f"{text} on every date" if last is None else f"{text} until {last}"
    return f"{text} from {period.valid_from}" + ("" if last is None else f" to {last}")


def moment_label(recorded: Moment) -> str:
    """What a recorded moment recorded, shortly: "fact 7 · Withdrawal", "facts 5–6 · Documentation reviewed"."""
    if recorded.policy is not None:
        return f"{fact_kind(recorded.policy.type)}: {recorded.policy.version}"
    named = recorded.named_facts or recorded.facts
    ids = f"fact {named[0].fact_id}" if len(named) == 1 else f"facts {named[0].fact_id}–{named[-1].fact_id}"
    return f"{ids} · {fact_kind(type(named[-1]).__name__)}"


def moment_details(recorded: Moment, facts: Facts) -> str:
    """Everything the moment recorded, in words."""
    if recorded.policy is not None:
        return cause_text(recorded.policy)
    named = recorded.named_facts or recorded.facts
    return "; ".join(f"{fact_kind(type(f).__name__)} (fact {f.fact_id}): {fact_details(f, facts)}" for f in named)


def refusal_lines(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A refusal's details as (what, why) lines: each bad value of an `invalid_policy` by its
    path, each malformed field with its messages, or the facts a rule named."""
    problems = details.get("problems")
    if isinstance(problems, Mapping):
        return sorted((str(path), str(why)) for path, why in problems.items())
    lines: list[tuple[str, str]] = []
    for key, value in details.items():
        if isinstance(value, Mapping):
            lines += [(f"{key}.{path}", why) for path, why in refusal_lines(value)]
        elif isinstance(value, list):
            lines.append((str(key), " ".join(str(item) for item in value)))
        else:
            lines.append((str(key), str(value)))
    return lines
