"""Commands as data: a command's fingerprint covers every one of its fields, so a reused
idempotency key is caught whichever field differs, and the fingerprints stored before
commands were data still match a repeat of their request."""

from __future__ import annotations

import hashlib
import json
import types
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest
from rules_support import D, certified_cpt_with, workshop

from application import commands
from application.commands import (
    AdoptPolicyVersion,
    AmendActivity,
    Certify,
    ClaimActivity,
    Command,
    DrawAuditSample,
    IssueReminders,
    ReportRoster,
    ReviewDocumentation,
    SelectForAudit,
    SubmitRenewal,
    WithdrawFact,
    WithdrawPolicyVersion,
)
from application.service import CredentialService
from domain.credential import Stamp
from domain.errors import IdempotencyKeyReused
from domain.rules import ActivityClaim

# One of each command, its optional fields left at their defaults where the test can fill them in.
EXAMPLES: list[Command] = [
    Certify("m-1", "CPT", D("2024-03-01")),
    ClaimActivity("m-1", ActivityClaim("acsm_workshop", "Workshop", D("2024-05-01"), hours=Decimal("12.0"))),
    SubmitRenewal("m-1", D("2027-11-01")),
    SelectForAudit("m-1", D("2028-03-01"), seed="s", rate=Decimal("0.05")),
    ReviewDocumentation("m-1", D("2028-03-20"), (("a-1", "no member name"), ("a-2", "illegible"))),
    DrawAuditSample(2027, Decimal("0.05"), "s"),
    WithdrawFact("m-1", "4", "entered twice", D("2028-04-01"), D("2028-07-01")),
    AmendActivity("m-1", "a-1", ActivityClaim("acsm_workshop", "Workshop", D("2024-05-01"), hours=Decimal("3.0")),
                  "30 hours typed for 3"),
    AdoptPolicyVersion("2030-01-01", D("2030-01-01"), {"late_fee": "30.00", "reminders": {"grace_ends": [14]}}),
    WithdrawPolicyVersion("2030-01-01", "adopted in error"),
    IssueReminders(D("2028-03-01")),
    ReportRoster("NSCA", "KB-101", "Kettlebells", D("2024-05-01"), ("m-1", "m-2"), hours=Decimal("6.0")),
]
ANOTHER_VALUE_OF: dict[object, Any] = {str: "another", date: D("2001-02-03"), Decimal: Decimal("7.5"), int: 7}


def every_command_class() -> set[type[Command]]:
    found, pending = set(), [Command]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__ == commands.__name__ and not subclass.__subclasses__():
                found.add(subclass)
    return found


def one_field_changed(value: Any, hint: Any) -> Iterator[tuple[str, Any]]:
    """(which field, `value` with that one field changed), for every field however deeply nested."""
    if is_dataclass(value):
        hints = get_type_hints(type(value))
        for each in fields(value):
            for where, changed in one_field_changed(getattr(value, each.name), hints[each.name]):
                yield f".{each.name}{where}", replace(value, **{each.name: changed})
    elif isinstance(value, Mapping):
        for key, item in value.items():
            for where, changed in one_field_changed(item, Any):
                yield f"[{key!r}]{where}", {**value, key: changed}
        yield "[a key added]", {**value, "another": 1}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for where, changed in one_field_changed(item, Any):
                yield f"[{index}]{where}", [*value[:index], changed, *value[index + 1:]]
    elif isinstance(value, tuple):
        item_hints = get_args(hint)
        homogeneous = item_hints[-1] is Ellipsis
        for index, item in enumerate(value):
            for where, changed in one_field_changed(item, item_hints[0] if homogeneous else item_hints[index]):
                yield f"[{index}]{where}", (*value[:index], changed, *value[index + 1:])
        if homogeneous:
            yield "[-1] left out", value[:-1]
    else:
        yield "", another(value, hint)


def another(value: Any, hint: Any) -> Any:
    if value is None:
        assert get_origin(hint) in (Union, types.UnionType), f"{hint} given None"
        (hint,) = [arg for arg in get_args(hint) if arg is not type(None)]
        return ANOTHER_VALUE_OF[hint]
    if isinstance(value, bool):
        return not value
    if isinstance(value, date):
        return value + timedelta(days=1)
    if isinstance(value, str):
        return value + "-changed"
    return value + 1


