"""The words of a reminder: its subject and the message a mail system or a mail merge sends.

Written from the fold on the run's day, so each says what the member has and still needs then,
what it costs, and what happens if the deadline passes; the member's own record (and the
outbox) keeps the text exactly as sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.fold_state import FoldState
from domain.matters import Matter
from domain.reasons import cec_text
from domain.rules import ONE_DAY


@dataclass(frozen=True)
class Letter:
    subject: str
    message: str


def _days(n: int) -> str:
    return "today" if n == 0 else f"in {n} day{'s' if n != 1 else ''}"


def _standing(matter: Matter) -> str:
    have = f"{cec_text(matter.counted_cecs)} of {cec_text(matter.required_cecs)} CECs"
    missing = matter.cecs_missing
    return f"{have}; {cec_text(missing)} more are needed" if missing > 0 else f"{have}, enough"


def letter(kind: str, matter: Matter, fold: FoldState, on: date, addressee: str) -> Letter:
    """The reminder of `kind` about `matter`, as of `on`."""
    due = matter.due_on
    left = (due - on).days
    fee = fold.renewal_fee(on)
    fee_text = f" The renewal fee is ${fee}." if fee is not None else ""
    codes = "/".join(c.code for c in fold.held_rules())
    cycle = fold.cycle
    audit = fold.audit
    greeting = f"Dear {addressee},\n\n"
    if kind == "renewal_due":
        assert cycle is not None
        return Letter(
            f"Your {codes} recertification is due by {due}",
            greeting + f"your {codes} recertification cycle {cycle.start} to {cycle.end} ends {_days(left)}, on {due}. "
            f"You have {_standing(matter)}. Renew by {due} to stay active.{fee_text} From {due + ONE_DAY} your "
            f"credential is inactive until you renew, with a late fee, by {matter.act_by} at the latest.",
        )
    if kind in ("grace_started", "grace_ends"):
        assert cycle is not None
        subject = (f"Your {codes} credential is inactive: renew by {due}" if kind == "grace_started"
                   else f"{left} days left to renew your {codes} credential before it becomes invalid")
        return Letter(
            subject,
            greeting + f"your {codes} recertification cycle ended {cycle.end} without a renewal, so your credential "
            f"has been inactive since {cycle.end + ONE_DAY}: you must not be marketed as certified or serve as an "
            f"examiner. You have {_standing(matter)}; activities completed until you renew count toward that cycle. "
            f"Renew by {due} to reinstate it.{fee_text} From {due + ONE_DAY} it is invalid, and only passing the "
            "exam again restores it.",
        )
    assert audit is not None
    if kind in ("audit_selected", "proof_due"):
        subject = (f"You were selected for the recertification audit: proof due by {due}" if kind == "audit_selected"
                   else f"Audit proof due {_days(left)}, by {due}")
        return Letter(
            subject,
            greeting + f"your renewal of the cycle ended {audit.cycle.end} was selected for audit on "
            f"{audit.selected_on}. Send documented proof of the {cec_text(audit.required)} CECs of that cycle by "
            f"{due}: each proof must show your name, dates inside the cycle, content within the scope of your "
            f"certification, and the hours or CECs. Without it your credential is inactive from {due + ONE_DAY}, "
            f"and invalid from {matter.act_by + ONE_DAY} unless the audit is completed by {matter.act_by}.",
        )
    return Letter(
        f"Replacement CECs due by {due}",
        greeting + f"the audited cycle ended {audit.cycle.end} has {_standing(matter)} by {due}. Activities "
        f"completed until then count toward that cycle. Without them your credential is inactive from "
        f"{due + ONE_DAY}, and invalid from {matter.act_by + ONE_DAY} unless the cycle is completed by "
        f"{matter.act_by}.",
    )
