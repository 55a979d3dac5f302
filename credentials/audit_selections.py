"""The yearly audit draw as an idempotent command, for `POST /audits/selections`.

`CredentialService.select_audits` takes no idempotency key, so this mirrors it and
records each selection under a key derived from the request's key and the member. A
repeated request draws the same members (the draw is a function of seed, rate, year and
that year's renewals), each member answers "already recorded under this key", and so the
answer, `recorded` included, is the first one and nothing new is recorded.

If `select_audits` gains an `idempotency_key` parameter, this module reduces to a call.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from credentials.application import AuditSelectionReport, CredentialService, LevelSelection
from domain.audit_selection import check_selection, draw, level_at
from domain.errors import RuleViolation
from domain.events import AuditSelected


def candidates_by_level(service: CredentialService, renewal_year: int) -> dict[str, list[str]]:
    """Members who renewed in `renewal_year`, grouped by the level of that renewal."""
    by_level: dict[str, list[str]] = {}
    for member_id in service.member_ids():
        credential = service.credential(member_id)
        renewal = credential.renewal_to_audit(date(renewal_year + 1, 1, 1))
        if renewal is None:
            continue
        level = level_at(credential, renewal.effective_on, service.policy)
        if level is not None:
            by_level.setdefault(level, []).append(member_id)
    return by_level


def select_audits(service: CredentialService, renewal_year: int, rate: Decimal, seed: str,
                  selected_on: date | None = None, idempotency_key: str | None = None) -> AuditSelectionReport:
    selected_on = selected_on or service.today()
    check_selection(renewal_year, rate, selected_on)
    report = AuditSelectionReport(renewal_year, rate, seed, selected_on)
    for level, members in sorted(candidates_by_level(service, renewal_year).items()):
        chosen = draw(sorted(members), rate, f"{seed}:{renewal_year}:{level}")
        report.levels.append(LevelSelection(level, len(members), chosen))
        for member_id in chosen:
            member_key = None if idempotency_key is None else f"{idempotency_key}:{member_id}"
            if _record(service, member_id, report, member_key):
                report.recorded += 1
    return report


def _record(service: CredentialService, member_id: str, report: AuditSelectionReport, key: str | None) -> bool:
    """Select one drawn member; False when an earlier draw already selected them."""
    credential = service.credential(member_id)
    repeat = key is not None and credential.first_fact_with_key(key) is not None
    if not repeat and any(
        isinstance(f, AuditSelected) and f.renewal_submitted_on.year == report.renewal_year
        for f in credential.history
    ):
        return False
    try:
        # A repeat goes through the service too: it checks the key was used for this same draw.
        service.select_for_audit(member_id, report.selected_on, report.seed, report.rate, idempotency_key=key)
    except RuleViolation as refusal:
        if refusal.code != "already_selected":  # another request selected them meanwhile
            raise
        return False
    return True
