"""Property tests for judging commands in business-date order on one kept fold (an import's bulk
path, `domain.replay.InOrderReplay`): every judgment and every fold equal a full replay."""

from __future__ import annotations

from datetime import timedelta

from history_strategies import BOOK, corrected_histories, histories, lags, record, same_day_histories
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.document import status_of, statuses_after
from domain.events import CredentialFact
from domain.fold import Fold
from domain.policy import DEFAULT_POLICY
from domain.replay import InOrderReplay, replay


def recorded(facts: list[CredentialFact]) -> list[tuple[object, ...]]:
    """What the facts say, without the times they were recorded at."""
    return [(type(f).__name__, f.effective_on, {k: v for k, v in vars(f).items() if k not in ("timestamp",)})
            for f in facts]


def seen(fold: Fold) -> tuple[object, ...]:
    cycles = [(c.start, c.end, c.renewed_on, c.counted(fold.cycle_required(c), frozenset()))
              for c in [*fold.past_cycles, *([fold.cycle] if fold.cycle else [])]]
    audit = fold.audit
    return (fold.status, fold.since, fold.today, [(t.on, t.status, t.lapse, t.reason) for t in fold.transitions],
            cycles, sorted(fold.held), None if audit is None else (audit.state, audit.proof_due_on, audit.rejected))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(histories, same_day_histories, corrected_histories))
def test_commands_judged_on_a_kept_fold_record_exactly_what_full_replays_record(spec) -> None:
    """rules.md section 13: an imported row is judged like the command it stands for; judging a
    member's rows on one fold, each extending the last, changes no judgment."""
    assert recorded(record(spec, in_order=True).credential.history) == recorded(record(spec).credential.history)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(histories, same_day_histories, corrected_histories),
       st.lists(st.tuples(st.integers(1, 6), st.sampled_from([0, 0, 0, 1, 30, 120])), min_size=1, max_size=25),
       st.randoms())
def test_a_kept_fold_asked_about_a_growing_history_equals_a_full_replay_each_time(spec, steps, shuffle) -> None:
    """Each answer of the kept fold equals the full replay's, as the history grows by facts in
    any order (dated before the day last asked, folding before a fact of that day already
    folded, corrections) and is asked about on its latest day or later."""
    facts = record(spec).credential.history
    if shuffle.random() < 0.5:  # else as recorded: mostly in business order, the kept fold's case
        facts = [facts[0], *shuffle.sample(facts[1:], len(facts) - 1)]
    kept = InOrderReplay()
    length = 0
    for grown, later in steps:
        length = min(len(facts), length + grown)
        prefix = facts[:length]
        on = max(f.effective_on for f in prefix) + timedelta(days=later)
        assert seen(kept.fold(prefix, on, BOOK)) == seen(replay(prefix, on, None, BOOK))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(histories, same_day_histories, corrected_histories), lags)
def test_the_status_after_each_fact_from_one_running_fold_equals_a_replay_of_what_was_known_then(
        spec, lag) -> None:
    """The history's `status_after` (http-api.md): the status on each fact's business date as known
    right after it was recorded, for histories recorded late (backdated facts) and corrected."""
    facts = record(spec, lags=lag).credential.history
    assert statuses_after(facts, lambda _known_at: BOOK) == [
        status_of(facts[: index + 1], fact.effective_on, fact.timestamp, BOOK) for index, fact in enumerate(facts)]


def test_a_book_made_afresh_with_the_same_versions_folds_as_the_one_kept() -> None:
    """Books are made afresh for each answer (one per recorded time in a history); a kept fold goes on
    under a book of the same versions, judged alike, and under no other."""
    only = DEFAULT_POLICY.as_the_only_book()
    assert only.folds_as(DEFAULT_POLICY.as_the_only_book())
    assert not DEFAULT_POLICY.folds_as(only)  # facts judged again under one, not under the other
    assert not only.folds_as(None)
