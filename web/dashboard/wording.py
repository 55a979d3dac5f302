"""How the staff pages say things to a person: labels for the model's codes, and the key
data of each recorded fact in one line. Codes stay in data attributes; people read these."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.events import (
    ActivityClaimed,
    AuditReviewed,
    AuditSelected,
    Certified,
    CredentialFact,
    DocumentationRejected,
    Invalidated,
    MarkedInactive,
    RenewalSubmitted,
)
from domain.reasons import cec_text
from web.schemas.events import ENVELOPE

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
ACRONYMS = {"acsm": "ACSM", "acls": "ACLS", "hfj": "HFJ", "cpr": "CPR", "bls": "BLS", "cec": "CEC"}


def humanize(code: str) -> str:
    """`acsm_workshop` -> `ACSM workshop`, `proof_overdue` -> `Proof overdue`."""
    words = [ACRONYMS.get(word, word) for word in code.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


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
    """The value of a datetime-local input (which has no offset: the form says UTC)."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _plain(value: Any) -> str:
    if isinstance(value, Enum):
        return humanize(str(value.value))
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fact_details(fact: CredentialFact, titles: Mapping[str, str]) -> str:
    """The key data of a fact in one line; `titles` names activities by id, so a rejection
    says which activity it rejected."""
    if isinstance(fact, Certified):
        return fact.certification
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
        activity = titles.get(fact.activity_id, fact.activity_id)
        return f"“{activity}” rejected: {fact.reason}"
    if isinstance(fact, AuditReviewed):
        by = f", replacement CECs due by {fact.replace_by}" if fact.replace_by else ""
        return f"outcome: {fact.outcome.value}{by}"
    if isinstance(fact, (MarkedInactive, Invalidated)):
        return humanize(fact.lapse.value)
    # A fact type added to the model later: its own fields, plainly.
    fields = {k: v for k, v in vars(fact).items() if k not in ENVELOPE and v is not None}
    return "; ".join(f"{humanize(k).lower()} {_plain(v)}" for k, v in fields.items())
