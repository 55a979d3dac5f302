"""What-if: commands tried against a member's known facts, never recorded (rules.md section 12).

A mixin of `CredentialService`. Each command is judged by the very method that judges it when
it is recorded (`CredentialService._apply`), in the order given, on a private copy of the
member's credential: an accepted command's facts stay on the copy for the commands after it, a
refused one leaves the copy as it was. Nothing is ever saved, so the store is untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from application.commands import MemberCommand
from domain.credential import Credential, Stamp
from domain.document import CredentialStatus, status_of
from domain.errors import CredentialError
from domain.events import ActivityClaimed


@dataclass(frozen=True)
class TriedOutcome:
    accepted: bool
    cecs_awarded: Decimal | None = None
    error: CredentialError | None = None


@dataclass(frozen=True)
class WhatIf:
    outcomes: list[TriedOutcome]
    status: dict[date, CredentialStatus]  # on each asked date, every known fact plus the accepted ones
    known_at: datetime  # after the last tried fact: every fact the answers fold is known then


class WhatIfTrials:
    """The trials, on the service that mixes it in (its `_find`, `_apply`, `book` and `clock`)."""

    _find: Any
    _apply: Any
    book: Any
    clock: Any

    def what_if(self, member_id: str, commands: Sequence[MemberCommand], on: Sequence[date]) -> WhatIf:
        """Try `commands` in order on the member (who need not exist yet: a tried certification
        opens the credential) and answer the status on each day of `on`; record nothing."""
        credential: Credential | None = self._find(member_id)  # a copy of its own: never saved
        outcomes = []
        last = credential.history[-1].timestamp if credential is not None and credential.history else None
        for command in commands:
            stamp = Stamp.after(self.clock(), last)
            tried = copy.deepcopy(credential)
            before = len(tried.history) if tried is not None else 0
            try:
                tried = self._apply(command, tried, stamp)
            except CredentialError as error:
                outcomes.append(TriedOutcome(False, error=error))
                continue
            credential = tried
            new = credential.history[before:]
            last = new[-1].timestamp if new else last
            claimed = next((f for f in new if isinstance(f, ActivityClaimed)), None)
            outcomes.append(TriedOutcome(True, claimed.cecs if claimed is not None else None))
        history = credential.history if credential is not None else []
        book = self.book()
        known_at = max(self.clock(), last) if last is not None else self.clock()
        return WhatIf(outcomes, {day: status_of(history, day, None, book) for day in on}, known_at)
