"""The read models: caught up page by page, rebuilt, and queried, on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import os
import random
import subprocess
import sys
from datetime import date, timedelta

import pytest
from projections_support import BOOK, facts, generated, insert, interleaved, populate, snapshot, split

from application.service import CredentialService
from domain.policy import DEFAULT_POLICY, FAQ_ERA, PolicyBook, amended
from domain.replay import RULES_REVISION
from domain.timeline import timeline
from projections.backends import open_read_models
from projections.known_policy import policy_fingerprint
from projections.postgres import PostgresReadModels
from projections.projector import OtherPolicyBook, Projector
from projections.queries import TableQueries
from projections.replayed import ReplayQueries
from projections.rows import FirstNew
from projections.store import ReadModels

pytest_plugins = ["projections_fixtures"]

MEMBERS = 200  # of which 100 distinct histories; about 6,300 events, about six pages of 1,000
REPORT_MEMBERS = 150  # every one distinct: the replaying reports are slow


def test_catching_up_page_by_page_gives_the_tables_a_rebuild_gives(
        service: CredentialService, models: ReadModels, projector: Projector) -> None:
    rng = random.Random(11)
    projector.page_size = 1_000
    first, later = split(generated(MEMBERS, 11), rng)
    insert(service, interleaved(first, rng))
    assert projector.catch_up(stream_from_zero=False) == service.recorder.max_notification_id()
    # The rest of each history, recorded later: each page now recomputes members it saw before.
    insert(service, interleaved(later, rng))
    projector.catch_up(stream_from_zero=False)
    assert projector.lag().lag == 0
    incremental = snapshot(models)
    assert len(incremental["current_status"]) == MEMBERS

    projector.build_parts = 2  # two processes, each building a slice of the members
    assert projector.rebuild() == service.recorder.max_notification_id()
    assert snapshot(models) == incremental
    assert projector.lag().lag == 0


def test_recomputing_members_again_changes_nothing_and_a_stale_follower_writes_nothing(
        service: CredentialService, models: ReadModels, projector: Projector) -> None:
    populate(service, REPORT_MEMBERS, seed=5)
    projector.page_size = 500
    projector.step()
    first = models.position()
    projector.step()
    before, position = snapshot(models), models.position()
    # A second follower that read the first position, then computed the same page as the first did.
    assert not models.replace_members({"m00001": FirstNew(1, None)}, {t: [] for t in before}, expected=first,
                                      position=position, policy=projector.policies.at(position).fingerprint)
    assert snapshot(models) == before
    assert models.position() == position
    # What a crash before the commit makes a follower do: compute the same members again.
    members = [row[0] for row in before["current_status"]]
    assert projector.recompute(members)
    assert snapshot(models) == before


def test_reports_from_the_tables_equal_the_replayed_reports_before_on_and_after_deadlines(
        service: CredentialService, models: ReadModels, projector: Projector) -> None:
    populate(service, REPORT_MEMBERS, seed=5)
    projector.catch_up()
    for report, arguments, answer in replayed_reports():
        assert getattr(TableQueries(models), report)(*arguments) == answer, (report, arguments)


@functools.cache
def replayed_reports() -> list[tuple[str, tuple[object, ...], object]]:
    """What `projections.replayed` answers, replaying every member: the same on every backend."""
    histories = facts(REPORT_MEMBERS, 5)
    replay = ReplayQueries(histories, BOOK)
    answers: list[tuple[str, tuple[object, ...], object]] = [
        ("status_counts", (on,), replay.status_counts(on)) for on in _deadline_dates(histories, 40)
    ]
    for year in range(2008, 2029, 3):
        answers.append(("cec_categories", (year,), replay.cec_categories(year)))
        for as_of in (date(year, 1, 1), date(year, 12, 31), date(year + 1, 1, 1), date(year + 1, 7, 1),
                      date(2026, 11, 28)):
            answers.append(("renewals_due", (year, as_of), replay.renewals_due(year, as_of)))
            answers.append(("audits", (year, as_of), replay.audits(year, as_of)))
    return answers


def test_the_postgresql_views_answer_as_the_queries_do(
        service: CredentialService, models: ReadModels, projector: Projector) -> None:
    if not isinstance(models, PostgresReadModels):
        pytest.skip("the BI views are PostgreSQL's")
    populate(service, 100, seed=9)
    projector.catch_up()
    on, year = date(2024, 1, 1), 2024
    counts = TableQueries(models).status_counts(on)
    by_function = models.fetch("SELECT status, level, members FROM {status_counts_on}(%(on)s)", {"on": on})
    assert sorted(by_function, key=str) == sorted(((r.status, r.level, r.members) for r in counts.rows), key=str)
    by_view = models.fetch("SELECT category, claims, members, cecs FROM {cecs_by_category_year} "
                           "WHERE year = %(year)s ORDER BY category", {"year": year})
    by_query = TableQueries(models).cec_categories(year).categories
    assert by_view == [(c.category, c.claims, c.members, c.cecs) for c in by_query]
    # The views as of today, the database's current_date, against the replayed reports of that day.
    today_views = ("status_counts_today", "renewals_due_by_month", "audits_by_year_state")
    for _ in range(2):  # read again if midnight passed while reading
        today = models.fetch("SELECT current_date", {})[0][0]
        by_views = {view: sorted(models.fetch(f"SELECT * FROM {{{view}}}", {}), key=str) for view in today_views}
        if models.fetch("SELECT current_date", {})[0][0] == today:
            break
    histories, years = facts(100, 9), range(2000, today.year + 6)  # what populate stored; every cycle's year
    replay = ReplayQueries(histories, BOOK)
    statuses = replay.status_counts(today).rows
    renewals = {year: replay.renewals_due(year, today).months for year in years}
    audited = {year: replay.audits(year, today).by_state for year in years}
    expected = {
        "status_counts_today": [(r.status, r.level, r.members) for r in statuses],
        "renewals_due_by_month": [(year, m.month, m.due, m.renewed, m.renewed_late)
                                  for year, months in renewals.items() for m in months if m.due],
        "audits_by_year_state": [(year, r.state, r.audits) for year, rows in audited.items() for r in rows if r.audits],
    }
    for view, rows in expected.items():
        assert rows, view  # something to compare: the histories reach each report
        assert by_views[view] == sorted(rows, key=str), view


def test_a_rebuild_leaves_the_old_tables_readable_until_the_swap(
        service: CredentialService, models: ReadModels, projector: Projector, location: dict[str, str]) -> None:
    populate(service, REPORT_MEMBERS, seed=5)
    projector.catch_up()
    old, old_position = snapshot(models), models.position()
    rng = random.Random(13)
    insert(service, interleaved(generated(40, 17, 40, prefix="new"), rng)[:600])  # more facts, not yet applied
    seen_before_swap = []

    def reader() -> None:  # another connection, as a dashboard would have
        other = open_read_models(service, **location)
        seen_before_swap.append((snapshot(other), other.position()))
        other.close()

    projector.rebuild(before_swap=reader)
    assert seen_before_swap == [(old, old_position)]
    assert old_position < models.position() == service.recorder.max_notification_id()
    assert snapshot(models) != old


def test_the_status_of_today_is_recomputed_when_a_deadline_passes(
        service: CredentialService, models: ReadModels, projector: Projector, clock) -> None:
    clock.set("2022-06-01")
    service.certify("late", "CPT", date(2019, 5, 10))
    projector.catch_up()
    row = models.fetch("SELECT status, changes_on FROM {current_status} WHERE member_id = 'late'", {})
    assert [(status, str(changes_on)) for status, changes_on in row] == [("active", "2023-01-01")]
    assert projector.refresh_due() == 0
    clock.set("2023-01-01")
    assert projector.refresh_due() == 1
    row = models.fetch("SELECT status, changes_on FROM {current_status} WHERE member_id = 'late'", {})
    assert [(status, str(changes_on)) for status, changes_on in row] == [("inactive", "2023-07-01")]


def _deadline_dates(histories: list[list], count: int) -> list[date]:
    """Days on which statuses change, the days before them, and a few others."""
    rng = random.Random(1)
    days = set()
    for history in rng.sample(histories, 30):
        for period in timeline(history, BOOK).periods[1:]:
            days.update((period.valid_from, period.valid_from - timedelta(days=1)))
    chosen = rng.sample(sorted(days), min(count, len(days)))
    return sorted({*chosen, date(2000, 1, 1), date(2026, 11, 28), date(2035, 1, 1)})


def test_facts_recorded_during_a_rebuild_are_applied_by_the_next_catch_up(
        service: CredentialService, models: ReadModels, projector: Projector) -> None:
    populate(service, REPORT_MEMBERS, seed=5)
    events = interleaved(generated(40, 17, 40, prefix="new"), random.Random(17))
    projector.rebuild(before_swap=lambda: insert(service, events))
    assert projector.lag().lag == len(events)
    projector.catch_up()
    caught_up = snapshot(models)
    projector.rebuild()
    assert snapshot(models) == caught_up


# Three months of grace instead of six from 2015: many members lapse earlier.
SHORT_GRACE = PolicyBook((FAQ_ERA, amended(FAQ_ERA, "2015-01-01", date(2015, 1, 1), grace_months=3)))


def test_tables_computed_under_another_policy_book_are_rebuilt_by_the_next_catch_up(
        make_service, models: ReadModels, projector: Projector) -> None:
    populate(projector.service, REPORT_MEMBERS, seed=5)
    projector.catch_up()
    under_default = TableQueries(models).status_counts(date(2024, 5, 1))
    amended_projector = Projector(make_service(policy=SHORT_GRACE), models)
    assert not amended_projector.lag().current_policy
    amended_projector.catch_up(stream_from_zero=False)  # pages alone cannot redo every member: it rebuilds
    histories = facts(REPORT_MEMBERS, 5)
    replayed = ReplayQueries(histories, SHORT_GRACE).status_counts(date(2024, 5, 1))
    assert TableQueries(models).status_counts(date(2024, 5, 1)) == replayed != under_default
    assert amended_projector.lag().current_policy
    amended_projector.close()


def test_a_follower_of_the_old_policy_book_writes_nothing_once_the_tables_follow_a_new_one(
        make_service, models: ReadModels, projector: Projector) -> None:
    populate(projector.service, 50, seed=5)
    projector.catch_up()
    amended_projector = Projector(make_service(policy=SHORT_GRACE), models)
    amended_projector.catch_up()
    before = snapshot(models)
    insert(projector.service, interleaved(generated(5, 17, 5, prefix="new"), random.Random(17)))
    with pytest.raises(OtherPolicyBook):
        projector.step()
    assert snapshot(models) == before
    amended_projector.close()


def test_a_second_rebuild_is_refused_while_one_runs(service: CredentialService, models: ReadModels,
                                                    location: dict[str, str]) -> None:
    models.prepare_build("policy")
    second = open_read_models(service, **location)
    try:
        with pytest.raises(RuntimeError, match="already running"):
            second.prepare_build("policy")
    finally:
        models.abandon_build()
        second.close()
    second = open_read_models(service, **location)
    second.prepare_build("policy")  # free again once the first ended
    second.abandon_build()
    second.close()


def test_a_policy_book_has_one_fingerprint_in_every_process_and_another_book_another() -> None:
    code = "from domain.policy import DEFAULT_POLICY; from projections.known_policy import policy_fingerprint; " \
           "print(policy_fingerprint(DEFAULT_POLICY))"
    printed = {subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                              capture_output=True, text=True, check=True).stdout.strip() for seed in ("1", "2", "3")}
    assert printed == {policy_fingerprint(BOOK)}
    assert policy_fingerprint(SHORT_GRACE) != policy_fingerprint(BOOK)


def test_another_revision_of_the_rules_code_gives_the_same_book_another_fingerprint(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows computed under rules whose code has since changed an answer are rebuilt, not followed."""
    before = policy_fingerprint(DEFAULT_POLICY)
    monkeypatch.setattr("projections.known_policy.RULES_REVISION", RULES_REVISION + 1)
    assert policy_fingerprint(DEFAULT_POLICY) != before
