"""Provider rosters: an approved provider reports one course's completions (rules.md section 13),
so its attendees need not claim them.

A mixin of `CredentialService`. A roster records nothing of its own: each attendee's claim is an
ordinary `ClaimActivity` of an `approved_provider` activity, judged by the aggregate through the
ordinary command loop (`_command` with the service's `_apply`), so every rule that judges a
member's own claim judges it too, converted by section 3 and as of the completion date. That
"an attendee already reported for the same provider, course and completion date is not reported
twice" is a guard of every approved-provider claim (`domain.guards.check_not_already_reported`),
not of rosters, so neither an import row nor a member's own claim can duplicate a reported
completion, and two rosters at once cannot either: the second writer to a member fails on the
store's version check, reads the member again and finds the claim already there.

Decisions:
- The course's claim is judged once before any attendee: a roster no attendee could be claimed
  from (blank provider, course or title, no attendee, neither or both of `hours` and `units`, a
  completion date after today, CECs with two decimals, a category the policy in force no longer
  accepts) is refused whole, and records nothing.
- Then each attendee is judged alone, and one's refusal never stops the others: no credential is
  `unknown_member`; the claim's own refusals keep their codes (`before_certification`,
  `credential_invalid`, ...); an attendee already reported is listed in `already_reported`.
- An attendee listed twice is reported once, in the place of their first listing.
- Under an idempotency key K, attendee M's claim is recorded under "K:M", bound to the roster's
  fingerprint: a repeat answers the claims recorded under it again and records nothing new; the
  attendees refused or already reported recorded nothing, so they are judged again (the same
  answer, unless their own facts changed meanwhile). K reused for a different roster is refused
  (`idempotency_key_reused`) before any attendee is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from application.commands import ClaimActivity, ReportRoster
from domain import rules
from domain.credential import Credential, Stamp
from domain.errors import ConcurrentChange, IdempotencyKeyReused, InvalidCommand, MemberNotFound, RuleViolation
from domain.guards import REPORTED_CATEGORY, check_given, check_not_in_future

UNKNOWN_MEMBER = "unknown_member"
ALREADY_REPORTED = "already_reported"


@dataclass(frozen=True)
class RosterClaim:
    member_id: str
    activity_id: str
    cecs_awarded: Decimal


@dataclass(frozen=True)
class RosterRefusal:
    member_id: str
    code: str
    message: str


@dataclass
class RosterReport:
    recorded: list[RosterClaim] = field(default_factory=list)
    refused: list[RosterRefusal] = field(default_factory=list)
    already_reported: list[str] = field(default_factory=list)
    # True when an idempotency key matched for every claim listed: the first request recorded them all,
    # this one nothing.
    repeated: bool = False


def attendee_claim(roster: ReportRoster) -> rules.ActivityClaim:
    """The claim each attendee of `roster` is recorded with."""
    return rules.ActivityClaim(REPORTED_CATEGORY, roster.title, roster.completed_on, hours=roster.hours,
                               units=roster.units, provider=roster.provider, course_id=roster.course_id)


class ProviderRosters:
    """The rosters, on the service that mixes it in (its `credential`, `_command`, `_apply`, `book`
    and `clock`)."""

    credential: Any
    _command: Any
    _apply: Any
    book: Any
    clock: Any

    def _report_roster(self, roster: ReportRoster, key: str | None, recorded_by: str | None = None) -> RosterReport:
        claim = self._judged_roster(roster)
        attendees = list(dict.fromkeys(roster.attendees))  # the first listing of each, in order
        if key is not None:
            self._check_key_not_reused(attendees, key, roster.fingerprint)
        report = RosterReport()
        repeats = 0
        for member_id in attendees:
            repeats += self._report_attendee(member_id, claim, None if key is None else f"{key}:{member_id}",
                                             roster.fingerprint, report, recorded_by)
        report.repeated = 0 < repeats == len(report.recorded)
        return report

    def _judged_roster(self, roster: ReportRoster) -> rules.ActivityClaim:
        """The attendees' claim, once it is one some attendee could be claimed with."""
        for text, name in ((roster.provider, "provider"), (roster.course_id, "course_id"), (roster.title, "title")):
            check_given(text, name)
        if not roster.attendees:
            raise InvalidCommand("missing_field", "a roster lists at least one attendee", field="attendees")
        if (roster.hours is None) == (roster.units is None):
            raise InvalidCommand("hours_or_units", "a roster gives either the course's hours or its units",
                                 fields=["hours", "units"])
        claim = attendee_claim(roster)
        check_not_in_future(claim.completed_on, Stamp(self.clock()), "completed_on")
        rules.cecs_for(claim, self.book().in_force(claim.completed_on))
        return claim

    def _check_key_not_reused(self, attendees: list[str], key: str, fingerprint: str) -> None:
        for member_id in attendees:
            try:
                credential: Credential = self.credential(member_id)
            except MemberNotFound:
                continue
            prior = credential.first_fact_with_key(f"{key}:{member_id}")
            if prior is not None and prior.request_hash != fingerprint:
                raise IdempotencyKeyReused(key)

    def _report_attendee(self, member_id: str, claim: rules.ActivityClaim, key: str | None, fingerprint: str,
                         report: RosterReport, recorded_by: str | None = None) -> bool:
        """Judge and record one attendee's claim into `report`; True when it was a repeat."""
        command = ClaimActivity(member_id, claim)
        try:
            outcome = self._command(member_id, key, fingerprint,
                                    lambda credential, stamp, book: self._apply(command, credential,
                                                                                stamp.by(recorded_by), book))
        except MemberNotFound as missing:
            report.refused.append(RosterRefusal(member_id, UNKNOWN_MEMBER, missing.message))
            return False
        except RuleViolation as refusal:
            if refusal.code == ALREADY_REPORTED:
                report.already_reported.append(member_id)
            else:
                report.refused.append(RosterRefusal(member_id, refusal.code, refusal.message))
            return False
        except InvalidCommand as refusal:  # judged once already; kept for a policy adopted meanwhile
            report.refused.append(RosterRefusal(member_id, refusal.code, refusal.message))
            return False
        except ConcurrentChange as busy:  # the others are still recorded; this one may be sent again
            report.refused.append(RosterRefusal(member_id, busy.code, busy.message))
            return False
        assert outcome.activity_id is not None
        assert outcome.cecs_awarded is not None
        report.recorded.append(RosterClaim(member_id, outcome.activity_id, outcome.cecs_awarded))
        return bool(outcome.repeated)
