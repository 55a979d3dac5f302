"""The yearly audit draw: a seeded random sample of last year's renewals, per level."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from domain.credential import Credential
from domain.errors import InvalidCommand, RuleViolation
from domain.policy import PolicyBook
from domain.rules import highest


def check_selection(renewal_year: int, rate: Decimal, selected_on: date) -> None:
    if not Decimal(0) <= rate <= Decimal(1):
        raise InvalidCommand("rate_out_of_range", f"rate must be between 0 and 1, not {rate}", rate=str(rate))
    if selected_on.year != renewal_year + 1:
        raise RuleViolation(
            "selection_year_mismatch",
            f"an audit selected in {selected_on.year} audits the renewals of {selected_on.year - 1}, "
            f"not {renewal_year}",
            renewal_year=renewal_year,
            selected_on=selected_on.isoformat(),
        )


def level_at(credential: Credential, on: date, book: PolicyBook) -> str | None:
    """The credential level a renewal belongs to: the level number of the highest
    certification held, or `specialty` when only specialties are held."""
    top = highest(credential.replay(on, book).held.values())
    if top is None:
        return None
    return "specialty" if top.level is None else str(top.level)


def sample_size(population: int, rate: Decimal) -> int:
    # Rounded up, so every level with renewals is audited whenever the rate is above zero.
    return min(population, math.ceil(Decimal(population) * rate))


def draw(members: Sequence[str], rate: Decimal, seed: str) -> list[str]:
    """A reproducible sample: the same members, rate and seed always give the same draw."""
    chosen = random.Random(seed).sample(list(members), sample_size(len(members), rate))
    return sorted(chosen)
