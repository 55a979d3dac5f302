"""Commands as data: one small frozen dataclass per command a client can give.

The API, the `credentials` command and the demo loader (and next the importer) all build
these and hand them to `CredentialService.execute`, so a command means the same thing
whichever way it arrives. Each command carries its member id and its arguments, nothing
else: the idempotency key travels beside it, because it names a request, not a change.

A command's `fingerprint` is what an idempotency key is bound to: a key reused for a
different command is refused (`idempotency_key_reused`). It is derived from the dataclass
itself, every field included (nested dataclasses and sequences too), so a field added to a
command is fingerprinted without anyone having to remember it. A value with no canonical
form here is a TypeError, never a silent `str()`.

The derivation reproduces, byte for byte, the fingerprints recorded before commands were
data (each command method listed its arguments by hand), so a repeat of an old request
still answers as a repeat: the command name is the class name in snake case, the business
date keeps the name "on" it was stored under (`STORED_ARGUMENT_NAMES`), an activity claim's
fields are arguments of their own, and the member id is left out: keys are looked up in the
member's own history, so the first request and its repeat always name the same member.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.rules import ActivityClaim

# The names the business dates were fingerprinted under before commands were data.
STORED_ARGUMENT_NAMES = {"certified_on": "on", "submitted_on": "on", "selected_on": "on", "received_on": "on"}
# Not an argument: it names the history the idempotency key is looked up in.
SCOPE_FIELD = "member_id"


@dataclass(frozen=True)
class Command:
    @property
    def fingerprint(self) -> str:
        """sha256 of the command's name and every argument, as canonical JSON."""
        body = json.dumps({"command": command_name(type(self)), **arguments_of(self)}, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class MemberCommand(Command):
    """A command recorded on one member's credential."""

    member_id: str


@dataclass(frozen=True)
class Certify(MemberCommand):
    """Record a certification; the first one opens the member's credential (under `name`)."""

    certification: str
    certified_on: date
    name: str | None = None


@dataclass(frozen=True)
class ClaimActivity(MemberCommand):
    claim: ActivityClaim


@dataclass(frozen=True)
class SubmitRenewal(MemberCommand):
    submitted_on: date
    fee_paid: Decimal | None = None


@dataclass(frozen=True)
class SelectForAudit(MemberCommand):
    """Select the member's latest renewal for audit; `seed` and `rate` record the draw that chose it."""

    selected_on: date
    seed: str | None = None
    rate: Decimal | None = None


@dataclass(frozen=True)
class ReviewDocumentation(MemberCommand):
    received_on: date
    rejected: tuple[tuple[str, str], ...] = ()  # (activity id, reason) pairs
    replace_by: date | None = None


@dataclass(frozen=True)
class WithdrawFact(MemberCommand):
    """Void the member's fact `fact_id`, recorded in error (`decided_on`: default the day recorded)."""

    fact_id: str
    reason: str
    decided_on: date | None = None
    replace_by: date | None = None


@dataclass(frozen=True)
class AmendActivity(MemberCommand):
    """Replace the whole content of the activity `activity_id` with `claim`."""

    activity_id: str
    claim: ActivityClaim
    reason: str


@dataclass(frozen=True)
class AdoptPolicyVersion(Command):
    """Adopt a policy version: `changes` holds only the values that change, as published."""

    version: str
    effective_from: date
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class WithdrawPolicyVersion(Command):
    version: str
    reason: str


@dataclass(frozen=True)
class DrawAuditSample(Command):
    """Draw the yearly audit sample of `renewal_year`'s renewals (`selected_on`: default today).

    Each drawn member is selected by a `SelectForAudit`; under an idempotency key K, member M's
    selection is recorded under "K:M", so it is that command's fingerprint that K is bound to."""

    renewal_year: int
    rate: Decimal
    seed: str
    selected_on: date | None = None


@dataclass(frozen=True)
class IssueReminders(Command):
    """Issue the reminders due on `as_of` (rules.md section 11). Under an idempotency key K, member
    M's reminders are recorded under "K:M", so it is this command's fingerprint that K is bound to."""

    as_of: date


@dataclass(frozen=True)
class ReportRoster(Command):
    """An approved provider reports one course's completions (rules.md section 13): each attendee is
    claimed an `approved_provider` activity of the course (`hours` or `units`, converted as the
    provider's certificate reads). Under an idempotency key K, attendee M's claim is recorded under
    "K:M", so it is this command's fingerprint that K is bound to."""

    provider: str
    course_id: str
    title: str
    completed_on: date
    attendees: tuple[str, ...]
    hours: Decimal | None = None
    units: Decimal | None = None


def command_name(command_type: type[Command]) -> str:
    """`ClaimActivity` -> "claim_activity"."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", command_type.__name__).lower()


def arguments_of(command: Command) -> dict[str, Any]:
    """Every field but the member id, canonical; a field holding a dataclass (the activity
    claim) gives its fields as arguments of their own."""
    arguments: dict[str, Any] = {}
    for name, stored_name in _argument_names(type(command)):
        value = getattr(command, name)
        named = canonical(value).items() if is_dataclass(value) else [(stored_name, canonical(value))]
        for argument, canonical_value in named:
            if argument in arguments or argument == "command":
                raise TypeError(f"{type(command).__name__} has two arguments fingerprinted as {argument!r}")
            arguments[argument] = canonical_value
    return arguments


@functools.cache
def _argument_names(command_type: type[Command]) -> tuple[tuple[str, str], ...]:
    """(field name, name fingerprinted under) of each argument of a command class."""
    return tuple((each.name, STORED_ARGUMENT_NAMES.get(each.name, each.name))
                 for each in fields(command_type) if each.name != SCOPE_FIELD)


def canonical(value: Any) -> Any:
    """`value` as plain JSON data: dataclasses as objects of all their fields, sequences as
    lists, dates ISO 8601, Decimals as their exact string ("12.0" stays "12.0")."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {name: canonical(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): canonical(item) for key, item in sorted(value.items())}
    raise TypeError(f"a command field cannot hold a {type(value).__name__}: it has no canonical form")


@functools.cache
def _field_names(dataclass_type: type) -> tuple[str, ...]:
    return tuple(each.name for each in fields(dataclass_type))
