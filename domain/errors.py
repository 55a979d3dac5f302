"""The refusals a rule can give, each with a stable machine code clients can rely on."""

from __future__ import annotations

from typing import Any


class CredentialError(Exception):
    """Base of every error the credential service raises on purpose."""

    code = "credential_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class RuleViolation(CredentialError):
    """Well-formed, but a recertification rule refuses it."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.code = code


class InvalidCommand(CredentialError):
    """Malformed: a value the command cannot be judged with at all."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.code = code


class MemberNotFound(CredentialError):
    code = "member_not_found"

    def __init__(self, member_id: str) -> None:
        super().__init__(f"no credential is recorded for member {member_id!r}", member_id=member_id)


class ActivityNotFound(CredentialError):
    code = "activity_not_found"

    def __init__(self, activity_id: str) -> None:
        super().__init__(f"the member has no activity {activity_id!r}", activity_id=activity_id)


class ConcurrentChange(CredentialError):
    """Another writer changed the member first, and retrying did not get through."""

    code = "concurrent_change"

    def __init__(self, member_id: str) -> None:
        super().__init__(
            f"member {member_id!r} was changed by another request at the same time; retry",
            member_id=member_id,
        )


class IdempotencyKeyReused(CredentialError):
    code = "idempotency_key_reused"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was already used for a different command", idempotency_key=key
        )


class InvalidPolicy(CredentialError):
    """A policy version refused whole: `problems` names every bad value by its dotted path."""

    code = "invalid_policy"

    def __init__(self, problems: dict[str, str]) -> None:
        listed = "; ".join(f"{path}: {problem}" for path, problem in sorted(problems.items()))
        count = len(problems)
        super().__init__(
            f"{count} policy value{'s are' if count != 1 else ' is'} not valid: {listed}", problems=dict(problems)
        )
        self.problems = dict(problems)


class PolicyVersionNotFound(CredentialError):
    code = "policy_version_not_found"

    def __init__(self, version: str) -> None:
        super().__init__(f"no policy version {version!r} was adopted", version=version)
