"""The sentence that explains a status: why the member is what the fold says, since when.

It is written once here and used everywhere a status is shown (the status document, each
recorded transition, a refusal of a command on an invalid credential), so the wording of
one situation never differs between them. It reads the fold and never changes it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from domain import rules
from domain.events import Lapse
from domain.states import AuditState, Status

if TYPE_CHECKING:
    # Only for annotations: the fold writes these sentences as it records transitions.
    from domain.fold import Fold


def cec_text(cecs: Decimal) -> str:
    text = f"{cecs.quantize(rules.TENTH)}"
    return text[:-2] if text.endswith(".0") else text


def reason_for(fold: Fold) -> str:
    status = fold.status
    cycle = fold.cycle
    audit = fold.audit
    if cycle is None:
        return f"not certified on {fold.today}: no certification recorded on or before that date"
    if status is Status.INVALID:
        return _lapse_reason(fold, "invalid", fold.lapse)
    owed = _still_needed(fold)
    if status is Status.INACTIVE and fold.in_grace:
        return _lapse_reason(fold, "inactive", Lapse.CYCLE_ENDED) + (f"; {owed}" if owed else "")
    if status is Status.INACTIVE:
        # Inactive for an audit: what the audit needs is the news; the current cycle's needs are in `needed`.
        return _lapse_reason(fold, "inactive", fold.lapse)
    text = (
        f"active since {fold.since}: {'/'.join(fold.held)} cycle {cycle.start} to {cycle.end} "
        f"with {cec_text(fold.cycle_counted(cycle))} of {cec_text(fold.required())} CECs counted"
        + (f" ({owed})" if owed else "")
    )
    if cycle.renewed_on is not None:
        text += f", renewed on {cycle.renewed_on}"
    if audit is not None and audit.state is AuditState.AWAITING_PROOF:
        text += f"; selected for audit on {audit.selected_on}, proof due by {audit.proof_due_on}"
    elif audit is not None and audit.state is AuditState.REPLACEMENT_DUE and audit.by_correction:
        text += (
            f"; a correction on {audit.selected_on} left the renewed cycle ended {audit.cycle.end} short with "
            f"{cec_text(audit.proven())} of {cec_text(audit.required)} CECs, replacement CECs due by "
            f"{audit.replace_by}"
        )
    elif audit is not None and audit.state is AuditState.REPLACEMENT_DUE:
        text += (
            f"; audited cycle ended {audit.cycle.end} is short with {cec_text(audit.proven())} of "
            f"{cec_text(audit.required)} CECs, replacement CECs due by {audit.replace_by}"
        )
    return text


def _lapse_reason(fold: Fold, word: str, lapse: Lapse | None) -> str:
    since = fold.since
    cycle = fold.cycle
    audit = fold.audit
    assert cycle is not None
    if lapse is Lapse.CYCLE_ENDED:
        return (
            f"{word} since {since}: cycle ended {cycle.end} with "
            f"{cec_text(fold.cycle_counted(cycle))} of {cec_text(fold.required())} CECs counted"
        )
    if lapse is Lapse.GRACE_ENDED:
        grace_end = cycle.grace_ends_on
        return f"{word} since {since}: grace period ended {grace_end} without a renewal"
    if audit is None:
        return f"{word} since {since}"
    if lapse is Lapse.PROOF_OVERDUE and audit.documentation_received_on is None:
        return f"{word} since {since}: audit proof was due {audit.proof_due_on} and none was received"
    if lapse is Lapse.PROOF_OVERDUE:
        year_ends = audit.invalid_from(fold.book.in_force(audit.selected_on))
        assert year_ends is not None
        return (
            f"{word} since {since}: documentation received {audit.documentation_received_on} after proof "
            f"was due {audit.proof_due_on} proved {cec_text(audit.proven())} of {cec_text(audit.required)} "
            f"CECs of the audited cycle ended {audit.cycle.end}; the year to complete it ends "
            f"{year_ends - rules.ONE_DAY}"
        )
    if lapse is Lapse.REPLACEMENT_OVERDUE and audit.by_correction:
        return (
            f"{word} since {since}: replacement CECs were due {audit.replace_by} after a correction on "
            f"{audit.selected_on} left the renewed cycle ended {audit.cycle.end} short; it has "
            f"{cec_text(audit.proven())} of {cec_text(audit.required)} CECs"
        )
    if lapse is Lapse.REPLACEMENT_OVERDUE:
        return (
            f"{word} since {since}: replacement CECs were due {audit.replace_by}; the audited cycle "
            f"ended {audit.cycle.end} has {cec_text(audit.proven())} of {cec_text(audit.required)} CECs"
        )
    what = "replacement of CECs a correction removed from" if audit.by_correction else "audit of"
    return (
        f"{word} since {since}: {what} the cycle ended {audit.cycle.end} was not completed "
        f"within a year of {audit.inactive_since}"
    )


def _still_needed(fold: Fold) -> str | None:
    """What the cycle owing a renewal still needs, in words (rules.md section 12); None when none is owed."""
    needed = fold.needed()
    if needed is None:
        return None
    missing = needed.cecs_missing
    if fold.in_grace:
        what = f"{cec_text(missing)} more CECs and a late renewal" if missing > 0 else "a late renewal"
        return f"{what} needed by {needed.renew_by}"
    if missing > 0:
        return f"{cec_text(missing)} more needed by {needed.earn_by}"
    return f"renewal due by {needed.earn_by}"
