"""The yearly audit draw: a reproducible sample of a year's renewals, level by level.

A mixin of `CredentialService` (it needs the service's members, reads and commands): each
drawn member is selected by an ordinary `SelectForAudit` command, so the draw judges and
records nothing of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from application.commands import DrawAuditSample, SelectForAudit
from domain.audit_selection import check_selection, draw, level_at
from domain.corrections import in_force
from domain.errors import RuleViolation
from domain.events import AuditSelected


@dataclass
class LevelSelection:
    level: str
    candidates: int
    selected: list[str] = field(default_factory=list)


@dataclass
class AuditSelectionReport:
    renewal_year: int
    rate: Decimal
    seed: str
    selected_on: date
    levels: list[LevelSelection] = field(default_factory=list)
    recorded: int = 0

    @property
    def selected(self) -> list[str]:
        return [member for level in self.levels for member in level.selected]


class AuditDraw:
    """The draw, on the service that mixes it in (its `member_ids`, `credential`, `book`,
    `today` and `execute`)."""

    member_ids: Any
    credential: Any
    book: Any
    today: Any
    execute: Any

    def _draw_audit_sample(self, command: DrawAuditSample, key: str | None,
                           recorded_by: str | None = None) -> AuditSelectionReport:
        """Draw a reproducible sample of `renewal_year`'s renewals, separately per level.

        The draw depends only on (seed, rate, year, the renewals of that year), so running
        it again selects the same members and records nothing new. Under an idempotency key
        each member's selection is recorded under "<key>:<member>", so a repeated request
        answers exactly as the first did, `recorded` included.
        """
        renewal_year, rate, seed = command.renewal_year, command.rate, command.seed
        selected_on = command.selected_on or self.today()
        check_selection(renewal_year, rate, selected_on)
        report = AuditSelectionReport(renewal_year, rate, seed, selected_on)
        for level, members in sorted(self._renewals_by_level(renewal_year).items()):
            chosen = draw(sorted(members), rate, f"{seed}:{renewal_year}:{level}")
            report.levels.append(LevelSelection(level, len(members), chosen))
            for member_id in chosen:
                member_key = None if key is None else f"{key}:{member_id}"
                if self._select_drawn(member_id, report, member_key, recorded_by):
                    report.recorded += 1
        return report

    def _renewals_by_level(self, renewal_year: int) -> dict[str, list[str]]:
        """Members who renewed in `renewal_year`, grouped by the level of that renewal."""
        by_level: dict[str, list[str]] = {}
        for member_id in self.member_ids():
            credential = self.credential(member_id)
            renewal = credential.renewal_to_audit(date(renewal_year + 1, 1, 1))
            if renewal is None:
                continue
            level = level_at(credential, renewal.effective_on, self.book())
            if level is not None:
                by_level.setdefault(level, []).append(member_id)
        return by_level

    def _select_drawn(self, member_id: str, report: AuditSelectionReport, key: str | None,
                      recorded_by: str | None = None) -> bool:
        """Select one drawn member; False when an earlier or concurrent draw selected them."""
        credential = self.credential(member_id)
        repeat = key is not None and credential.first_fact_with_key(key) is not None
        if not repeat and any(
            isinstance(f, AuditSelected) and f.renewal_submitted_on.year == report.renewal_year
            for f in in_force(credential.history)
        ):
            return False
        try:
            # A repeat goes through the command too: it checks the key was used for this same draw.
            self.execute(SelectForAudit(member_id, report.selected_on, report.seed, report.rate), key, recorded_by)
        except RuleViolation as refusal:
            if refusal.code != "already_selected":
                raise
            return False
        return True
