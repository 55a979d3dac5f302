"""Reminder runs: each member's reminders due on a day, recorded once (rules.md section 11).

A mixin of `CredentialService`. A run for day D asks each member's credential which reminders
are due (`Credential.issue_reminders`) and records them through the ordinary command loop, so
two runs at once, or a rerun after a crash, record each reminder exactly once: the second
writer to a member fails on the store's version check, reads the member again and finds the
reminders already issued.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from application.commands import IssueReminders
from domain.credential import SYSTEM, Credential, Stamp
from domain.events import ReminderIssued
from domain.guards import check_not_in_future
from domain.policy import PolicyBook


@dataclass(frozen=True)
class IssuedReminder:
    member_id: str
    name: str | None
    reminder: ReminderIssued


@dataclass
class ReminderRun:
    as_of: date
    reminders: list[IssuedReminder] = field(default_factory=list)
    members: int = 0  # members looked at


class ReminderRuns:
    """The runs, on the service that mixes it in (its `member_ids`, `credential`, `_command`, `book` and
    `clock`)."""

    member_ids: Any
    credential: Any
    _command: Any
    book: Any
    clock: Any

    def issue_reminders(self, as_of: date, member_ids: Iterable[str] | None = None,
                        idempotency_key: str | None = None) -> ReminderRun:
        """Record every reminder due on `as_of` (not after today) to each member of `member_ids`
        (default: every member); a member with none due is left as it is. A repeated
        `idempotency_key` answers the reminders its first run recorded, and records nothing."""
        check_not_in_future(as_of, Stamp(self.clock()), "as_of")
        command = IssueReminders(as_of)
        run = ReminderRun(as_of)
        for member_id in self.member_ids() if member_ids is None else member_ids:
            run.members += 1
            member_key = None if idempotency_key is None else f"{idempotency_key}:{member_id}"
            run.reminders += self._remind(member_id, command, member_key)
        return run

    def _remind(self, member_id: str, command: IssueReminders, key: str | None) -> list[IssuedReminder]:
        issued: list[IssuedReminder] = []

        def act(credential: Credential | None, stamp: Stamp, book: PolicyBook) -> Credential:
            assert credential is not None
            # A retry after another writer's change starts again from the member as it is now.
            issued[:] = [IssuedReminder(credential.member_id, credential.name, reminder)
                         for reminder in credential.issue_reminders(command.as_of, book, stamp.by(SYSTEM))]
            return credential

        if key is None and not self.credential(member_id).reminders_due(command.as_of, self.book()):
            return []  # nothing due: the usual case of a daily run, answered without the command loop
        if self._command(member_id, key, command.fingerprint, act).repeated:
            credential = self.credential(member_id)
            return [IssuedReminder(member_id, credential.name, fact) for fact in credential.history
                    if isinstance(fact, ReminderIssued) and fact.idempotency_key == key]
        return issued
