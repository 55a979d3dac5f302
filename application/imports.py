"""Importing a register: rows of an existing register recorded as facts (rules.md section 13).

A mixin of `CredentialService`. Each row stands for one member command (application/commands.py,
the very objects the API builds) and is judged by `CredentialService._apply`, the method that
judges every recorded command, so an imported fact obeys every rule a posted one does.

A member's rows apply in the order the facts were learned: rows that say when the old register
learned them (`recorded_at`) in that order, then the rest, known from the import, in business-date
order; within a day certifications, audit selections, activities, documentation, renewals (the
same-day order of rules.md section 14), then the file's order. When no row gives `recorded_at`
this is exactly business-date order, whatever the order in the file.

The bulk path judges all of a member's rows on one in-memory credential (a refused row leaves it
as it was) and writes the accepted facts of many members in one insert, one transaction: a
batch is recorded whole or not at all. A batch refused because another writer changed one of
its members is judged again member by member, each against the member as now stored; a batch
whose insert's reply was lost is looked up (one member's facts tell: it is one insert) and, if it
was not recorded, judged again the same way (application/once.py).

Every row is recorded under the idempotency key `import:<row_id>`, bound to the row's command:
importing a file again, or again after an interrupted run, records only what is missing, and a
row whose content changed under the same id is refused (`row_changed`).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from eventsourcing.persistence import IntegrityError

from application.commands import Certify, MemberCommand, ReviewDocumentation, SelectForAudit, SubmitRenewal
from application.once import LOST_REPLY
from application.once import recorded as was_recorded
from domain.credential import IMPORT, Credential, Stamp
from domain.errors import CredentialError, InvalidCommand, MemberNotFound, RuleViolation
from domain.events import ActivityClaimed
from domain.policy import PolicyBook

IMPORT_KEY_PREFIX = "import:"
# Facts of one business day apply in this order of kind (rules.md section 14); activities sit
# between audit selections and documentation.
SAME_DAY_RANK: dict[type[MemberCommand], int] = {Certify: 0, SelectForAudit: 1, ReviewDocumentation: 3,
                                                 SubmitRenewal: 4}
ACTIVITY_RANK = 2
# Members judged before their facts are written together: big enough to make the insert cheap,
# small enough that a batch refused by a concurrent writer costs little to judge again.
BATCH_MEMBERS = 200
# How far apart facts learned at one moment may end up: each is recorded a microsecond after the last.
SAME_MOMENT = timedelta(milliseconds=1)
# Above this many members, those already recorded are read in one pass rather than one by one.
SCAN_MEMBERS_ABOVE = 1_000


@dataclass(frozen=True)
class RowRefusal:
    row_id: str
    line: int
    code: str
    message: str


@dataclass(frozen=True)
class RegisterRow:
    """One row of a register: the command it stands for, or why no command could be read from it.

    A documentation row's `rejected` pairs name activity *rows* (their `row_id`), resolved to the
    member's activity ids when the row is judged."""

    row_id: str
    line: int
    member_id: str
    on: date | None  # the business date; None only when the row could not be read
    command: MemberCommand | None
    unreadable: CredentialError | None = None
    recorded_at: datetime | None = None
    # What an earlier import of the row must have said for it to count as imported already: the
    # reader's digest of the row's content, by value; else the command's fingerprint.
    fingerprint: str | None = None

    @property
    def key(self) -> str:
        return f"{IMPORT_KEY_PREFIX}{self.row_id}"

    def order(self) -> tuple[Any, ...]:
        learned = (0, self.recorded_at) if self.recorded_at is not None else (1, None)
        rank = SAME_DAY_RANK.get(type(self.command), ACTIVITY_RANK) if self.command is not None else -1
        return (*learned, self.on or date.min, rank, self.line)


@dataclass
class ImportReport:
    rows: int = 0
    recorded: int = 0  # rows recorded (in a dry run: that would be)
    already_imported: int = 0  # rows a previous import of the same rows recorded
    members: int = 0
    dry_run: bool = False
    refused: list[RowRefusal] = field(default_factory=list)

    @property
    def judged(self) -> int:
        """Rows judged so far: recorded, already imported or refused."""
        return self.recorded + self.already_imported + len(self.refused)

    def count(self, other: ImportReport) -> None:
        self.recorded += other.recorded
        self.already_imported += other.already_imported
        self.refused += other.refused


Progress = Callable[[ImportReport], None]


class Books:
    """The policy book a row is judged under: as known when the register learned it (`recorded_at`),
    else as known now; read once a batch, so consecutive rows share one book."""

    def __init__(self, book_at: Callable[[datetime | None], PolicyBook]) -> None:
        self.book_at = book_at
        self.now = book_at(None)

    def known_at(self, recorded_at: datetime | None) -> PolicyBook:
        return self.now if recorded_at is None else self.book_at(recorded_at)


