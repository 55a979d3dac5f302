"""Property tests for replays continued from kept folds (`domain.continued_replay.ContinuedReplay`,
behind every command and the history's `status_after`): every judgment and every fold equal a full
replay, however the history grows (backdated facts, corrections, another policy book) and on
whichever day it is asked about."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from history_strategies import BOOK, corrected_histories, histories, lags, record, same_day_histories
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.continued_replay import ContinuedReplay
from domain.document import status_of, statuses_after
from domain.events import CredentialFact
from domain.fold import Fold
from domain.policy import DEFAULT_POLICY, FAQ_ERA, CategoryRule, amended
from domain.replay import replay

# The same facts folded under a book with one more version: their CECs judged again.
RAISED = DEFAULT_POLICY.with_version(amended(FAQ_ERA, "2019-01-01", date(2019, 1, 1), categories={
    **FAQ_ERA.categories, "publication": CategoryRule("publication", "fixed", Decimal(30)),
    "college_course": CategoryRule("college_course", "per_credit_hour", Decimal(2))}))
any_history = st.one_of(histories, same_day_histories, corrected_histories)


def recorded(facts: list[CredentialFact]) -> list[tuple[object, ...]]:
    """What the facts say, without the times they were recorded at."""
    return [(type(f).__name__, f.effective_on, {k: v for k, v in vars(f).items() if k not in ("timestamp",)})
            for f in facts]


def seen(fold: Fold) -> tuple[object, ...]:
    cycles = [(c.start, c.end, c.renewed_on, c.required_at_renewal, c.required_at_close, c.claimed(),
               c.counted(fold.cycle_required(c), frozenset()),
               [(x.activity_id, x.cecs, x.replacement) for x in c.credits])
              for c in [*fold.past_cycles, *([fold.cycle] if fold.cycle else [])]]
    audit = fold.audit
    return (fold.status, fold.since, fold.today, fold.in_grace, fold.invalid, fold.lapse, fold.opened_on,
            [(t.on, t.status, t.lapse, t.reason) for t in fold.transitions], cycles, sorted(fold.held),
            None if audit is None else (audit.state, audit.selected_on, audit.proof_due_on, audit.cycle.start,
                                        sorted(audit.rejected), audit.replace_by, audit.inactive_since,
                                        audit.closed_on, audit.proven()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_history, lags)
def test_commands_judged_on_kept_replays_record_exactly_what_full_replays_record(spec, lag) -> None:
    """Every command is judged like the one before it: judging on folds continued from the kept
    ones (commands, imported rows) changes no judgment, for histories recorded late too."""
    assert recorded(record(spec, lags=lag, kept_replays=True).credential.history) == \
        recorded(record(spec, lags=lag).credential.history)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_history,
       st.lists(st.tuples(st.integers(-8, 40), st.integers(-900, 400), st.booleans()), min_size=1, max_size=25),
       st.randoms())
def test_a_continued_replay_of_a_growing_history_equals_a_full_replay_on_any_day(spec, steps, shuffle) -> None:
    """Each answer equals the full replay's as the history grows by facts in any order (dated before
    facts already folded, folding among those of one day, corrections), asked about on any day
    (before, among or after its facts), under one book or a book of other versions; a shorter
    history, which does not extend the one asked about before, is folded anew."""
    facts = record(spec).credential.history
    if shuffle.random() < 0.5:  # else as recorded: mostly in business order
        facts = [facts[0], *shuffle.sample(facts[1:], len(facts) - 1)]
    continued = ContinuedReplay()
    length = 0
    for grown, days, raised in steps:
        length = min(len(facts), max(1, length + grown))
        prefix = facts[:length]
        on = max(f.effective_on for f in prefix) + timedelta(days=days)
        book = RAISED if raised else BOOK
        assert seen(continued.fold(prefix, on, book)) == seen(replay(prefix, on, None, book))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_history, st.lists(st.integers(-900, 200), min_size=2, max_size=12))
def test_a_fold_answered_is_not_changed_by_the_replays_that_follow(spec, days) -> None:
    """A fold answered may be one kept and shared (a thread may still be reading it): the replays
    after it, of more facts and other days, leave it as it was answered."""
    facts = record(spec).credential.history
    continued = ContinuedReplay()
    answered = []
    for index, offset in enumerate(days):
        prefix = facts[: max(1, len(facts) * (index + 1) // len(days))]
        fold = continued.fold(prefix, max(f.effective_on for f in prefix) + timedelta(days=offset), BOOK)
        answered.append((fold, seen(fold)))
    assert [seen(fold) for fold, _ in answered] == [was for _, was in answered]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_history, lags)
def test_the_status_after_each_fact_from_continued_replays_equals_a_replay_of_what_was_known_then(
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
