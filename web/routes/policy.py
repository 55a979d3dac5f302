"""Policy: the versions of the rule book, every value of each, as known at a time; staff adopt a
version (only the values that change) and withdraw one adopted in error (rules.md section 9)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from application.commands import AdoptPolicyVersion, WithdrawPolicyVersion
from domain.policy_register import VersionRecord
from web.auth import Permission, recorded_by
from web.endpoint import Operation, endpoint
from web.schemas.parameters import KnownAtQuery, VersionPath
from web.schemas.policy import AdoptionBody, PolicyDocument, PolicyVersionDocument, VersionWithdrawalBody
from web.services import service

policy = Blueprint("policy", __name__)


@endpoint(policy, Operation(
    "GET", "/policy", "Every policy version and every value of each, as known at a time", "policy", PolicyDocument,
    permission=Permission.READ, query=KnownAtQuery,
    description="Each version's `values` is the whole book in force from its `effective_from`, carried-over values "
                "included. `known_at` lists only the versions adopted by then, as they stood then.",
))
def versions(query: dict[str, Any]) -> dict[str, Any]:
    return {"versions": service().policy_versions(query["known_at"])}


@endpoint(policy, Operation(
    "POST", "/policy/versions", "Adopt a policy version (PolicyVersionAdopted)", "policy", PolicyVersionDocument, 201,
    Permission.SET_POLICY, body=AdoptionBody, idempotent=True, refusals=(409, 422),
    description="Answers the stored version with its whole book. Refused whole with 422 `invalid_policy`, whose "
                "`details.problems` names every bad value by its path (`certifications.CPT.renewal_fee`); 409 "
                "`version_exists` when the name is taken (versions are never edited).",
))
def adopt(body: dict[str, Any], idempotency_key: str | None) -> VersionRecord:
    command = AdoptPolicyVersion(body["version"], body["effective_from"], body["values"])
    return service().execute(command, idempotency_key, recorded_by())


@endpoint(policy, Operation(
    "POST", "/policy/versions/<version>/withdrawal", "Withdraw a policy version adopted in error "
    "(PolicyVersionWithdrawn)", "policy", PolicyVersionDocument, 200, Permission.SET_POLICY, VersionPath,
    body=VersionWithdrawalBody, idempotent=True, refusals=(404, 409, 422),
    description="From now on the version governs nothing; it stays listed with its `withdrawn_at`. Refused: 404 "
                "`policy_version_not_found`, 422 `not_withdrawable` (the built-in version), `already_withdrawn`.",
))
def withdraw(path: dict[str, str], body: dict[str, Any], idempotency_key: str | None) -> VersionRecord:
    return service().execute(WithdrawPolicyVersion(path["version"], body["reason"]), idempotency_key, recorded_by())
