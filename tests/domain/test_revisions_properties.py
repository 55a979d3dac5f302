"""Property tests for revisions (rules.md section 10): each recorded fact's revision equals a
brute-force diff of `status_of` just before and just after it was recorded, day by day.

The reference never uses the timeline the revisions are computed from: for a moment (the facts
one command recorded, or a policy version adopted or withdrawn) and a business date before its
recorded day, it asks `status_of` as known a microsecond before and as known at that moment,
under the policy book known then. Asking every day of every moment of a ten-year history costs
minutes, so each example checks the first and last day of every revised span and the days
either side of it (so spans are exact and maximal) and, at four moments drawn at random (two of
them revisions): every day of the 61 before the recorded day (a fact recorded late changes no day
before its business date, and lags here are at most 60 days) and days drawn over the whole
history (corrections and retroactive versions change days long before).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from history_strategies import corrected_histories, lags, probe_dates, record
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from domain.document import status_of
from domain.events import CredentialFact
from domain.policy import DEFAULT_POLICY, PolicyBook
from domain.policy_register import PolicyRegister
from domain.revisions import JUST_BEFORE, Cause, Change, PolicyChange, Revision, Standing, revisions
from domain.rules import ONE_DAY

settings.register_profile("credentials", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("credentials")

# Retroactive versions: each changes a value the status depends on.
retroactive_changes = st.sampled_from([
    {"grace_months": 3},
    {"proof_days": 10},
    {"replacement_days": 30},
    {"audit_inactive_months": 6},
    {"certifications": {"CPT": {"required_cecs": 60}}},
    {"categories": {"acsm_workshop": {"amount": 2}}},
])


def stamp(at: datetime) -> dict[str, Any]:
    return {"timestamp": at, "idempotency_key": None, "request_hash": None}


def adopted_versions(history: list[CredentialFact], drawn: list[tuple[int, int, dict[str, Any], bool]],
                     ) -> tuple[PolicyRegister, list[PolicyChange]]:
    """A register with each drawn version adopted between two of the member's facts (so at a moment
    of its own), effective some days before, and withdrawn a moment later when drawn so."""
    times = sorted({f.timestamp for f in history})
    register = PolicyRegister.open(**stamp(times[0] - timedelta(days=1)))
    changes: list[PolicyChange] = []
    # In recorded order, as the register records them.
    for index, (place, days_before, values, withdrawn) in enumerate(sorted(drawn, key=lambda d: d[0] % len(times))):
        at = times[place % len(times)] + timedelta(seconds=10 + index)
        effective = at.date() - timedelta(days=days_before)
        version = f"v{index}"
        register.adopt(version, effective, values, DEFAULT_POLICY, **stamp(at))
        changes.append(PolicyChange(Cause("PolicyVersionAdopted", f"policy:{version}", effective, at, version)))
        if withdrawn:
            later = at + timedelta(seconds=5)
            register.withdraw(version, "in error", DEFAULT_POLICY, **stamp(later))
            changes.append(PolicyChange(Cause("PolicyVersionWithdrawn", f"policy:{version}:withdrawal", effective,
                                              later, version)))
    return register, changes


def standing(history: list[CredentialFact], on: date, known_at: datetime, book: PolicyBook) -> Standing:
    status = status_of(history, on, known_at, book)
    return Standing(status.status, status.level)


def moments(history: list[CredentialFact], changes: list[PolicyChange]) -> list[tuple[datetime, Cause]]:
    """Every moment the answers may change at, with the cause a revision made there names."""
    found = []
    for at in sorted({f.timestamp for f in history})[1:]:  # the first only opens the credential
        last = [f for f in history if f.timestamp == at][-1]
        found.append((at, Cause(type(last).__name__, last.fact_id, last.effective_on, at)))
    return sorted([*found, *((c.cause.recorded_at, c.cause) for c in changes)], key=lambda m: m[0])


def revised_on(revision: Revision | None, day: date) -> Change | None:
    if revision is None:
        return None
    return next((c for c in revision.changes if c.first <= day <= c.last), None)


@settings(max_examples=12)
@given(corrected_histories, lags,
       st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 2000), retroactive_changes, st.booleans()),
                max_size=2),
       st.integers(0, 2**16))
def test_each_revision_is_the_day_by_day_difference_of_the_status_just_before_and_just_after_its_fact(
        spec, lag, drawn, seed) -> None:
    """rules.md section 10: a revision is a change, made by one recorded fact, to the answer for business
    dates before the day it was recorded, span by span, status and level before and after."""
    history = record(spec, lags=lag).credential.history
    register, changes = adopted_versions(history, drawn)

    def book_at(at: datetime) -> PolicyBook:
        return register.book(DEFAULT_POLICY, at)

    found = {r.cause.recorded_at: r for r in revisions(history, book_at, changes)}
    everything = moments(history, changes)
    assert set(found) <= {at for at, _ in everything}
    rng = random.Random(seed)
    first_day = min(f.effective_on for f in history) - timedelta(days=30)
    # Every revision's spans at their edges; all the days above at a few moments, revised or not.
    sampled = {at for at, _ in rng.sample(everything, min(2, len(everything)))}
    sampled |= set(rng.sample(sorted(found), min(2, len(found))))
    for at, cause in everything:
        revision = found.get(at)
        if revision is not None:
            assert revision.cause == cause
            assert revision.changes[-1].last < at.date()  # only days before the recorded day
            for change, following in zip(revision.changes, revision.changes[1:]):
                assert change.last < following.first  # in order, apart
                # Maximal: two spans side by side differ in what changed.
                assert (change.last + ONE_DAY, change.before, change.after) != (
                    following.first, following.before, following.after)
        recorded_on = at.date()
        days = {d for change in (revision.changes if revision else ())
                for d in (change.first - ONE_DAY, change.first, change.last, change.last + ONE_DAY)}
        if at in sampled:
            span = max((recorded_on - first_day).days, 1)
            days |= {recorded_on - timedelta(days=n) for n in range(1, 62)}
            days |= {first_day + timedelta(days=rng.randrange(span)) for _ in range(15)}
            days |= set(probe_dates(history, seed))
        note(f"moment {cause.type} {cause.fact_id} recorded {at}: {revision and revision.changes}")
        for day in sorted(d for d in days if d < recorded_on):
            before = standing(history, day, at - JUST_BEFORE, book_at(at - JUST_BEFORE))
            after = standing(history, day, at, book_at(at))
            change = revised_on(revision, day)
            if change is None:
                assert before == after, (day, before, after)
            else:
                assert (change.before, change.after) == (before, after), day
                assert before != after, day
