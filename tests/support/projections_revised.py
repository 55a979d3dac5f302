"""A store whose answers were revised in every way rules.md section 10 names, made by the real
commands: facts recorded late, a withdrawal, an amendment, and a policy version that takes effect
in the past; beside generated members (projections_support) with many late facts of their own.

Each step is a function, so a test can bring the read models up to date between them (page by
page) or only at the end (a rebuild) and hold both to the replayed reference.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from projections_support import generated, insert, interleaved
from service_support import StepClock

from application.service import CredentialService
from domain.rules import ActivityClaim
from projections.answers import RevisionRow, revision_rows

# From 2015, three months of grace instead of six: members who lapsed are invalid three months sooner.
SHORT_GRACE = ("2015-01-01", date(2015, 1, 1), {"grace_months": 3})


def workshop(day: str, hours: int) -> ActivityClaim:
    return ActivityClaim("acsm_workshop", f"Workshop {day}", date.fromisoformat(day), hours=Decimal(hours))


def certified_with_claims(service: CredentialService, clock: StepClock, member: str,
                          claims: tuple[tuple[str, int], ...], renewed_on: str | None) -> list[str]:
    """CPT from 2022-03-01 (cycle to 2025-12-31), each claim recorded on its day, and a renewal
    recorded on its day; returns the activity ids."""
    clock.set("2022-03-01")
    service.certify(member, "CPT", date(2022, 3, 1))
    activity_ids = []
    for day, hours in claims:
        clock.set(day)
        outcome = service.claim_activity(member, workshop(day, hours))
        assert outcome.activity_id is not None
        activity_ids.append(outcome.activity_id)
    if renewed_on is not None:
        clock.set(renewed_on)
        service.submit_renewal(member, date.fromisoformat(renewed_on))
    return activity_ids


def late_renewal(service: CredentialService, clock: StepClock) -> None:
    """m-late: its CECs and a renewal submitted 2025-12-01, all recorded on 2026-02-10."""
    clock.set("2022-03-01")
    service.certify("m-late", "CPT", date(2022, 3, 1))
    clock.set("2026-02-10")
    for day in ("2023-02-01", "2023-09-01", "2024-04-01"):
        service.claim_activity("m-late", workshop(day, 15))
    service.submit_renewal("m-late", date(2025, 12, 1))


def withdrawal(service: CredentialService, clock: StepClock) -> None:
    """m-withdrawn: a workshop entered twice, withdrawn on 2026-03-10 as decided on 2025-12-01,
    which leaves its renewed cycle short: replacement due 2026-03-01, inactive from 2026-03-02."""
    certified_with_claims(service, clock, "m-withdrawn", (("2023-02-01", 15), ("2023-09-01", 15),
                                                          ("2024-04-01", 15)), "2025-06-01")
    claim = next(f for f in service.credential("m-withdrawn").history if f.effective_on == date(2023, 9, 1))
    clock.set("2026-03-10")
    service.withdraw("m-withdrawn", claim.fact_id, "entered twice", decided_on=date(2025, 12, 1))


def amendment(service: CredentialService, clock: StepClock) -> None:
    """m-amended: audited and passed in 2026; on 2026-09-01 a workshop typed as 30 hours is amended
    to 3, which leaves the audited cycle short: inactive from 2026-05-22."""
    first, _ = certified_with_claims(service, clock, "m-amended", (("2023-02-01", 30), ("2023-09-01", 15)),
                                     "2025-06-01")
    clock.set("2026-02-01")
    service.select_for_audit("m-amended", date(2026, 2, 1))
    clock.set("2026-02-20")
    service.review_documentation("m-amended", date(2026, 2, 20))
    clock.set("2026-09-01")
    service.amend_activity("m-amended", first, workshop("2023-02-01", 3), "30 hours typed for 3")


def lapsed(service: CredentialService, clock: StepClock) -> None:
    """m-lapsed: CPT from 2022-03-01, never renewed: inactive from 2026-01-01, invalid from 2026-07-01
    (from 2026-04-01 with three months of grace)."""
    certified_with_claims(service, clock, "m-lapsed", (("2023-05-01", 12),), None)


def retroactive_policy(service: CredentialService, clock: StepClock) -> datetime:
    """Three months of grace from 2015, adopted on 2026-11-28: a revision for every member whose
    grace it shortens. Returns when it was adopted."""
    clock.set("2026-11-28")
    record = service.adopt_policy_version(*SHORT_GRACE)
    assert record.adopted_at is not None
    return record.adopted_at


def generated_members(service: CredentialService, members: int = 40, *, seed: int = 5, prefix: str = "g") -> None:
    """Generated members, recorded from 2000 to 2026-11-27 with many facts late, bulk-loaded (so
    their facts may reach the store after others recorded later, as an import's do)."""
    insert(service, interleaved(generated(members, seed, members, prefix=prefix), random.Random(seed)))


STEPS: tuple[Callable[[CredentialService, StepClock], object], ...] = (
    late_renewal, withdrawal, amendment, lapsed, retroactive_policy)


def replayed_rows(service: CredentialService, recorded_from: datetime | None = None,
                  recorded_to: datetime | None = None) -> list[RevisionRow]:
    """The reference: `service.revisions_recorded` (replay), as report rows, member by member."""
    rows = [row for member, revision in service.revisions_recorded(recorded_from, recorded_to)
            for row in revision_rows(member, revision)]
    return sorted(rows, key=lambda row: row.member_id)  # stable: each member's rows keep their order
