"""Property tests for the two time axes: business dates and recorded times, over the random
histories of `history_strategies`."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime

from history_strategies import BOOK, build, histories, probe_dates
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from domain.credential import Credential, Stamp
from domain.document import CredentialStatus, status_of
from domain.events import CredentialFact, Invalidated, MarkedInactive


def answer(facts: list[CredentialFact], on: date, known_at: datetime | None = None) -> CredentialStatus:
    return replace(status_of(facts, on, known_at, BOOK), known_at=None)


settings.register_profile("credentials", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("credentials")


# The fact a sweep records on the day a status of each kind begins.
SWEPT = {"inactive": MarkedInactive, "invalid": Invalidated}


@settings(max_examples=40)
@given(histories, st.integers(0, 2**16))
def test_a_sweep_records_each_lapse_that_is_due_and_no_answer_changes(spec, seed) -> None:
    facts = build(spec)
    dates = probe_dates(facts, seed)
    as_of = max(dates)
    before = [answer(facts, on) for on in dates]
    credential = Credential.open("m", None, facts[0].effective_on, Stamp(datetime(2026, 11, 28, tzinfo=UTC)))
    credential.history = list(facts)
    stamp = Stamp(datetime(2027, 1, 1, tzinfo=UTC))
    count = credential.record_due_transitions(as_of, BOOK, stamp)
    added = credential.history[len(facts):]
    assert credential.history[:len(facts)] == facts
    assert count == len(added)
    # Exactly the fold's lapses up to `as_of`, each once, in the order they fell due.
    due = [(SWEPT[t.status.value], t.on, t.lapse) for t in credential.replay(as_of, BOOK).transitions
           if t.status.value in SWEPT and t.lapse is not None]
    assert [(type(f), f.effective_on, f.lapse) for f in added] == due
    # The same, seen from the answers: a member inactive or invalid on a probed day has that
    # status's fact recorded on the day it began, and each fact stands on a day a status began.
    swept = {(type(f), f.effective_on) for f in added}
    lapsed = [(on, a) for on, a in zip(dates, before) if a.status.value in SWEPT]
    note(f"swept up to {as_of}: {sorted((c.__name__, d) for c, d in swept)}; lapsed on {[on for on, _ in lapsed]}")
    for on, status in lapsed:
        assert (SWEPT[status.status.value], status.since) in swept, (on, status.reason)
    for fact in added:
        assert answer(facts, fact.effective_on).since == fact.effective_on, fact
    assert credential.record_due_transitions(as_of, BOOK, stamp) == 0  # nothing is due twice
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
    # Known when some command was recorded, not the last: later facts are left out. One
    # command may record several facts at once; they are known together.
    known_at = random.Random(seed).choice(sorted({f.timestamp for f in facts})[:-1])
    recorded_by_then = [f for f in facts if f.timestamp <= known_at]
    for on in probe_dates(facts, seed):
        assert answer(facts, on, known_at) == answer(recorded_by_then, on), on
