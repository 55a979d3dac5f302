"""Property tests for corrections (rules.md section 8) and withdrawn policy versions (section 9),
over the random histories of `history_strategies`, corrections among them.

"As if never recorded" is compared with the history the withdrawn fact (and what it carries)
is simply left out of. One thing differs by design: a withdrawal that leaves a renewed cycle
short opens a replacement window on its `decided_on` (the Decision of section 8), which the
history without the fact has no reason to have. So before `decided_on` every answer must be
the same; from `decided_on` on, when this withdrawal left no renewed cycle short, every answer
too; when it did, the answers must be those of the history without the fact in which that
cycle was audited and found short on `decided_on` (an `AuditSelected` and a short
`AuditReviewed` that day), but for the sentence and the proof date that only an audit has.
Whether it left a cycle short is worked out from the folds with and without the fact, not
from the fold's own decision.

A correction leaves a cycle short as the facts stood when it was recorded. So a correction
recorded after the withdrawn fact was weighed against facts that included it, and its own
window may differ from the one it has in the history without the fact, by design; answers are
compared up to the first day such a window differs (on every day when none does).
"""

from __future__ import annotations

import copy
import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from history_strategies import (
    BOOK,
    claims,
    corrected_histories,
    lags,
    probe_dates,
    record,
    renewed_histories,
    withdrawable,
)
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from domain.cycles import Cycle
from domain.document import CredentialStatus, status_of
from domain.errors import CredentialError
from domain.events import (
    ActivityAmended,
    ActivityClaimed,
    AuditOutcome,
    AuditReviewed,
    AuditSelected,
    CredentialFact,
    DocumentationRejected,
    FactWithdrawn,
)
from domain.fold import Fold
from domain.policy import DEFAULT_POLICY, PolicyBook
from domain.policy_register import PolicyRegister
from domain.replay import replay
from domain.rules import ONE_DAY, ActivityClaim, default_replace_by
from domain.states import Status

