"""Property tests: the revisions computed from one running fold (`domain.running_revisions`: the
read models' and a member's page) are `domain.revisions.revisions`, for random histories recorded
late, corrected (withdrawals, amendments), under policy versions adopted and withdrawn between
their facts; computed at once, from a recorded time on, and continued as the history grows."""

from __future__ import annotations

from typing import Any

from history_strategies import (
    adoptions,
    corrected_histories,
    histories,
    policy_known,
    record,
    recording_lags,
    same_day_histories,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.revisions import revisions
from domain.running_revisions import member_revisions

any_history = st.one_of(corrected_histories, histories, same_day_histories)
SLOW_OK = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

@settings(max_examples=60, **SLOW_OK)
@given(any_history, recording_lags, adoptions)
def test_the_running_revisions_of_a_whole_history_are_the_revisions_replayed_moment_by_moment(
        spec: Any, lag: list[int] | None, drawn: list[Any]) -> None:
    """rules.md section 10: however late facts were recorded, corrected or judged under policy
    versions adopted later, every revision, in order, is the one both prefixes folded whole give."""
    history = record(spec, lags=lag).credential.history
    book_at, changes = policy_known(history, drawn)
    assert member_revisions(history, book_at, changes)[0] == revisions(history, book_at, changes)


@settings(max_examples=40, **SLOW_OK)
@given(any_history, recording_lags, adoptions, st.lists(st.integers(1, 1000), min_size=1, max_size=4))
def test_revisions_continued_page_by_page_from_the_kept_fold_are_those_computed_from_each_page_on(
        spec: Any, lag: list[int] | None, drawn: list[Any], cuts: list[int]) -> None:
    """A follower keeps the running fold of a member's history and continues it with the facts of
    the next page: each page's revisions (from its first new fact's recorded time on) equal the
    replayed ones, whatever the history before it held."""
    history = record(spec, lags=lag).credential.history
    book_at, changes = policy_known(history, drawn)
    ends = sorted({1 + cut % len(history) for cut in cuts} | {len(history)})
    running, known = None, 0
    for end in ends:
        page = history[:end]
        recorded_from = page[known].timestamp if known < end else None
        if recorded_from is None:
            continue
        found, running = member_revisions(page, book_at, changes, recorded_from=recorded_from, running=running)
        assert found == revisions(page, book_at, changes, recorded_from=recorded_from)
        known = end


@settings(max_examples=30, **SLOW_OK)
@given(corrected_histories, recording_lags, adoptions, st.integers(0, 1000))
def test_revisions_from_a_recorded_time_are_the_replayed_ones_from_it(
        spec: Any, lag: list[int] | None, drawn: list[Any], pick: int) -> None:
    """A rebuild after a policy change keeps the revisions recorded before it and computes the
    rest: those from a time on are the replayed ones from that time on."""
    history = record(spec, lags=lag).credential.history
    book_at, changes = policy_known(history, drawn)
    times = sorted({f.timestamp for f in history} | {c.cause.recorded_at for c in changes})
    recorded_from = times[pick % len(times)]
    assert (member_revisions(history, book_at, changes, recorded_from=recorded_from)[0]
            == revisions(history, book_at, changes, recorded_from=recorded_from))
