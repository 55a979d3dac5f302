"""Property tests for the two time axes: business dates and recorded times, over the random
histories of `history_strategies`."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime

from history_strategies import BOOK, build, histories, probe_dates
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.credential import Credential, Stamp
from domain.events import CredentialFact
from domain.status import CredentialStatus, status_of


def answer(facts: list[CredentialFact], on: date, known_at: datetime | None = None) -> CredentialStatus:
    return replace(status_of(facts, on, known_at, BOOK), known_at=None)


settings.register_profile("credentials", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("credentials")


@settings(max_examples=40)
@given(histories, st.integers(0, 2**16))
def test_the_status_for_any_date_is_the_same_before_and_after_a_sweep(spec, seed) -> None:
    facts = build(spec)
    dates = probe_dates(facts, seed)
    before = [answer(facts, on) for on in dates]
    credential = Credential.open("m", None, facts[0].effective_on, Stamp(datetime(2026, 11, 28, tzinfo=UTC)))
    credential.history = list(facts)
    credential.record_due_transitions(max(dates), BOOK, Stamp(datetime(2027, 1, 1, tzinfo=UTC)))
    assert len(credential.history) >= len(facts)
    after = [answer(credential.history, on) for on in dates]
    assert before == after


@settings(max_examples=40)
@given(histories, st.integers(0, 2**16))
def test_recording_the_same_facts_in_another_order_gives_the_same_answer_for_every_date(spec, seed) -> None:
    facts = build(spec)
    shuffled = list(facts)
    random.Random(seed).shuffle(shuffled)
    for on in probe_dates(facts, seed):
        assert answer(facts, on) == answer(shuffled, on), on


@settings(max_examples=40)
@given(histories, st.integers(0, 2**16))
def test_an_answer_known_at_a_time_never_changes_when_later_facts_are_recorded(spec, seed) -> None:
    facts = build(spec)
    rng = random.Random(seed)
    known_at = facts[rng.randrange(len(facts))].timestamp
    # One command may record several facts at once; they are known together.
    recorded_by_then = [f for f in facts if f.timestamp <= known_at]
    assert len(recorded_by_then) < len(facts) or known_at == facts[-1].timestamp
    for on in probe_dates(facts, seed):
        assert answer(facts, on, known_at) == answer(recorded_by_then, on), on