class RegisterImports:
    """The import, on the service that mixes it in (its `_find`, `member_ids`, `_apply`, `books`, `clock`,
    `save`)."""

    _find: Any
    member_ids: Any
    books: Any
    _apply: Any
    clock: Any
    save: Any
    max_attempts: int

    def import_register(self, rows: Iterable[RegisterRow], *, dry_run: bool = False,
                        progress: Progress | None = None) -> ImportReport:
        """Judge and record every row (in a dry run, judge only); report the refused ones."""
        by_member: dict[str, list[RegisterRow]] = defaultdict(list)
        report = ImportReport(dry_run=dry_run)
        for row in rows:
            report.rows += 1
            by_member[row.member_id].append(row)
        report.members = len(by_member)
        members = list(by_member.items())
        # For a large import, the members recorded are read once, so a member not yet recorded costs
        # no read (a migration's every member); one recorded meanwhile by another writer fails the
        # batch's insert, which is then judged again. A small one reads its members one by one.
        recorded = set(self.member_ids()) if len(members) > SCAN_MEMBERS_ABOVE else None
        for start in range(0, len(members), BATCH_MEMBERS):
            batch = members[start:start + BATCH_MEMBERS]
            for outcome in self._import_batch(batch, dry_run, recorded):
                report.count(outcome)
            if progress is not None:
                progress(report)
        report.refused.sort(key=lambda refusal: refusal.line)
        return report

    def _import_batch(self, batch: Sequence[tuple[str, list[RegisterRow]]], dry_run: bool,
                      recorded: set[str] | None) -> list[ImportReport]:
        books = Books(self.books())
        judged = [self._judge_member(member_id, rows, books, recorded is None or member_id in recorded)
                  for member_id, rows in batch]
        outcomes = [outcome for _, outcome in judged]
        changed = [credential for credential, _ in judged if credential is not None and credential.pending_events]
        if dry_run or not changed:
            return outcomes
        for credential in changed:  # saved, it may be cached: no kept folds in the cache
            credential.forget_replays()
        sent = changed[0].member_id, changed[0].pending_events[0]
        try:
            # The credentials, not their events: the library checks each object saved against a
            # runtime Protocol, which measured about a tenth of judging and recording a batch.
            self.save(*changed)
        except IntegrityError:
            # Another writer changed a member of the batch: nothing of it was recorded.
            return [self._import_member(member_id, rows) for member_id, rows in batch]
        except LOST_REPLY:
            # Recorded whole or not at all (one insert): one member's facts tell which.
            if self._recorded(*sent):
                return outcomes
            return [self._import_member(member_id, rows) for member_id, rows in batch]
        return outcomes

    def _recorded(self, member_id: str, sent: Any) -> bool:
        """Whether `sent`, a fact of an insert whose reply was lost, is stored (application/once.py)."""
        credential: Credential | None = self._find(member_id)
        return credential is not None and was_recorded(credential.history, sent)

    def _import_member(self, member_id: str, rows: list[RegisterRow]) -> ImportReport:
        """One member's rows judged against the member as stored, and recorded on their own."""
        trouble: Exception | None = None  # the storage error of the last attempt, if that is how it failed
        for _attempt in range(self.max_attempts):
            credential, outcome = self._judge_member(member_id, rows, Books(self.books()), True)
            if credential is None or not credential.pending_events:
                return outcome
            credential.forget_replays()
            sent = credential.pending_events[0]
            try:
                self.save(credential)
            except IntegrityError:
                trouble = None
                continue
            except LOST_REPLY as error:
                if self._recorded(member_id, sent):
                    return outcome
                trouble = error
                continue
            return outcome
        if trouble is not None:  # the store, not another writer: the import stops, to be run again
            raise trouble
        refused = ImportReport()
        refused.refused = [RowRefusal(row.row_id, row.line, "concurrent_change",
                                      f"member {member_id!r} was changed by another writer throughout; import again")
                           for row in rows]
        return refused

    def _judge_member(self, member_id: str, rows: list[RegisterRow], books: Books, recorded: bool,
                      ) -> tuple[Credential | None, ImportReport]:
        """Every row of one member judged in turn on the member's credential as stored; the facts
        of the accepted rows are left pending on the credential returned."""
        credential: Credential | None = self._find(member_id) if recorded else None
        if credential is not None:
            credential.keep_replays()
        outcome = ImportReport()
        for row in sorted(rows, key=RegisterRow.order):
            try:
                credential = self._judge_row(row, credential, books, outcome)
            except MemberNotFound as error:
                refusal = _before_opening(row, rows) or error
                outcome.refused.append(RowRefusal(row.row_id, row.line, refusal.code, refusal.message))
            except CredentialError as error:
                outcome.refused.append(RowRefusal(row.row_id, row.line, error.code, error.message))
        return credential, outcome

    def _judge_row(self, row: RegisterRow, credential: Credential | None, books: Books,
                   outcome: ImportReport) -> Credential | None:
        if row.command is None:
            assert row.unreadable is not None
            raise row.unreadable
        fingerprint = row.fingerprint or row.command.fingerprint
        if credential is not None:
            prior = credential.first_fact_with_key(row.key)
            if prior is not None:
                if prior.request_hash != fingerprint:
                    raise InvalidCommand("row_changed", f"row {row.row_id!r} was imported before with other "
                                                        "content; a changed row needs a new row_id")
                outcome.already_imported += 1
                return credential
        command = row.command
        if isinstance(command, ReviewDocumentation):
            command = dataclasses.replace(command, rejected=tuple(
                (_imported_activity(credential, row.member_id, row_id), reason)
                for row_id, reason in command.rejected))
        stamp = self._stamp(row, credential, fingerprint)
        length = len(credential.history) if credential is not None else 0
        try:
            judged: Credential = self._apply(command, credential, stamp, books.known_at(row.recorded_at))
        except CredentialError:
            # A command's guards all run before it records anything, so a refused row leaves
            # the credential as it was; a command that broke that rule must not go unnoticed.
            if credential is not None and len(credential.history) != length:
                raise RuntimeError(f"{type(command).__name__} recorded facts before refusing") from None
            raise
        if judged is not credential:  # the row opened the member's credential
            judged.keep_replays()
        outcome.recorded += 1
        return judged

    def _stamp(self, row: RegisterRow, credential: Credential | None, fingerprint: str) -> Stamp:
        last = credential.history[-1].timestamp if credential is not None and credential.history else None
        if row.recorded_at is None:
            return Stamp.after(self.clock(), last, row.key, fingerprint, IMPORT)
        # Times are recorded in UTC whatever offset the row gave, so the day a fact was learned on
        # (which its business date may not be after) is the UTC day, as for every other fact.
        recorded_at = row.recorded_at.astimezone(UTC)
        if recorded_at > self.clock():
            raise InvalidCommand("recorded_at_in_future", f"recorded_at {row.recorded_at.isoformat()} is in the future")
        # Facts learned at one moment are recorded a microsecond apart (below), so the last may be
        # a little after the moment this row names too.
        if last is not None and recorded_at < last - SAME_MOMENT:
            raise InvalidCommand(
                "recorded_at_before_known_fact",
                f"recorded_at {row.recorded_at.isoformat()} is earlier than a fact already recorded for member "
                f"{row.member_id!r} (at {last.isoformat()}): what the register knew cannot change what was "
                "already known", last_recorded_at=last.isoformat())
        # A fact learned at the same time as the last is recorded just after it, as a command is.
        return Stamp.after(recorded_at, last, row.key, fingerprint, IMPORT)


