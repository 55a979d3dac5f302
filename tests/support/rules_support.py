"""Helpers for the behaviour tests of docs/rules.md.

Two ways to build a credential:
- through the application service (`service` fixture), which stores every fact, on SQLite
  and on PostgreSQL;
- with `Ledger`, which drives the `Credential` aggregate's own commands in memory, with no
  store at all, for fast pure-domain tests of the status fold and its day boundaries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from application.service import CredentialService
from domain.credential import Credential, Stamp, credential_id
from domain.document import CredentialStatus, status_of
from domain.errors import CredentialError
from domain.events import CredentialFact, ReminderIssued
from domain.fold import Fold
from domain.policy import DEFAULT_POLICY, PolicyBook
from domain.rules import ActivityClaim

D = date.fromisoformat


def claim(category: str, completed_on: str, **fields: Any) -> ActivityClaim:
    """An activity claim; numbers may be given as int, str or Decimal."""
    for name in ("hours", "units", "credit_hours"):
        if fields.get(name) is not None:
            fields[name] = Decimal(str(fields[name]))
    if isinstance(fields.get("published_on"), str):
        fields["published_on"] = D(fields["published_on"])
    return ActivityClaim(category, fields.pop("title", f"{category} on {completed_on}"), D(completed_on), **fields)


def workshop(completed_on: str, hours: int | str = 10, **fields: Any) -> ActivityClaim:
    return claim("acsm_workshop", completed_on, hours=hours, **fields)


def stored_facts(service: CredentialService, member_id: str) -> list[CredentialFact]:
    """The member's facts as stored (read from the store, not from the service's cache)."""
    return list(service.events.get(credential_id(member_id)))  # type: ignore[arg-type]


def stored_types(service: CredentialService, member_id: str) -> list[str]:
    return [type(fact).__name__ for fact in stored_facts(service, member_id)]


def refused(service: CredentialService, member_id: str, code: str, command: Callable[[], object]) -> CredentialError:
    """Runs `command`, which a rule (or the check of a value no rule can judge) must refuse with
    `code`, and checks nothing was recorded."""
    before = len(stored_facts(service, member_id))
    with pytest.raises(CredentialError) as caught:
        command()
    assert caught.value.code == code, caught.value.message
    assert len(stored_facts(service, member_id)) == before
    return caught.value


def certified_cpt_with(service: CredentialService, member_id: str, cecs: int = 45,
                       certified_on: str = "2019-05-10", completed_on: str = "2020-02-03") -> None:
    """A CPT certified on `certified_on` who earned `cecs` workshop CECs in the first cycle."""
    service.certify(member_id, "CPT", D(certified_on))
    if cecs:
        service.claim_activity(member_id, workshop(completed_on, hours=cecs))


class Ledger:
    """One member's credential built with the aggregate's commands, in memory.

    Every command is recorded on `recorded_on` (default far after every business date used
    in the tests), one second apart, so business dates are never in the future.
    """

    def __init__(self, book: PolicyBook = DEFAULT_POLICY, recorded_on: str = "2030-01-01") -> None:
        self.book = book
        day = D(recorded_on)
        self.now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        self._credential: Credential | None = None
        self._ids = 0

    @property
    def credential(self) -> Credential:
        assert self._credential is not None, "certify first"
        return self._credential

    @property
    def history(self) -> Sequence[CredentialFact]:
        return self.credential.history

    def stamp(self) -> Stamp:
        self.now += timedelta(seconds=1)
        return Stamp(self.now)

    def certify(self, code: str, on: str) -> Ledger:
        if self._credential is None:
            self._credential = Credential.open("member", None, D(on), self.stamp())
        self.credential.certify(code, D(on), self.book, self.stamp())
        return self

    def claim(self, activity: ActivityClaim, activity_id: str | None = None) -> str:
        self._ids += 1
        activity_id = activity_id or f"a{self._ids}"
        self.credential.claim_activity(activity_id, activity, self.book, self.stamp())
        return activity_id

    def earn(self, on: str, cecs: int | str) -> str:
        return self.claim(workshop(on, hours=cecs))

    def renew(self, on: str, fee_paid: str | None = None) -> Ledger:
        paid = None if fee_paid is None else Decimal(fee_paid)
        self.credential.submit_renewal(D(on), paid, self.book, self.stamp())
        return self

    def select(self, on: str) -> Ledger:
        self.credential.select_for_audit(D(on), "seed", Decimal("0.1"), self.book, self.stamp())
        return self

    def review(self, on: str, rejected: Sequence[str] = (), replace_by: str | None = None) -> Ledger:
        self.credential.review_documentation(
            D(on), [(activity_id, "not documented") for activity_id in rejected],
            None if replace_by is None else D(replace_by), self.book, self.stamp(),
        )
        return self

    def withdraw(self, fact_id: str, reason: str = "recorded in error", decided_on: str | None = None,
                 replace_by: str | None = None) -> Ledger:
        """Withdraw the fact `fact_id`, decided on `decided_on` (default: the day it is recorded)."""
        stamp = self.stamp()
        self.credential.withdraw(fact_id, reason, D(decided_on) if decided_on else stamp.recorded_at.date(),
                                 None if replace_by is None else D(replace_by), stamp)
        return self

    def amend(self, activity_id: str, activity: ActivityClaim, reason: str = "typed wrong") -> Decimal:
        return self.credential.amend_activity(activity_id, activity, reason, self.book, self.stamp())

    def remind(self, on: str) -> list[ReminderIssued]:
        """Run the reminders for `on`: those it issues."""
        return self.credential.issue_reminders(D(on), self.book, self.stamp())

    def record_on(self, day: str) -> Ledger:
        """Record the next commands on `day` (never earlier than the last one: recorded times only go forward)."""
        on = D(day)
        self.now = max(self.now, datetime(on.year, on.month, on.day, 12, tzinfo=UTC))
        return self

    @property
    def last_fact_id(self) -> str:
        return self.history[-1].fact_id

    def refused(self, code: str, command: Callable[[Ledger], object]) -> CredentialError:
        """Runs `command` on this ledger, which a rule (or a value check) must refuse with `code`, and
        checks nothing was recorded."""
        before = list(self.history)
        with pytest.raises(CredentialError) as caught:
            command(self)
        assert caught.value.code == code, caught.value.message
        assert list(self.history) == before
        return caught.value

    def status(self, on: str, known_at: datetime | None = None) -> CredentialStatus:
        return status_of(self.history, D(on), known_at, self.book)

    def fold(self, on: str) -> Fold:
        return self.credential.replay(D(on), self.book)


def renewed_cpt(ledger: Ledger | None = None) -> Ledger:
    """CPT certified 2019-05-10, 45 CECs in 2020, renewed 2022-11-01 for the cycle ending 2022-12-31."""
    ledger = ledger or Ledger()
    ledger.certify("CPT", "2019-05-10")
    ledger.earn("2020-02-03", 45)
    return ledger.renew("2022-11-01")
