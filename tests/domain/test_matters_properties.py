"""Property tests for deadlines ahead (rules.md sections 11 and 12): what the read models keep of
a member's matters, as periods, answers every day exactly as a replay of that day does; and a
reminder run, whenever it runs, issues only reminders of matters open that day, each once."""

from __future__ import annotations

import random
from datetime import date, timedelta

from history_strategies import BOOK, build, corrected_histories, histories, probe_dates
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from domain.credential import Credential, Stamp
from domain.matters import open_matters
from domain.replay import replay
from domain.timeline import timeline

settings.register_profile("credentials", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("credentials")


def days_around(facts: list, seed: int) -> list[date]:
    """The probe dates, and the days around each matter's due day and each period's bounds."""
    chosen = set(probe_dates(facts, seed))
    for period in timeline(facts, BOOK).matters:
        chosen.update((period.valid_from, period.valid_from - timedelta(days=1)))
        chosen.update(m.due_on + timedelta(days=delta) for m in period.matters for delta in (-1, 0, 1))
    return sorted(chosen)


@settings(max_examples=40)
@given(st.one_of(histories, corrected_histories), st.integers(0, 2**16))
def test_the_matter_periods_answer_every_day_as_a_replay_of_that_day(spec, seed) -> None:
    facts = build(spec)
    periods = timeline(facts, BOOK).matters
    # Every open matter lapses by the day after it is due: the read models' rows are never open-ended.
    assert all(p.valid_to is not None and all(p.valid_to <= m.due_on + timedelta(days=1) for m in p.matters)
               for p in periods)
    for on in days_around(facts, seed):
        fold = replay(facts, on, None, BOOK)
        holding = [p for p in periods if p.valid_from <= on and (p.valid_to is None or on < p.valid_to)]
        note(f"on {on}: {holding}")
        expected = open_matters(fold)
        if not expected:
            assert holding == [], on
            continue
        [period] = holding
        assert (period.matters, period.status, period.renewal_fee) == (expected, fold.status, fold.renewal_fee(on))


@settings(max_examples=30)
@given(histories, st.lists(st.integers(0, 3650), min_size=1, max_size=25), st.integers(0, 2**16))
def test_reminder_runs_on_any_days_issue_each_reminder_once_and_only_for_matters_open_that_day(
        spec, offsets, seed) -> None:
    facts = build(spec)
    credential = Credential.open("m", None, facts[0].effective_on, Stamp(facts[-1].timestamp))
    credential.history = list(facts)
    rng = random.Random(seed)
    run_days = sorted({facts[0].effective_on + timedelta(days=offset) for offset in offsets})
    rng.shuffle(run_days)  # catch-up runs for earlier days come after later ones too
    stamp_at = facts[-1].timestamp
    for day in run_days:
        stamp_at += timedelta(minutes=1)
        for reminder in credential.issue_reminders(day, BOOK, Stamp(stamp_at)):
            open_then = open_matters(replay(facts, day, None, BOOK))
            assert any(m.due_on == reminder.due_on for m in open_then), reminder
    issued = [(f.kind, f.due_on, f.days_before) for f in credential.history[len(facts):]]
    assert len(issued) == len(set(issued))
    # A rerun of every day issues nothing.
    for day in run_days:
        stamp_at += timedelta(minutes=1)
        assert credential.issue_reminders(day, BOOK, Stamp(stamp_at)) == []