def test_every_command_has_an_example() -> None:
    assert {type(example) for example in EXAMPLES} == every_command_class()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: type(example).__name__)
def test_changing_any_one_field_of_a_command_changes_its_fingerprint(example: Command) -> None:
    """Decision: a key names one command; the fingerprint is derived, so no field can be left out of it."""
    variants = dict(one_field_changed(example, type(example)))
    assert len(variants) >= len(fields(example))
    for where, changed in variants.items():
        if where == ".member_id":
            continue  # the member id scopes the key instead: it is looked up in that member's history only
        assert changed.fingerprint != example.fingerprint, f"{type(example).__name__}{where} is not fingerprinted"


def test_commands_of_two_kinds_never_share_a_fingerprint_though_their_fields_do() -> None:
    assert Certify("m-1", "CPT", D("2024-03-01")).fingerprint != SubmitRenewal("m-1", D("2024-03-01")).fingerprint
    assert SelectForAudit("m-1", D("2028-03-01")).fingerprint != ReviewDocumentation("m-1", D("2028-03-01")).fingerprint


def test_a_field_with_no_canonical_form_is_refused_rather_than_fingerprinted_loosely() -> None:
    with pytest.raises(TypeError, match="no canonical form"):
        _ = Certify("m-1", {"CPT"}, D("2024-03-01")).fingerprint  # type: ignore[arg-type]


def fingerprint_before_commands_were_data(command: str, **arguments: Any) -> str:
    """The command methods' fingerprint before commands were data, with their hand-listed arguments."""
    body = json.dumps({"command": command, **arguments}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def test_the_fingerprints_stored_before_commands_were_data_are_unchanged() -> None:
    """Decision: stored events keep their request_hash, so a repeat of an old request still answers as a repeat."""
    certify, claim, renew, select, review = EXAMPLES[:5]
    assert isinstance(claim, ClaimActivity)
    old = fingerprint_before_commands_were_data
    assert certify.fingerprint == old("certify", certification="CPT", on=D("2024-03-01"), name=None)
    assert claim.fingerprint == old("claim_activity", **vars(claim.claim))
    assert renew.fingerprint == old("submit_renewal", on=D("2027-11-01"), fee_paid=None)
    assert select.fingerprint == old("select_for_audit", on=D("2028-03-01"), seed="s", rate=Decimal("0.05"))
    assert review.fingerprint == old("review_documentation", on=D("2028-03-20"), replace_by=None,
                                     rejected=[("a-1", "no member name"), ("a-2", "illegible")])


def test_a_repeat_of_a_request_recorded_before_commands_were_data_answers_as_a_repeat(
        service: CredentialService) -> None:
    certified_cpt_with(service, "m-1")
    old_hash = fingerprint_before_commands_were_data("submit_renewal", on=D("2022-11-01"), fee_paid=None)
    credential = service.credential("m-1", for_change=True)
    credential.submit_renewal(D("2022-11-01"), None, service.policy,
                              Stamp(service.clock(), "renew-1", old_hash))
    service.save(credential)
    again = service.execute(SubmitRenewal("m-1", D("2022-11-01")), idempotency_key="renew-1")
    assert again.repeated is True
    with pytest.raises(IdempotencyKeyReused):
        service.execute(SubmitRenewal("m-1", D("2022-11-02")), idempotency_key="renew-1")


def test_the_named_methods_and_execute_are_one_command(service: CredentialService) -> None:
    service.certify("m-1", "CPT", D("2019-05-10"))
    first = service.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    again = service.execute(ClaimActivity("m-1", workshop("2020-02-03", hours=12)), idempotency_key="k-1")
    assert (again.repeated, again.activity_id) == (True, first.activity_id)


def test_a_command_with_no_handler_is_refused() -> None:
    class Unhandled(Command):
        pass

    with pytest.raises(TypeError, match="no handler"):
        CredentialService(database_url="memory://").execute(Unhandled())  # type: ignore[call-overload]
