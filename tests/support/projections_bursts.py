"""Random bursts of staff commands on few members, for the follower's property tests.

Each burst records, through the service as staff would, facts on members old and new: claims
completed long before they are recorded (revising what was known), several claims of one member
on one day with the same content (so a later one folds before an earlier one), renewals,
withdrawals and amendments (corrections), and new members certified. Refused commands are
simply not recorded, as in production.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from history_strategies import activities_in_force, withdrawable

from application.service import CredentialService
from domain.errors import CredentialError
from domain.rules import ActivityClaim

FIRST_DAY = date(2022, 1, 1)
LAST_DAY = date(2026, 11, 27)  # the day before the tests' clock starts
WORKSHOP = ("acsm_workshop", {"hours": Decimal(8)})
CONFERENCE = ("conference", {"units": Decimal("1.5"), "provider": "NSCA"})


def random_burst(service: CredentialService, rng: random.Random, members: list[str], commands: int) -> None:
    """Record about `commands` random commands; new members are added to `members`."""
    for _ in range(commands):
        if not members or rng.random() < 0.12:
            member = f"b{len(members):03d}"
            day = FIRST_DAY + timedelta(days=rng.randint(0, 1000))
            service.certify(member, rng.choice(["CPT", "EP-C", "CES"]), day, name=f"Member {member}")
            members.append(member)
            continue
        try:
            _command(service, rng, rng.choice(members))
        except CredentialError:
            continue


def _command(service: CredentialService, rng: random.Random, member: str) -> None:
    history = service.credential(member).history
    roll = rng.random()
    day = _day_after(rng, history[0].effective_on)
    if roll < 0.45:  # one claim, or the same claim twice on one day
        category, fields = rng.choice([WORKSHOP, CONFERENCE])
        for _ in range(rng.choice([1, 1, 2])):
            service.claim_activity(member, ActivityClaim(category, "course", day, **fields))  # type: ignore[arg-type]
    elif roll < 0.6:
        service.submit_renewal(member, day)
    elif roll < 0.75 and (candidates := withdrawable(history)):
        service.withdraw(member, rng.choice(candidates).fact_id, "in error", decided_on=LAST_DAY)
    elif roll < 0.9 and (standing := activities_in_force(history)):
        category, fields = rng.choice([WORKSHOP, CONFERENCE])
        claim = ActivityClaim(category, "amended", day, **fields)  # type: ignore[arg-type]
        service.amend_activity(member, rng.choice(standing), claim, "typed wrong")
    else:
        service.certify(member, rng.choice(["CIFT", "RCEP", "CPT"]), day)


def _day_after(rng: random.Random, first: date) -> date:
    return min(LAST_DAY, first + timedelta(days=rng.randint(0, 1500)))
