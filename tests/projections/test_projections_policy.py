"""The read models follow the policy register by themselves (rules.md section 9): an adoption or a
withdrawal recomputes every member as a rebuild does, and until it is swapped in no report is
answered from rows of the book that is no longer current; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from projections_revised import SHORT_GRACE, amendment, certified_with_claims, lapsed, withdrawal
from projections_support import facts, populate, snapshot

from application.service import CredentialService
from domain.policy import DEFAULT_POLICY
from projections.backends import open_read_models
from projections.known_policy import policy_fingerprint
from projections.lag import Lag
from projections.projector import Projector
from projections.queries import TableQueries
from projections.reading import ReadModelsBehind, ReportReader
from projections.replayed import ReplayQueries
from projections.store import MOVE_SQL, PROJECTION, ReadModels

pytest_plugins = ["projections_fixtures"]

MEMBERS = 100
ON = date(2024, 5, 1)  # three months of grace instead of six make members lapsed then invalid sooner


def replayed(service: CredentialService) -> ReplayQueries:
    """The reference: every member replayed under the book as known now."""
    return ReplayQueries(facts(MEMBERS, 5), service.book())


@pytest.fixture
def followed(service: CredentialService, projector: Projector) -> Projector:
    """Generated members, the tables caught up with them under the built-in book."""
    populate(service, MEMBERS, seed=5)
    projector.catch_up()
    return projector


def test_an_adopted_version_is_followed_and_the_reports_answer_under_it(
        service: CredentialService, models: ReadModels, followed: Projector) -> None:
    """rules.md section 9: a version adopted with a past effective date changes the answers from its adoption on."""
    under_built_in = TableQueries(models).status_counts(ON)
    service.adopt_policy_version(*SHORT_GRACE)
    assert followed.catch_up(stream_from_zero=False) == 2  # the register's opening and the adoption
    assert TableQueries(models).status_counts(ON) == replayed(service).status_counts(ON) != under_built_in
    assert TableQueries(models).renewals_due(2023, date(2024, 6, 1)) == replayed(service).renewals_due(
        2023, date(2024, 6, 1))
    assert followed.lag() == Lag(PROJECTION, models.position(), models.position())


def test_withdrawing_the_version_gives_back_the_figures_of_the_book_before_it(
        service: CredentialService, models: ReadModels, followed: Projector) -> None:
    """rules.md section 9: a version adopted in error is withdrawn; from then on it governs nothing."""
    under_built_in = TableQueries(models).status_counts(ON)
    service.adopt_policy_version(*SHORT_GRACE)
    followed.catch_up(stream_from_zero=False)
    service.withdraw_policy_version(SHORT_GRACE[0], "adopted in error")
    followed.catch_up(stream_from_zero=False)
    assert TableQueries(models).status_counts(ON) == replayed(service).status_counts(ON) == under_built_in


def test_until_an_adoption_is_applied_the_tables_are_a_whole_store_behind_and_followable(
        service: CredentialService, models: ReadModels, followed: Projector) -> None:
    """rules.md section 9: the rows of the old book are never the answer once a version is adopted."""
    service.adopt_policy_version(*SHORT_GRACE)
    lag = followed.lag()
    assert (lag.current_policy, lag.followable) == (False, True)
    assert lag.lag == lag.max_notification_id == models.position() + 2
    assert lag.answerable(lag.max_notification_id)
    assert not lag.answerable(lag.max_notification_id - 1)


def test_a_policy_change_is_swapped_in_with_its_position_and_fingerprint_at_once(
        service: CredentialService, models: ReadModels, followed: Projector, location: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """rules.md section 9: readers see the tables of the old book or of the new one, never a mix."""
    old = (snapshot(models), models.tracking())
    service.adopt_policy_version(*SHORT_GRACE)
    seen_before_swap = []
    rebuild = followed.rebuild

    def rebuild_watched(*args, **kwargs):
        def look() -> None:  # another connection, as another server's reader would have
            other = open_read_models(service, **location)
            seen_before_swap.append((snapshot(other), other.tracking()))
            other.close()

        return rebuild(look, **kwargs)

    monkeypatch.setattr(followed, "rebuild", rebuild_watched)
    followed.catch_up(stream_from_zero=False)
    assert seen_before_swap == [old]
    assert models.tracking() == (service.recorder.max_notification_id(), followed.policies.now().fingerprint)
    assert snapshot(models) != old[0]


def test_adopting_and_withdrawing_a_version_leaves_the_rows_but_not_the_fingerprint(
        service: CredentialService, models: ReadModels, followed: Projector) -> None:
    """rules.md sections 9 and 10: the book is as it was, but the register gained two moments the
    revisions compare, so the tables are behind until they have followed them."""
    before, (_, fingerprint) = snapshot(models), models.tracking()
    service.adopt_policy_version(*SHORT_GRACE)
    service.withdraw_policy_version(SHORT_GRACE[0], "adopted in error")
    assert not followed.lag().current_policy
    followed.catch_up(stream_from_zero=False)
    after = snapshot(models)
    assert {name: rows for name, rows in after.items() if name != "revisions"} == {
        name: rows for name, rows in before.items() if name != "revisions"}
    assert len(after["revisions"]) > len(before["revisions"])
    assert models.tracking()[1] != fingerprint


def test_tables_that_passed_an_adoption_without_following_it_are_rebuilt_by_the_next_catch_up(
        service: CredentialService, models: ReadModels, followed: Projector) -> None:
    """rules.md section 9: a follower of an earlier release stepped over the register's facts and
    kept the built-in book; the next one started finds their fingerprint stale and rebuilds."""
    service.adopt_policy_version(*SHORT_GRACE)
    with models.transaction():  # what that follower wrote: past the adoption, under the built-in book alone
        models.run(MOVE_SQL, {"position": service.recorder.max_notification_id(), "projection": PROJECTION,
                              "policy": policy_fingerprint(DEFAULT_POLICY)})
    started = Projector(service, models)
    assert started.stale()
    assert not started.lag().followable
    started.catch_up()
    assert TableQueries(models).status_counts(ON) == replayed(service).status_counts(ON)
    assert not started.stale()
    started.close()


def test_a_report_asked_after_an_adoption_brings_a_small_store_up_to_date_itself(
        service: CredentialService, followed: Projector, location: dict[str, str]) -> None:
    """rules.md section 9: as known now, every answer uses the versions adopted by now."""
    service.adopt_policy_version(*SHORT_GRACE)
    reader = ReportReader(service, **location)
    assert reader.answer(lambda queries: queries.status_counts(ON)) == replayed(service).status_counts(ON)
    reader.close()


def test_a_report_asked_after_an_adoption_on_a_large_store_is_behind_until_followed(
        service: CredentialService, models: ReadModels, followed: Projector, location: dict[str, str]) -> None:
    """rules.md section 9: rows of the old book are never served; the request is refused as behind
    (503) and changes nothing."""
    before = (snapshot(models), models.tracking())
    service.adopt_policy_version(*SHORT_GRACE)
    reader = ReportReader(service, **location, inline_limit=models.position())
    with pytest.raises(ReadModelsBehind) as behind:
        reader.answer(lambda queries: queries.status_counts(ON))
    assert behind.value.current_policy is False
    assert (snapshot(models), models.tracking()) == before
    followed.catch_up(stream_from_zero=False)  # the follower's work
    assert reader.answer(lambda queries: queries.status_counts(ON)) == replayed(service).status_counts(ON)
    reader.close()


def test_a_report_asked_while_another_process_rebuilds_for_an_adoption_is_behind(
        service: CredentialService, models: ReadModels, followed: Projector, location: dict[str, str]) -> None:
    """rules.md section 9: the request neither waits for the other rebuild nor answers from the old rows."""
    before = (snapshot(models), models.tracking())
    service.adopt_policy_version(*SHORT_GRACE)
    other = open_read_models(service, **location)
    other.prepare_build("another process's rebuild")
    reader = ReportReader(service, **location)
    try:
        with pytest.raises(ReadModelsBehind):
            reader.answer(lambda queries: queries.status_counts(ON))
        assert (snapshot(models), models.tracking()) == before
    finally:
        other.abandon_build()
        other.close()
    assert reader.answer(lambda queries: queries.status_counts(ON)) == replayed(service).status_counts(ON)
    reader.close()


def test_the_reports_count_the_facts_in_force_each_claim_earning_as_the_version_of_its_day_says(
        service: CredentialService, models: ReadModels, projector: Projector, clock) -> None:
    """rules.md sections 8 and 9: a withdrawn fact and a superseded claim count on no date; a claim
    earns what the version in force on its completion date (as known now) awards."""
    populate(service, 40, seed=5)
    for step in (withdrawal, amendment, lapsed):
        step(service, clock)
    certified_with_claims(service, clock, "m-unaudited", (("2023-02-01", 45),), "2025-06-01")
    clock.set("2026-02-01")
    service.select_for_audit("m-unaudited", date(2026, 2, 1))
    selection = service.credential("m-unaudited").history[-1]
    clock.set("2026-02-05")
    service.withdraw("m-unaudited", selection.fact_id, "selected in error")
    service.adopt_policy_version("2023-01-01", date(2023, 1, 1), {"categories": {"acsm_workshop": {"amount": 2}}})
    projector.catch_up()
    histories = [service.credential(member).history for member in service.member_ids()]
    replay, tables = ReplayQueries(histories, service.book()), TableQueries(models)
    for year in (2023, 2024, 2026):
        assert tables.cec_categories(year) == replay.cec_categories(year), year
        assert tables.audits(year, date(2026, 11, 28)) == replay.audits(year, date(2026, 11, 28)), year
        assert tables.renewals_due(year, date(2026, 11, 28)) == replay.renewals_due(year, date(2026, 11, 28)), year
    for on in (date(2024, 5, 1), date(2026, 3, 5), date(2026, 6, 1)):
        assert tables.status_counts(on) == replay.status_counts(on), on
    # Workshops completed from 2023 earn twice what they earned when claimed.
    assert tables.cec_categories(2023) != ReplayQueries(histories, DEFAULT_POLICY).cec_categories(2023)


def test_a_follower_that_finds_a_policy_change_applied_by_another_writes_nothing_and_reads_on(
        service: CredentialService, models: ReadModels, followed: Projector, location: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """rules.md section 9: two followers never apply a policy change twice, nor the old book's rows over it."""
    service.adopt_policy_version(*SHORT_GRACE)
    other = Projector(service, open_read_models(service, **location))
    prepare = followed.models.prepare_build

    def other_got_there_first(policy: str) -> None:
        other.catch_up(stream_from_zero=False)
        prepare(policy)

    monkeypatch.setattr(followed.models, "prepare_build", other_got_there_first)
    assert followed.step() == -1  # it found the tables moved once it could rebuild: nothing written
    applied_by_other = snapshot(other.models)
    assert models.tracking() == (service.recorder.max_notification_id(), other.policies.now().fingerprint)
    assert followed.step() == 0
    assert snapshot(models) == applied_by_other
    assert TableQueries(models).status_counts(ON) == replayed(service).status_counts(ON)
    other.close()
    other.models.close()