def _before_opening(row: RegisterRow, rows: Sequence[RegisterRow]) -> CredentialError | None:
    """Why a row found no credential when the member's rows certify them later: a fact dated
    before the first certification, or one learned (`recorded_at`) before it was."""
    certifications = [r for r in rows if isinstance(r.command, Certify) and r.order() > row.order()]
    if not certifications or row.on is None:
        return None
    first = min(certifications, key=RegisterRow.order)
    assert first.on is not None
    if row.on < first.on:
        return RuleViolation("before_certification", f"{row.on} is before the member's first certification, "
                                                     f"on {first.on} (line {first.line})",
                             certified_on=first.on.isoformat())
    return InvalidCommand("recorded_before_certification", f"the row's recorded_at is earlier than when the member's "
                                                           f"first certification (line {first.line}) is known: rows "
                                                           "apply in the order learned, and nothing is known of a "
                                                           "member before their certification")


def _imported_activity(credential: Credential | None, member_id: str, row_id: str) -> str:
    """The activity id recorded for the activity row `row_id` of this member's import."""
    if credential is None:
        raise MemberNotFound(member_id)
    claimed = credential.first_fact_with_key(f"{IMPORT_KEY_PREFIX}{row_id}")
    if not isinstance(claimed, ActivityClaimed):
        raise InvalidCommand("unknown_row", f"rejected_row_ids names {row_id!r}, which is not an imported "
                                            "activity row of this member", row_id=row_id)
    return claimed.activity_id
