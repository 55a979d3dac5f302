"""The members lists (who is behind a count) from the tables, against the replayed reference, on
SQLite and PostgreSQL: the same members, in the same order, page by page; and as many as each bar
of the reports counts."""

from __future__ import annotations

import functools
from datetime import date

import pytest
from projections_support import BOOK, facts, populate

from application.service import CredentialService
from domain.states import AuditState, Status
from projections import known_policy
from projections.answers import NO_LEVEL, AuditsSelected, CyclesEnding, MemberFilter, Renewal
from projections.known_policy import policy_fingerprint
from projections.projector import Projector
from projections.queries import TableQueries
from projections.replayed import ReplayQueries
from projections.store import ReadModels
from projections.tables import MEMBER_TABLES, MEMBERS

pytest_plugins = ["projections_fixtures"]

MEMBERS_STORED = 100  # every one distinct: the replayed lists are slow
SEED = 5
DAYS = (date(2000, 1, 1), date(2012, 7, 1), date(2019, 1, 1), date(2023, 7, 1), date(2026, 11, 28), date(2035, 1, 1))
EVERYONE = 10_000  # a page longer than any list here
Question = tuple[date, MemberFilter, int, int]


def _questions() -> list[Question]:
    """Lists by status and level, by text, by what each report counts, and pages of them."""
    replay = ReplayQueries(facts(MEMBERS_STORED, SEED), BOOK)
    questions: list[Question] = []
    for on in DAYS:
        questions.append((on, MemberFilter(), 0, EVERYONE))
        questions += [(on, MemberFilter(status=row.status, level=row.level or NO_LEVEL), 0, EVERYONE)
                      for row in replay.status_counts(on).rows]
        questions += [(on, MemberFilter(status=status.value), 0, EVERYONE) for status in Status]
    on = date(2024, 1, 1)
    questions += [(on, MemberFilter(text=text), 0, EVERYONE)
                  for text in ("m0001", "MEMBER M0002", "m00", "%", "_", "m_0", "\\", "ß")]
    questions += [(on, MemberFilter(level=level), 0, EVERYONE) for level in ("CPT", NO_LEVEL, "NOPE")]
    questions += [(on, MemberFilter(status="active", text="1"), offset, 20) for offset in (0, 20, 40, 400)]
    for year in (2012, 2017, 2021, 2024):
        for as_of in (date(year, 7, 1), date(2026, 11, 28)):
            questions += [(as_of, MemberFilter(counted=AuditsSelected(year, state)), 0, EVERYONE)
                          for state in (None, *(s.value for s in AuditState))]
            questions += [(as_of, MemberFilter(counted=CyclesEnding(year, 12, renewal)), 0, EVERYONE)
                          for renewal in (None, *(r.value for r in Renewal))]
            questions.append((as_of, MemberFilter(status="inactive", counted=CyclesEnding(year, 12)), 0, EVERYONE))
    return questions


@functools.cache
def replayed_lists() -> list[tuple[Question, object]]:
    """What `projections.replayed` answers, replaying every member: the same on every backend."""
    replay = ReplayQueries(facts(MEMBERS_STORED, SEED), BOOK)
    return [(question, replay.member_list(*question)) for question in _questions()]


@pytest.fixture
def tables(service: CredentialService, models: ReadModels, projector: Projector) -> TableQueries:
    populate(service, MEMBERS_STORED, seed=SEED)
    projector.catch_up()
    return TableQueries(models)


def test_member_lists_from_the_tables_equal_the_replayed_lists(tables: TableQueries) -> None:
    answers = replayed_lists()
    assert any(answer.members and answer.members[0].counted_on for _, answer in answers)  # type: ignore[attr-defined]
    for question, answer in answers:
        assert tables.member_list(*question) == answer, question


def test_the_pages_of_a_list_are_the_whole_list_in_member_order(tables: TableQueries) -> None:
    on, wanted = date(2024, 1, 1), MemberFilter(status="active")
    whole = tables.member_list(on, wanted, 0, EVERYONE)
    pages = [tables.member_list(on, wanted, offset, 7) for offset in range(0, whole.total + 7, 7)]
    assert [member for page in pages for member in page.members] == whole.members
    assert {page.total for page in pages} == {whole.total}
    assert [member.member_id for member in whole.members] == sorted(member.member_id for member in whole.members)


def test_each_status_bar_lists_as_many_members_as_it_counts(tables: TableQueries) -> None:
    for on in DAYS:
        for row in tables.status_counts(on).rows:
            listed = tables.member_list(on, MemberFilter(status=row.status, level=row.level or NO_LEVEL), 0, 0)
            assert listed.total == row.members, (on, row)


def test_each_audit_bar_lists_as_many_audits_as_it_counts(tables: TableQueries) -> None:
    counted = 0
    for year in range(2008, 2027):
        report = tables.audits(year, date(2026, 11, 28))
        for row in report.by_state:
            listed = tables.member_list(report.as_of, MemberFilter(counted=AuditsSelected(year, row.state)), 0, 0)
            assert listed.total == row.audits, (year, row)
            counted += row.audits
    assert counted  # the histories reach the report


def test_each_renewal_bar_lists_as_many_cycles_as_it_counts(tables: TableQueries) -> None:
    for year in range(2008, 2029):
        report = tables.renewals_due(year, date(2026, 11, 28))
        for month in report.months:
            split = {None: month.due, Renewal.ON_TIME.value: month.renewed - month.renewed_late,
                     Renewal.LATE.value: month.renewed_late, Renewal.NOT_RENEWED.value: month.not_renewed}
            for renewal, count in split.items():
                wanted = MemberFilter(counted=CyclesEnding(year, month.month, renewal))
                assert tables.member_list(report.as_of, wanted, 0, 0).total == count, (year, month, renewal)


def test_the_names_are_those_the_credentials_were_opened_with(tables: TableQueries) -> None:
    listed = tables.member_list(date(2024, 1, 1), MemberFilter(text="member M00012"), 0, EVERYONE)
    assert [(m.member_id, m.name) for m in listed.members] == [("m00012", "Member m00012")]


def test_tables_of_another_layout_are_stale_so_a_new_table_is_filled_for_every_member(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows followed page by page fill a new table only for members with new facts: a release that
    changes the tables' layout finds the rows of the last one stale and rebuilds them."""
    now = policy_fingerprint(BOOK)
    monkeypatch.setattr(known_policy, "MEMBER_TABLES", tuple(t for t in MEMBER_TABLES if t is not MEMBERS))
    assert policy_fingerprint(BOOK) != now
