"""Bearer tokens from the tokens setting and what each role may do.

The setting is a comma-separated list of entries, each `role:token` or `role:name:token`
(http-api.md 1.1); a token never contains `:`. The name, else the role, is who recorded the
facts a request with that token records (`recorded_by`). A setting that cannot be right is
refused before serving starts (`TokenConfigError`): an entry that is not one of those shapes,
an unknown role, a token shorter than MIN_TOKEN_LENGTH, or one token under two entries (which
would give it the first entry's role and name, silently).

Tokens are compared in constant time against every configured token (hashed first, so
not even their lengths leak), and never appear in a message, a log line or a repr. No
message about an entry repeats any part of it but a known role: in a swapped `token:role`
entry the "role" is the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import Enum

from flask import g, request

from application.settings import TOKENS as TOKENS_VARIABLE
from domain.credential import CLI, DEMO, IMPORT, SYSTEM
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

# A token shorter than this is refused: 32 characters of `secrets.token_urlsafe` carry 192 bits.
MIN_TOKEN_LENGTH = 32
# Who records the facts no token asked for (domain.credential); no token may be named so.
RESERVED_NAMES = frozenset({SYSTEM, IMPORT, CLI, DEMO})
# A token's name: what the history shows as `recorded_by`.
TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
# What a token is made of: printable ASCII but `:` and `,` (the setting's separators) and spaces.
TOKEN_TEXT = re.compile(r"[!-+\--9;-~]+")


class TokenConfigError(ValueError):
    pass


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


@dataclass(frozen=True)
class Asker:
    """Who a request's token says is asking: its role, and who the facts it records were recorded by."""

    role: str
    recorded_by: str


@dataclass(frozen=True)
class TokenBook:
    entries: tuple[tuple[str, bytes], ...]  # (role, sha256 of the token)
    names: tuple[str | None, ...] = ()  # each entry's name, if it has one (same order as `entries`)

    @classmethod
    def parse(cls, text: str | None) -> TokenBook:
        """`role:token` or `role:name:token` entries, comma-separated; an empty or unset value
        configures none. Refused (TokenConfigError, naming the entry by its place, never its
        text): a malformed entry, an unknown role, a short token, a token under two entries."""
        entries: list[tuple[str, bytes]] = []
        names: list[str | None] = []
        first_place: dict[bytes, int] = {}
        for place, item in enumerate((text or "").split(","), start=1):
            if not item.strip():
                continue
            role, name, token = _entry(place, item)
            digest = token_digest(token)
            if digest in first_place:
                raise TokenConfigError(f"{TOKENS_VARIABLE} entries {first_place[digest]} and {place} have the same "
                                       "token: each token may stand under one role and name only")
            first_place[digest] = place
            entries.append((role, digest))
            names.append(name)
        return cls(tuple(entries), tuple(names))

    def __repr__(self) -> str:
        return f"TokenBook(roles={[role for role, _ in self.entries]})"

    def asker(self, token: str) -> Asker | None:
        """The role and name of `token`, if it is configured; every token is compared."""
        presented = token_digest(token)
        found = None
        for place, (role, digest) in enumerate(self.entries):  # no early exit: every token is compared
            if hmac.compare_digest(presented, digest) and found is None:
                found = Asker(role, self.recorded_by(place))
        return found

    def role_of(self, token: str) -> str | None:
        asker = self.asker(token)
        return None if asker is None else asker.role

    def recorded_by(self, place: int) -> str:
        """Who the entry at `place` (of `entries`) records facts as: its name, else its role."""
        name = self.names[place] if place < len(self.names) else None
        return name or self.entries[place][0]

    def recorded_by_digest(self, digest: bytes) -> str | None:
        """Who the token with this digest records facts as (None: no such token)."""
        for place, (_, candidate) in enumerate(self.entries):
            if hmac.compare_digest(candidate, digest):
                return self.recorded_by(place)
        return None


def _entry(place: int, item: str) -> tuple[str, str | None, str]:
    where = f"{TOKENS_VARIABLE} entry {place}"
    parts = [part.strip() for part in item.strip().split(":")]
    if len(parts) not in (2, 3) or not all(parts):
        raise TokenConfigError(f"{where} is not role:token or role:name:token (a token never contains ':')")
    role, token = parts[0], parts[-1]
    name = parts[1] if len(parts) == 3 else None
    roles = ", ".join(ROLE_PERMISSIONS)
    if role not in ROLE_PERMISSIONS:
        # Not repeated: an entry written token:role would show its token here.
        hint = "; it looks like token:role, write role:token" if token in ROLE_PERMISSIONS else ""
        raise TokenConfigError(f"{where} does not start with a known role (roles: {roles}){hint}")
    if name is not None and (not TOKEN_NAME.fullmatch(name) or name in RESERVED_NAMES):
        raise TokenConfigError(f"{where} has a name that is not allowed: up to 64 letters, digits and . _ @ + -, "
                               f"starting with a letter or digit, and not one of {', '.join(sorted(RESERVED_NAMES))}")
    if not TOKEN_TEXT.fullmatch(token):
        raise TokenConfigError(f"{where} has a token with a space, a control character or a character outside "
                               "printable ASCII")
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenConfigError(f"{where} has a token shorter than {MIN_TOKEN_LENGTH} characters "
                               "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return role, name, token


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="credentials"'})


def authorize(book: TokenBook, permission: Permission) -> str:
    """The caller's role, if it has `permission`; else 401 (no or unknown token) or 403.
    Who is asking is kept for the request (`recorded_by`)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("an Authorization: Bearer <token> header is required")
    asker = book.asker(token.strip())
    if asker is None:
        raise _unauthorized("the token is not recognised")
    if permission not in ROLE_PERMISSIONS[asker.role]:
        raise ApiError(403, "forbidden", f"the {asker.role} role may not {permission.value}",
                       {"role": asker.role, "permission": permission.value})
    g.recorded_by = asker.recorded_by
    return asker.role


def recorded_by() -> str | None:
    """Who the facts this request records are recorded by: the name of the token that
    authorized it, else its role (set by `authorize`, or by the staff pages' sessions)."""
    who = g.get("recorded_by")
    return who if isinstance(who, str) else None
