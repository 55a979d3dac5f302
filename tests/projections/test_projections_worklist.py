"""The worklist and the reminders' outbox from the read models equal their replayed reference,
on SQLite and PostgreSQL (rules.md section 11)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from projections_support import BOOK, facts, populate
from rules_support import D, workshop

from application.service import CredentialService
from domain.matters import open_matters
from domain.replay import replay
from domain.timeline import timeline
from projections.projector import Projector
from projections.queries import TableQueries
from projections.replayed import ReplayQueries
from projections.store import ReadModels

pytest_plugins = ["projections_fixtures"]

MEMBERS = 100  # every one distinct: the replayed worklist folds each member once per day asked


def _days_around_deadlines(histories: list[list], per_kind: int) -> list[date]:
    """For each kind of matter, days before, on and after some on which one falls due or begins;
    and a few others."""
    rng = random.Random(3)
    by_kind: dict[str, set[date]] = {}
    for history in histories:
        for period in timeline(history, BOOK).matters:
            for matter in period.matters:
                by_kind.setdefault(matter.kind, set()).update((
                    period.valid_from - timedelta(days=1), period.valid_from, matter.due_on - timedelta(days=30),
                    matter.due_on, matter.due_on + timedelta(days=1)))
    chosen = {day for days in by_kind.values() for day in rng.sample(sorted(days), min(per_kind, len(days)))}
    return sorted({*chosen, date(2000, 1, 1), date(2026, 11, 28), date(2035, 1, 1)})


def test_the_worklist_from_the_tables_equals_the_replayed_worklist_before_on_and_after_each_deadline(
        service: CredentialService, models: ReadModels, projector: Projector) -> None:
    populate(service, MEMBERS, seed=22, distinct=MEMBERS)
    projector.catch_up()
    histories = facts(MEMBERS, 22, distinct=MEMBERS)
    reference, tables = ReplayQueries(histories, BOOK), TableQueries(models)
    kinds = set()
    for on in _days_around_deadlines(histories, 5):
        for within in (0, 30, 90):
            expected = reference.worklist(on, within)
            assert tables.worklist(on, within) == expected, (on, within)
            kinds.update(item.kind for item in expected.items)
    # Every kind of matter was compared, not only the common ones.
    assert kinds == {"renewal_due", "grace_ends", "proof_due", "replacement_due", "audit_year_ends"}


def test_the_worklist_lists_a_member_inactive_that_day_whatever_the_distance_of_the_deadline(
        service: CredentialService, models: ReadModels, projector: Projector) -> None:
    """rules.md section 11: every open deadline of a member already inactive on D is listed."""
    service.certify("m-1", "CPT", D("2019-05-10"), name="Ann Lee")
    service.claim_activity("m-1", workshop("2020-02-03", hours=38))
    projector.catch_up()
    [item] = TableQueries(models).worklist(D("2023-01-10"), 0).items
    assert (item.member_id, item.name, item.kind, item.due_on, item.days_left, item.status) == (
        "m-1", "Ann Lee", "grace_ends", D("2023-06-30"), 171, "inactive")
    assert (item.counted_cecs, item.required_cecs, item.cecs_missing, item.fee_if_renewed_on, item.act_by) == (
        38, 45, 7, 70, D("2023-06-30"))
    assert TableQueries(models).worklist(D("2022-12-01"), 29).items == []
    [due] = TableQueries(models).worklist(D("2022-12-01"), 30).items
    assert (due.kind, due.due_on, due.days_left, due.status, due.fee_if_renewed_on, due.act_by) == (
        "renewal_due", D("2022-12-31"), 30, "active", 45, D("2023-06-30"))


def test_the_outbox_from_the_tables_equals_the_replayed_outbox(
        service: CredentialService, models: ReadModels, projector: Projector, clock) -> None:
    for member, hours in (("m-1", 38), ("m-2", 45), ("m-3", 10)):
        service.certify(member, "CPT", D("2019-05-10"), name=f"Member {member}")
        service.claim_activity(member, workshop("2020-02-03", hours=hours))
    for day in ("2022-10-02", "2022-11-01", "2022-12-24", "2023-01-01", "2023-06-01"):
        clock.set(day)
        service.issue_reminders(D(day))
    projector.catch_up()
    histories = [service.credential(m).history for m in ("m-1", "m-2", "m-3")]
    reference, tables = ReplayQueries(histories, BOOK), TableQueries(models)
    everything = reference.reminders(None, None)
    # Each member: 90, 60 and 7 days ahead (30 was missed), grace began, 30 days of grace left.
    assert len(everything.rows) == 3 * 5
    for window in ((None, None), (D("2022-11-01"), None), (None, D("2022-12-24")), (D("2023-01-01"), D("2023-01-01"))):
        assert tables.reminders(*window) == reference.reminders(*window), window


def test_open_matters_are_the_worklist_s_reading_of_the_fold() -> None:
    histories = facts(20, 4, distinct=20)
    on = date(2026, 11, 28)
    listed = ReplayQueries(histories, BOOK).worklist(on, 100_000).items
    assert len(listed) == sum(len(open_matters(replay(h, on, None, BOOK))) for h in histories)
