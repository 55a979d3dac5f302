"""The timeline (one replay) answers every date as `status_of` and the reports do (many replays)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from history_strategies import BOOK, build, histories, probe_dates
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_support import D

from domain.document import status_of
from domain.events import CredentialFact
from domain.policy import DEFAULT_POLICY
from domain.states import AuditState, Status
from domain.timeline import FOREVER, Timeline, timeline
from projections.replayed import ReplayQueries


def deadline_dates(line: Timeline) -> list[date]:
    """Each period's first and last day, and the days either side of every cycle end and audit change."""
    days = set()
    for period in line.periods[1:]:
        days.update((period.valid_from, period.valid_from - timedelta(days=1)))
    for cycle in line.cycles:
        days.update((cycle.end, cycle.end + timedelta(days=1), cycle.begun_on))
    for audit in line.audits:
        for audit_period in audit.periods:
            days.add(audit_period.valid_from)
            if audit_period.valid_to:
                days.update((audit_period.valid_to, audit_period.valid_to - timedelta(days=1)))
    return sorted(days)


def report_dates(facts: list[CredentialFact], line: Timeline, seed: int) -> list[date]:
    return sorted({*probe_dates(facts, seed), *deadline_dates(line)})


@settings(max_examples=60)
@given(histories, st.integers(0, 2**16))
def test_the_period_containing_a_date_has_the_status_and_level_of_that_date(spec, seed) -> None:
    facts = build(spec)
    line = timeline(facts, BOOK)
    for on in report_dates(facts, line, seed):
        expected = status_of(facts, on, None, BOOK)
        period = line.period_on(on)
        assert period.contains(on)
        assert (period.status, period.level) == (expected.status, expected.level), on


@settings(max_examples=60)
@given(histories, st.integers(0, 2**16))
def test_periods_are_contiguous_from_the_beginning_and_change_at_each_boundary(spec, seed) -> None:
    line = timeline(build(spec), BOOK)
    assert line.periods[0].valid_from == date.min
    assert line.periods[-1].valid_to is None
    for earlier, later in zip(line.periods, line.periods[1:]):
        assert earlier.valid_to == later.valid_from
        assert (earlier.status, earlier.level) != (later.status, later.level)


@settings(max_examples=40)
@given(histories, st.integers(0, 2**16))
def test_the_status_document_on_today_is_the_one_status_of_answers(spec, seed) -> None:
    facts = build(spec)
    today = random.Random(seed).choice(probe_dates(facts, seed))
    line = timeline(facts, BOOK, today=today)
    assert line.current == status_of(facts, today, None, BOOK)
    if line.current_until is not None:  # nothing changes before then
        day_before = line.current_until - timedelta(days=1)
        later = status_of(facts, day_before, None, BOOK)
        assert (later.status, later.level, later.cycle, later.audit) == (
            line.current.status, line.current.level, line.current.cycle, line.current.audit)


@settings(max_examples=40)
@given(histories, st.integers(0, 2**16))
def test_cycles_and_audits_give_the_renewal_and_audit_reports_for_any_date(spec, seed) -> None:
    facts = build(spec)
    line, replay = timeline(facts, BOOK), ReplayQueries([facts], BOOK)
    for as_of in report_dates(facts, line, seed):
        for year in {as_of.year - 1, as_of.year, as_of.year + 1, *(c.end.year for c in line.cycles)}:
            due = replay.renewals_due(year, as_of)
            cycles = [c for c in line.cycles if c.end.year == year and c.begun_on <= as_of
                      and (c.cut_short_on is None or c.cut_short_on > as_of)]
            assert due.due == len(cycles), (year, as_of)
            assert due.renewed == sum(1 for c in cycles if c.renewed_on and c.renewed_on <= as_of)
            late = sum(m.renewed_late for m in due.months)
            assert late == sum(1 for c in cycles if c.renewed_on and c.end < c.renewed_on <= as_of)
        for year in {a.selected_on.year for a in line.audits}:
            audited = replay.audits(year, as_of)
            states = [a.state_on(as_of) for a in line.audits if a.selected_on.year == year and a.selected_on <= as_of]
            expected = {row.state: row.audits for row in audited.by_state}
            assert expected == {s.value: sum(1 for x in states if x is s) for s in AuditState}, (year, as_of)


def test_a_cycle_ending_in_the_future_makes_the_member_inactive_with_no_new_fact() -> None:
    facts = _certified_cpt_on(D("2025-05-10"))
    line = timeline(facts, DEFAULT_POLICY)
    assert [(p.valid_from, p.status, p.level) for p in line.periods] == [
        (date.min, Status.NOT_CERTIFIED, None),
        (D("2025-05-10"), Status.ACTIVE, "CPT"),
        (D("2029-01-01"), Status.INACTIVE, "CPT"),
        (D("2029-07-01"), Status.INVALID, None),
    ]
    assert [(c.start, c.end, c.renewed_on, c.cut_short_on) for c in line.cycles] == [
        (D("2025-05-10"), D("2028-12-31"), None, None)]


def test_a_horizon_stops_the_deadlines_and_today_must_not_pass_it() -> None:
    facts = _certified_cpt_on(D("2025-05-10"))
    line = timeline(facts, DEFAULT_POLICY, D("2029-03-01"))
    assert [p.status for p in line.periods] == [Status.NOT_CERTIFIED, Status.ACTIVE, Status.INACTIVE]
    assert timeline(facts, DEFAULT_POLICY, FOREVER, today=D("2026-01-01")).current_until == D("2029-01-01")
    try:
        timeline(facts, DEFAULT_POLICY, D("2026-01-01"), today=D("2026-01-02"))
    except ValueError:
        return
    raise AssertionError("a today after the horizon is refused")


def _certified_cpt_on(day: date) -> list[CredentialFact]:
    from datetime import UTC, datetime

    from domain.credential import Credential, Stamp

    stamp = Stamp(datetime(2026, 1, 1, tzinfo=UTC))
    credential = Credential.open("m", None, day, stamp)
    credential.certify("CPT", day, DEFAULT_POLICY, stamp)
    return credential.history