settings.register_profile("credentials", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("credentials")


def answer(facts: list[CredentialFact], on: date, known_at: datetime | None = None,
           book: PolicyBook = BOOK) -> CredentialStatus:
    return replace(status_of(facts, on, known_at, book), known_at=None)


def voided_with(history: list[CredentialFact], fact: CredentialFact) -> set[str]:
    """The facts a withdrawal of `fact` voids, as section 8 says: an activity's claim takes its
    amendments with it, a documentation review is its rejections and outcome together."""
    if type(fact) is ActivityClaimed:
        return {f.fact_id for f in history if isinstance(f, ActivityClaimed) and f.activity_id == fact.activity_id}
    if isinstance(fact, (DocumentationRejected, AuditReviewed)):
        return {f.fact_id for f in history if isinstance(f, (DocumentationRejected, AuditReviewed))
                and f.timestamp == fact.timestamp}
    return {fact.fact_id}


def cycle_left_short(with_fact: Fold, without_fact: Fold) -> Cycle | None:
    """The renewed cycle a withdrawal decided on the folds' day opens a window for: the newest one
    short without the fact and not short with it, unless an audit of it or of a newer cycle is
    under way (an audit of that cycle simply sees the corrected facts)."""
    left = without_fact.short_renewed_cycles() - with_fact.short_renewed_cycles()
    if not left:
        return None
    newest = next(c for c in (without_fact.cycle, *without_fact.past_cycles) if c is not None and c.start == max(left))
    audit = without_fact.audit
    return None if audit is not None and audit.cycle.start >= newest.start else newest


def audited_short(facts: list[CredentialFact], cycle: Cycle, on: date, replace_by: date) -> list[CredentialFact]:
    """`facts` with `cycle` selected for audit on `on` and its documentation found short that day."""
    assert cycle.renewed_on is not None
    common: dict[str, Any] = {"originator_id": facts[0].originator_id, "timestamp": facts[-1].timestamp,
                              "effective_on": on, "idempotency_key": None, "request_hash": None}
    version = len(facts) + 100
    return [*facts,
            AuditSelected(originator_version=version, renewal_submitted_on=cycle.renewed_on, seed=None, rate=None,
                          **common),
            AuditReviewed(originator_version=version + 1, outcome=AuditOutcome.SHORT, replace_by=replace_by,
                          **common)]


def window_opened(facts: list[CredentialFact], on: date) -> tuple[date, date | None] | None:
    """The replacement window a correction decided on `on` opened that day (the start of the cycle it
    is for, and its replacement date), or None."""
    audit = replay(facts, on, None, BOOK).audit
    if audit is None or not audit.by_correction or audit.selected_on != on:
        return None
    return audit.cycle.start, audit.replace_by


def weighed_differently(original: list[CredentialFact], fact: CredentialFact, withdrawn: list[CredentialFact],
                        never: list[CredentialFact]) -> date:
    """The first day a correction recorded after `fact` opened a window in one history and not in
    the other, or one for another cycle, or `date.max`."""
    later = [f for f in original if f.timestamp > fact.timestamp]
    days = {f.effective_on if isinstance(f, FactWithdrawn) else f.decided_on for f in later
            if isinstance(f, (FactWithdrawn, ActivityAmended))}
    return min((d for d in days if window_opened(withdrawn, d) != window_opened(never, d)), default=date.max)


def but_the_audit_sentence(status: CredentialStatus) -> CredentialStatus:
    """`status` without what differs between a correction's window and an audit found short: the
    sentence, and the proof date only a selection has."""
    audit = status.audit and replace(status.audit, proof_due_on=status.audit.selected_on)
    return replace(status, reason="", audit=audit)


def chosen_withdrawal(original: list[CredentialFact], recorded_on: date, rng: random.Random,
                      renewed: bool) -> tuple[CredentialFact, date]:
    """A withdrawable fact and the day its withdrawal is decided: the day it is recorded, or an
    earlier day with no fact of its own. With `renewed`, a claim counted toward a renewed cycle,
    withdrawn some days after that renewal, as a withdrawal that leaves the cycle short is."""
    candidates = withdrawable(original)
    busy = {f.effective_on for f in original}
    placed = replay(original, recorded_on, None, BOOK)
    in_renewed = [(f, placement[0].renewed_on) for f in candidates if type(f) is ActivityClaimed
                  and (placement := placed.placement(f.activity_id)) and placement[0].renewed_on is not None]
    if renewed and in_renewed:
        fact, renewed_on = rng.choice(in_renewed)
        days = {renewed_on + timedelta(days=rng.randint(1, 150)) for _ in range(5)} - busy
    else:
        # Each kind as likely as another, though claims and certifications are the most facts.
        kind = rng.choice(sorted({type(f).__name__ for f in candidates}))
        fact = rng.choice([f for f in candidates if type(f).__name__ == kind])
        days = {d + ONE_DAY for d in busy} - busy
    return fact, rng.choice(sorted(d for d in days if d < recorded_on) + [recorded_on])


@settings(max_examples=25)
@given(st.one_of(st.tuples(st.just(True), renewed_histories), st.tuples(st.just(False), corrected_histories)),
       lags, st.integers(0, 2**16))
def test_withdrawing_a_fact_answers_as_if_it_had_never_been_recorded_from_the_withdrawal_on(
        drawn, lag, seed) -> None:
    """rules.md section 8: a withdrawn fact is void on every business date, as known from the moment the
    withdrawal is recorded; Decision (a correction that leaves a renewed cycle short)."""
    renewed, spec = drawn
    recording = record(spec, lags=lag)
    original = list(recording.credential.history)
    assume(withdrawable(original))
    stamp = recording.stamp(max(f.effective_on for f in original))
    fact, decided_on = chosen_withdrawal(original, stamp.recorded_at.date(), random.Random(seed), renewed)
    credential = recording.credential
    credential.withdraw(fact.fact_id, "recorded in error", decided_on, None, stamp)
    withdrawn = credential.history
    voided = voided_with(original, fact)
    never = [f for f in original if f.fact_id not in voided]
    window = cycle_left_short(replay(original, decided_on, None, BOOK), replay(never, decided_on, None, BOOK))
    replace_by = default_replace_by(decided_on, BOOK.in_force(decided_on))
    compared_until = weighed_differently(original, fact, withdrawn, never)
    note(f"withdrew {type(fact).__name__} {fact.fact_id} of {fact.effective_on}, decided on {decided_on}; "
         f"window for {window and window.start}; compared before {compared_until}")
    dates = sorted({*probe_dates(original, seed), decided_on - ONE_DAY, decided_on, replace_by,
                    replace_by + ONE_DAY, replace_by + timedelta(days=366)})
    for on in (d for d in dates if d < compared_until):
        for known_at in (withdrawn[-1].timestamp, None):
            got = answer(withdrawn, on, known_at)
            if on < decided_on or window is None:
                assert got == answer(never, on), (on, got.reason)
            elif window.end >= decided_on:
                continue  # the cycle under way, renewed early: no audit could be selected for it yet
            else:
                expected = answer(audited_short(never, window, decided_on, replace_by), on)
                assert but_the_audit_sentence(got) == but_the_audit_sentence(expected), (on, got.reason)
    if window is not None and decided_on < compared_until and answer(withdrawn, decided_on).status is Status.ACTIVE:
        assert f"a correction on {decided_on} left the renewed cycle" in answer(withdrawn, decided_on).reason


@settings(max_examples=10)
@given(corrected_histories, lags, st.integers(0, 2**16), st.integers(0, 2**16))
def test_an_answer_known_before_a_withdrawal_is_unchanged_by_it(spec, lag, pick, seed) -> None:
    """rules.md section 8: "on X, known at T" with T before the withdrawal answers exactly as before."""
    recording = record(spec, lags=lag)
    original = list(recording.credential.history)
    candidates = withdrawable(original)
    assume(candidates)
    stamp = recording.stamp(original[-1].effective_on)
    recording.credential.withdraw(candidates[pick % len(candidates)].fact_id, "in error", stamp.recorded_at.date(),
                                  None, stamp)
    known_at = random.Random(seed).choice(sorted({f.timestamp for f in original}))
    for on in probe_dates(original, seed):
        assert answer(recording.credential.history, on, known_at) == answer(original, on, known_at), on


def judged(command: Any) -> str | None:
    """None when the command is recorded, else its refusal code."""
    try:
        command()
    except CredentialError as error:
        return error.code
    return None


@settings(max_examples=15)
@given(corrected_histories, lags, st.integers(0, 2**16), claims, st.integers(-300, 300), st.integers(0, 2**16))
def test_an_amendment_answers_as_withdrawing_the_claim_and_claiming_the_new_content(
        spec, lag, pick, new_content, shift, seed) -> None:
    """rules.md section 8: as known from the amendment, it is as if the claim had always had the new content
    (its activity id kept: here the new claim's id is another, and no documentation rejected the activity)."""
    recording = record(spec, lags=lag)
    history = recording.credential.history
    rejected = {f.activity_id for f in history if isinstance(f, DocumentationRejected)}
    standing = [f for f in history if isinstance(f, ActivityClaimed) and f.activity_id not in rejected
                and recording.credential.activity(f.activity_id) is f]
    assume(standing)
    old = standing[pick % len(standing)]
    stamp = recording.stamp(max(f.effective_on for f in history))
    category, fields = new_content
    completed_on = min(old.effective_on + timedelta(days=shift), stamp.recorded_at.date())
    new = ActivityClaim(category, "the new content", completed_on, **fields)
    amended, corrected = recording.credential, copy.deepcopy(recording.credential)
    code = judged(lambda: amended.amend_activity(old.activity_id, new, "typed wrong", BOOK, stamp))
    # The activity's first claim: withdrawing it takes the amendments with it.
    first = next(f for f in history if isinstance(f, ActivityClaimed) and f.activity_id == old.activity_id)
    corrected.withdraw(first.fact_id, "typed wrong", stamp.recorded_at.date(), None, stamp)
    assert judged(lambda: corrected.claim_activity("the-new-id", new, BOOK, stamp)) == code
    note(f"amended {old.activity_id} ({old.category} of {old.effective_on}) to {category} of {completed_on}: {code}")
    if code is not None:
        return  # refused alike; a refused amendment records nothing (the rule tests check it)
    for on in probe_dates(history, seed) + [new.completed_on, old.effective_on]:
        assert answer(amended.history, on) == answer(corrected.history, on), on


# --- policy versions --------------------------------------------------------------------------------------

# Values a version may change, each valid on its own (rules.md section 9).
version_changes = st.sampled_from([
    {"late_fee": 75},
    {"replacement_days": 30},
    {"proof_days": 10},
    {"grace_months": 3},
    {"audit_inactive_months": 6},
    {"teaching_cap_fraction": "0.5"},
    {"categories": {"acsm_workshop": {"amount": 2}}},
    {"categories": {"publication": {"amount": 3}}},
    {"categories": {"conference": {"accepted": False, "reason": "no longer accepted"}}},
    {"certifications": {"CPT": {"required_cecs": 30}}},
    {"certifications": {"CPT": {"required_cecs": 60, "renewal_fee": 50}}},
    {"conversions": {"NSCA": "0.5"}},
])
versions = st.lists(st.tuples(st.integers(0, 365 * 12), version_changes), min_size=1, max_size=4)


@settings(max_examples=12)
@given(corrected_histories, versions, st.integers(0, 10), st.integers(0, 2**16))
def test_adopting_a_version_and_withdrawing_it_leaves_every_later_answer_as_if_it_had_never_been_adopted(
        spec, adopted, which, seed) -> None:
    """rules.md section 9: a version adopted in error is withdrawn; the versions after it carry over
    from whatever is then in force the day before them."""
    facts = record(spec).credential.history
    at = datetime.fromisoformat("2041-01-01T00:00:00+00:00")
    opened = {"timestamp": at, "idempotency_key": None, "request_hash": None}
    register, never = PolicyRegister.open(**opened), PolicyRegister.open(**opened)
    erroneous = which % len(adopted)
    for index, (days, changes) in enumerate(adopted):
        at += timedelta(days=1)
        effective = date(2015, 1, 1) + timedelta(days=days)
        stamp = {"timestamp": at, "idempotency_key": None, "request_hash": None}
        register.adopt(f"v{index}", effective, changes, DEFAULT_POLICY, **stamp)
        if index != erroneous:
            never.adopt(f"v{index}", effective, changes, DEFAULT_POLICY, **stamp)
    at += timedelta(days=1)
    register.withdraw(f"v{erroneous}", "adopted in error", DEFAULT_POLICY, timestamp=at, idempotency_key=None,
                      request_hash=None)
    later = [at, at + timedelta(days=30)]
    for on in probe_dates(facts, seed):
        expected = answer(facts, on, book=never.book(DEFAULT_POLICY))
        for known_at in later:
            assert answer(facts, on, known_at, register.book(DEFAULT_POLICY, known_at)) == expected, on
