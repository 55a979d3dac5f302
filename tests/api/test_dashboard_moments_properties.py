"""Property test of the member page's bitemporal picture (`web.dashboard.moments`): the periods after
each recorded moment, continued from the moment before's, are those of the facts known then folded
whole under the book known then, for histories recorded late, corrected, and under policy versions
adopted and withdrawn between their facts. (No database: the moments are a pure function.)"""

from __future__ import annotations

from itertools import groupby
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

from domain.events import CredentialFact
from domain.revisions import BookAt, PolicyChange, changes_between
from domain.timeline import FOREVER, timeline
from web.dashboard.moments import NOTHING_KNOWN, moments


def moments_folded_whole(history: list[CredentialFact], book_at: BookAt,
                         changes: list[PolicyChange]) -> list[tuple[Any, ...]]:
    """The reference: each moment's periods from every fact known then, folded from the first."""
    groups = [(at, tuple(group), None) for at, group in groupby(history, key=lambda f: f.timestamp)]
    groups += [(c.cause.recorded_at, (), c.cause) for c in changes if c.cause.recorded_at > history[0].timestamp]
    groups.sort(key=lambda group: group[0])
    found, before = [], NOTHING_KNOWN
    for recorded_at, facts, policy in groups:
        after = timeline([f for f in history if f.timestamp <= recorded_at], book_at(recorded_at)).periods
        if policy is not None and after == before:
            continue
        found.append((recorded_at, facts, policy, after, tuple(changes_between(before, after, FOREVER))))
        before = after
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(corrected_histories, histories, same_day_histories), recording_lags, adoptions)
def test_each_moment_of_the_picture_shows_the_periods_of_the_facts_known_then_folded_whole(
        spec: Any, lag: list[int] | None, drawn: list[Any]) -> None:
    """rules.md section 10: each band says what `status?on=X&known_at=T` said right after its moment."""
    history = record(spec, lags=lag).credential.history
    book_at, changes = policy_known(history, drawn)
    assert [(m.recorded_at, m.facts, m.policy, m.periods, m.changes) for m in moments(history, book_at, changes)] \
        == moments_folded_whole(history, book_at, changes)
