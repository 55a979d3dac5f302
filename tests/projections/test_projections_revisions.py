"""The revisions table (rules.md section 10): followed page by page and rebuilt, held to the
replayed revisions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from projections_revised import (
    STEPS,
    amendment,
    generated_members,
    lapsed,
    late_renewal,
    replayed_rows,
    retroactive_policy,
    withdrawal,
    workshop,
)
from projections_support import snapshot

from application.service import CredentialService
from projections import rows as member_rows
from projections.projector import Projector
from projections.queries import TableQueries
from projections.store import ReadModels

pytest_plugins = ["projections_fixtures"]

JUST_AFTER = timedelta(microseconds=1)


@pytest.fixture
def revisions_asked(monkeypatch: pytest.MonkeyPatch) -> list[datetime | None]:
    """The `recorded_from` of each member's revisions the projector computes from now on."""
    asked: list[datetime | None] = []
    revisions = member_rows.member_revisions

    def watched(*args: Any, recorded_from: datetime | None = None, **kwargs: Any) -> Any:
        asked.append(recorded_from)
        return revisions(*args, recorded_from=recorded_from, **kwargs)

    monkeypatch.setattr(member_rows, "member_revisions", watched)
    return asked


def test_revisions_followed_page_by_page_equal_the_replayed_ones_for_every_kind_of_cause(
        service: CredentialService, models: ReadModels, projector: Projector, clock) -> None:
    """rules.md section 10: late facts, a withdrawal, an amendment and a policy version effective in
    the past each revise; the table lists each revision as replaying every member does."""
    projector.page_size = 300
    generated_members(service)
    projector.catch_up(stream_from_zero=False)
    for step in STEPS:
        step(service, clock)
        projector.catch_up(stream_from_zero=False)
    generated_members(service, 20, seed=23, prefix="h")  # recorded before the adoption, stored after it
    projector.catch_up(stream_from_zero=False)
    table = TableQueries(models).revisions(None, None).rows
    assert table == replayed_rows(service)
    causes = {row.cause_type for row in table}
    assert {"ActivityClaimed", "RenewalSubmitted", "FactWithdrawn", "ActivityAmended",
            "PolicyVersionAdopted"} <= causes


def test_a_rebuild_gives_the_revisions_following_page_by_page_gave(
        service: CredentialService, models: ReadModels, projector: Projector, clock) -> None:
    """rules.md section 10: a revision depends only on what was known when it was recorded, so
    computing it once, when its fact arrives, is as exact as replaying everything."""
    projector.page_size = 200
    for step in (late_renewal, withdrawal, amendment, lapsed):
        step(service, clock)
        projector.catch_up(stream_from_zero=False)
    generated_members(service)
    projector.catch_up(stream_from_zero=False)
    retroactive_policy(service, clock)
    projector.catch_up(stream_from_zero=False)
    followed = snapshot(models)
    projector.rebuild()
    assert snapshot(models) == followed


def test_a_window_of_recorded_time_lists_the_revisions_recorded_from_its_start_up_to_its_end(
        service: CredentialService, models: ReadModels, projector: Projector, clock) -> None:
    """rules.md section 10: across the store, the revisions recorded within a window of recorded time."""
    generated_members(service)
    for step in STEPS:
        step(service, clock)
    projector.catch_up()
    recorded = sorted({row.recorded_at for row in replayed_rows(service)})
    start, end = recorded[len(recorded) // 3], recorded[2 * len(recorded) // 3]
    queries = TableQueries(models)
    for window in ((start, end), (start, None), (None, end), (start, start), (start, start + JUST_AFTER),
                   (end - JUST_AFTER, end)):
        rows = queries.revisions(*window).rows
        assert rows == replayed_rows(service, *window), window
    assert [row.recorded_at for row in queries.revisions(start, start + JUST_AFTER).rows][:1] == [start]
    assert all(row.recorded_at < end for row in queries.revisions(None, end).rows)


def test_new_facts_compute_only_the_revisions_recorded_from_the_first_of_them(
        service: CredentialService, projector: Projector, clock, revisions_asked: list[datetime | None]) -> None:
    """rules.md section 10: a revision is made by one recorded fact; what facts recorded earlier
    revised stays as it was, so a page computes only its own facts' revisions."""
    late_renewal(service, clock)
    projector.catch_up()
    revisions_asked.clear()
    clock.set("2026-03-01")
    service.claim_activity("m-late", workshop("2024-06-01", 6))
    projector.catch_up(stream_from_zero=False)
    assert revisions_asked == [service.credential("m-late").history[-1].timestamp]


def test_a_policy_version_computes_the_revisions_recorded_from_its_adoption_for_every_member(
        service: CredentialService, models: ReadModels, projector: Projector, clock,
        revisions_asked: list[datetime | None]) -> None:
    """rules.md sections 9 and 10: a version taking effect in the past revises the answers of every
    member it changes, from its adoption on; the revisions recorded before it stay."""
    for step in (late_renewal, withdrawal, lapsed):
        step(service, clock)
    projector.catch_up()
    before = TableQueries(models).revisions(None, None).rows
    revisions_asked.clear()
    adopted_at = retroactive_policy(service, clock)
    projector.catch_up(stream_from_zero=False)
    assert revisions_asked == [adopted_at] * 3
    after = TableQueries(models).revisions(None, None).rows
    assert [row for row in after if row.recorded_at < adopted_at] == before
    assert [(row.member_id, row.cause_type, row.version, str(row.first), str(row.last)) for row in after
            if row.recorded_at == adopted_at] == [
        ("m-lapsed", "PolicyVersionAdopted", "2015-01-01", "2026-04-01", "2026-06-30")]
    assert after == replayed_rows(service)

