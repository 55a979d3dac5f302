"""Bearer tokens from the tokens setting ("role:token,role:token") and what each role may do.

Tokens are compared in constant time against every configured token (hashed first, so
not even their lengths leak), and never appear in a message, a log line or a repr.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum

from flask import request

from application.settings import TOKENS as TOKENS_VARIABLE
from web.errors import ApiError


class Permission(Enum):
    READ = "read"  # status and history
    RECORD = "record"  # certifications, activities, renewals
    AUDIT = "audit"  # audit selection and documentation review
    REPORT = "report"  # the reports
    CORRECT = "correct"  # withdrawing and amending recorded facts (staff only)
    SET_POLICY = "set policy"  # adopting and withdrawing policy versions (staff only)
    REMIND = "remind"  # running reminders and reading their outbox (staff only)
    TRY = "try"  # trying commands without recording them (what-if)
    EXPORT = "export"  # a member's every recorded fact, for archiving or moving (staff only)
    IMPORT = "import"  # bringing a register in (staff only)
    REPORT_COMPLETIONS = "report completions"  # an approved provider's course rosters (providers and staff)


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "staff": frozenset(Permission),
    "auditor": frozenset({Permission.READ, Permission.AUDIT, Permission.TRY}),
    "reporter": frozenset({Permission.READ, Permission.REPORT}),
    # An approved provider's own system: it reports its courses' attendees, and reads nothing.
    "provider": frozenset({Permission.REPORT_COMPLETIONS}),
}

class TokenConfigError(ValueError):
    pass


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


@dataclass(frozen=True)
class TokenBook:
    entries: tuple[tuple[str, bytes], ...]  # (role, sha256 of the token)

    @classmethod
    def parse(cls, text: str | None) -> TokenBook:
        """`role:token` pairs, comma-separated; an empty or unset value configures none."""
        entries = []
        for position, item in enumerate((text or "").split(","), start=1):
            if not item.strip():
                continue
            role, sep, token = item.strip().partition(":")
            if not sep or not token.strip():
                raise TokenConfigError(f"{TOKENS_VARIABLE} entry {position} is not role:token")
            if role not in ROLE_PERMISSIONS:
                roles = ", ".join(ROLE_PERMISSIONS)
                raise TokenConfigError(f"{TOKENS_VARIABLE} entry {position} has unknown role {role!r}; roles: {roles}")
            entries.append((role, token_digest(token.strip())))
        return cls(tuple(entries))

    def __repr__(self) -> str:
        return f"TokenBook(roles={[role for role, _ in self.entries]})"

    def role_of(self, token: str) -> str | None:
        presented = token_digest(token)
        role = None
        for candidate, digest in self.entries:  # no early exit: every token is compared
            if hmac.compare_digest(presented, digest):
                role = role or candidate
        return role


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="credentials"'})


def authorize(book: TokenBook, permission: Permission) -> str:
    """The caller's role, if it has `permission`; else 401 (no or unknown token) or 403."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("an Authorization: Bearer <token> header is required")
    role = book.role_of(token.strip())
    if role is None:
        raise _unauthorized("the token is not recognised")
    if permission not in ROLE_PERMISSIONS[role]:
        raise ApiError(403, "forbidden", f"the {role} role may not {permission.value}",
                       {"role": role, "permission": permission.value})
    return role
