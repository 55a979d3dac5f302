"""Importing a register into a store (rules.md section 13, with sections 6 and 14), on SQLite and
PostgreSQL: each row is judged like the command it stands for, as of its business date; a member's
rows apply in business-date order whatever their order in the file; a refused row changes nothing;
a dry run reports the same and records nothing; importing again records nothing new; `recorded_at`
says when the old register learned a fact."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from register_support import (
    activity,
    certification,
    contents,
    documentation,
    imported,
    refusals,
    renewal,
    selection,
    stored,
)
from rules_support import D, claim, stored_facts, workshop
from service_support import ServiceFactory, StepClock

from application.imports import ImportReport
from application.service import CredentialService
from domain.document import CredentialStatus
from domain.errors import CredentialError
from domain.events import ActivityClaimed, DocumentationRejected
from domain.states import AuditState, Status

# --- one member's career, as register rows and as the commands staff would have posted -------


def career(member: str, learned: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """A CPT certified 2019-05-10 who renews with 50 CECs, is audited, has a claim rejected and replaces
    it, then adds the HFS; one claim (CPR) is refused. `learned` gives rows their `recorded_at`."""
    rows = [
        certification("c", member, "2019-05-10", "CPT", name="Ada Lovelace"),
        activity("a1", member, "2020-02-03", 15, title="Squats"),
        activity("a2", member, "2021-03-04", None, "approved_provider", units="1.5", provider="NASM",
                 course_id="K-1", title="Kettlebells"),
        activity("x", member, "2021-05-05", 4, "cpr", title="CPR"),
        activity("a3", member, "2021-09-01", None, "college_course", credit_hours=1, grade="B",
                 evidence="transcript", title="Physiology"),
        activity("a4", member, "2022-04-05", 10, title="Lunges"),
        renewal("r", member, "2022-11-01", fee_paid="45.00"),
        selection("s", member, "2023-01-16"),
        documentation("d", member, "2023-02-10", [f"{member}-a2"], "no certificate", replace_by="2023-05-01"),
        activity("l", member, "2023-03-03", 10, title="Replacement"),
        certification("h", member, "2023-06-01", "HFS"),
        activity("a5", member, "2024-02-02", 20, title="Deadlifts"),
    ]
    for row in rows:
        row["row_id"] = f"{member}-{row['row_id']}"
        if learned is not None:
            row["recorded_at"] = learned[row["row_id"]]
    # Listed as an old register might list them: newest first, the certification last.
    return rows[::-1]


def posted_one_by_one(service: CredentialService, member: str, before_each: Any = None) -> None:
    """The same career through the service's commands, in business-date order (`before_each(step)`
    runs before each command: it may set the clock)."""
    step = iter(range(100))

    def ready() -> None:
        if before_each is not None:
            before_each(next(step))

    ready()
    service.certify(member, "CPT", D("2019-05-10"), name="Ada Lovelace")
    ready()
    service.claim_activity(member, workshop("2020-02-03", 15, title="Squats"))
    ready()
    rejected = service.claim_activity(member, claim("approved_provider", "2021-03-04", units="1.5", provider="NASM",
                                                    course_id="K-1", title="Kettlebells")).activity_id
    ready()
    with pytest.raises(CredentialError) as refused:
        service.claim_activity(member, claim("cpr", "2021-05-05", hours=4, title="CPR"))
    assert refused.value.code == "not_accepted_category"
    ready()
    service.claim_activity(member, claim("college_course", "2021-09-01", credit_hours=1, grade="B",
                                         evidence="transcript", title="Physiology"))
    ready()
    service.claim_activity(member, workshop("2022-04-05", 10, title="Lunges"))
    ready()
    service.submit_renewal(member, D("2022-11-01"), Decimal("45.00"))
    ready()
    service.select_for_audit(member, D("2023-01-16"))
    ready()
    assert rejected is not None
    service.review_documentation(member, D("2023-02-10"), [(rejected, "no certificate")], D("2023-05-01"))
    ready()
    service.claim_activity(member, workshop("2023-03-03", 10, title="Replacement"))
    ready()
    service.certify(member, "HFS", D("2023-06-01"))
    ready()
    service.claim_activity(member, workshop("2024-02-02", 20, title="Deadlifts"))


DATES = [D(day) for day in ("2019-05-09", "2019-05-10", "2021-06-30", "2022-11-01", "2023-01-01", "2023-01-20",
                            "2023-02-10", "2023-04-01", "2023-06-01", "2024-03-01", "2026-01-15")]


def answer(status: CredentialStatus) -> CredentialStatus:
    """The answer without the time it was asked for (two members' facts are recorded at different times)."""
    return dataclasses.replace(status, known_at=None)


def same_answers(service: CredentialService, first: str, second: str) -> None:
    """The two members answer alike on every date of DATES, as known now and as known right after each of
    their recorded moments (the n-th of one member's against the n-th of the other's), with the same
    history: types, business dates, content and the status after each fact."""
    facts, others = stored_facts(service, first), stored_facts(service, second)
    assert contents(facts[1:]) == contents(others[1:])  # the opening names the member
    assert facts[0].name == others[0].name  # type: ignore[attr-defined]
    moments = sorted({f.timestamp for f in facts})
    other_moments = sorted({f.timestamp for f in others})
    assert len(moments) == len(other_moments)
    for known_at, other_known_at in [*zip(moments, other_moments, strict=True), (None, None)]:
        for on in DATES:
            assert answer(service.status(first, on, known_at)) == answer(service.status(second, on, other_known_at)), (
                on, known_at)
    history, other_history = service.history(first), service.history(second)
    assert [(e.type, e.fact.effective_on, answer(e.status_after)) for e in history] == [
        (e.type, e.fact.effective_on, answer(e.status_after)) for e in other_history]


# --- the import answers as the commands would ---------------------------------------------


def test_an_import_answers_exactly_as_the_same_facts_posted_one_by_one(service: CredentialService) -> None:
    """rules.md section 13: "each row is judged like the command it stands for, as of its business date; a
    member's rows apply in business-date order whatever their order in the file"."""
    report = imported(service, *career("imp"))
    assert (report.rows, report.recorded, report.members) == (12, 11, 1)
    assert refusals(report) == [("imp-x", "not_accepted_category")]
    posted_one_by_one(service, "cmd")
    same_answers(service, "imp", "cmd")
    types = [type(f).__name__ for f in stored_facts(service, "imp")]
    assert types == ["CredentialOpened", "Certified", *["ActivityClaimed"] * 4, "RenewalSubmitted", "AuditSelected",
                     "DocumentationRejected", "AuditReviewed", "ActivityClaimed", "Certified", "ActivityClaimed"]


def test_a_refused_rows_message_is_the_commands(service: CredentialService) -> None:
    """A refused row is reported "with its code and message", the rule's own."""
    report = imported(service, *career("imp"))
    service.certify("cmd", "CPT", D("2019-05-10"))
    with pytest.raises(CredentialError) as refused:
        service.claim_activity("cmd", claim("cpr", "2021-05-05", hours=4, title="CPR"))
    assert report.refused[0].message == refused.value.message
    assert report.refused[0].line == 10  # the file lists the career newest first: the 9th row, after the header


def test_rows_learned_earlier_answer_as_the_commands_posted_when_learned(
        service: CredentialService, clock: StepClock) -> None:
    """rules.md section 13: with `recorded_at`, "as known at" reaches back before the migration: the import
    answers on both time axes exactly as the same commands recorded at those times."""
    learned = {row["row_id"]: f"{row['date']}T18:00:00+00:00" for row in career("imp")}
    learned["imp-h"] = "2023-06-03T08:30:00-04:00"  # any offset; recorded as the same moment in UTC
    learned["imp-d"] = "2023-02-21T09:00:00+00:00"
    report = imported(service, *career("imp", learned))
    assert report.recorded == 11
    moments = sorted(datetime.fromisoformat(moment).astimezone(UTC) for moment in learned.values())

    def at_the_same_moment(step: int) -> None:
        clock.now = moments[min(step, len(moments) - 1)] - timedelta(seconds=1)  # the next reading is the moment

    posted_one_by_one(service, "cmd", at_the_same_moment)
    assert [f.timestamp for f in stored_facts(service, "cmd")] == [f.timestamp for f in stored_facts(service, "imp")]
    same_answers(service, "imp", "cmd")


def test_a_rows_recorded_at_is_when_the_fact_became_known(service: CredentialService) -> None:
    """rules.md section 6: "As known at time T" drops the facts recorded after T; an imported fact is
    recorded at its row's `recorded_at`, in UTC."""
    imported(service, certification("c", "m1", "2019-05-10", recorded_at="2019-05-10T17:00:00+00:00"),
             activity("a1", "m1", "2020-02-03", 15, recorded_at="2020-03-01T09:00:00+02:00"),
             activity("a2", "m1", "2020-02-04", 5))
    facts = stored_facts(service, "m1")
    assert [f.timestamp for f in facts[:3]] == [datetime(2019, 5, 10, 17, tzinfo=UTC)] * 2 + [
        datetime(2020, 3, 1, 7, tzinfo=UTC)]
    assert all(f.timestamp.utcoffset() == timedelta(0) for f in facts)
    on = D("2020-06-01")
    assert service.status("m1", on, datetime(2019, 5, 10, 16, 59, tzinfo=UTC)).status is Status.NOT_CERTIFIED
    before = service.status("m1", on, datetime(2020, 3, 1, 6, 59, 59, tzinfo=UTC))
    assert (before.status, before.cycle.claimed_cecs) == (Status.ACTIVE, 0)  # type: ignore[union-attr]
    learned = service.status("m1", on, datetime(2020, 3, 1, 7, tzinfo=UTC))
    assert learned.cycle.claimed_cecs == 15  # type: ignore[union-attr]
    # Without recorded_at the fact is known from the import (the test clock: 2026-11-28).
    assert facts[3].timestamp > datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert service.status("m1", on, datetime(2026, 11, 28, 9, tzinfo=UTC)).cycle.claimed_cecs == 15  # type: ignore[union-attr]
    history = service.history("m1")
    assert history[2].fact.timestamp == datetime(2020, 3, 1, 7, tzinfo=UTC)


def test_rows_learned_at_one_time_are_recorded_one_after_another(service: CredentialService) -> None:
    """rules.md section 6: recorded times never go backwards, and each command has its own, so "as
    known at" and the revisions can tell two rows learned at the same moment apart."""
    learned = "2020-03-01T09:00:00+00:00"
    report = imported(service, certification("c", "m1", "2019-05-10", recorded_at=learned),
                      activity("a1", "m1", "2020-02-03", 15, recorded_at=learned),
                      activity("a2", "m1", "2020-02-04", 5, recorded_at=learned))
    assert (report.recorded, refusals(report)) == (3, [])
    opened, certified, *claimed = stored_facts(service, "m1")
    assert opened.timestamp == certified.timestamp == datetime(2020, 3, 1, 9, tzinfo=UTC)
    assert [f.timestamp - certified.timestamp for f in claimed] == [timedelta(microseconds=1),
                                                                     timedelta(microseconds=2)]


def test_a_row_is_judged_under_the_policy_versions_known_when_the_register_learned_it(
        service: CredentialService) -> None:
    """rules.md sections 6 and 9: a version adopted later, even one in force from the past, was not
    known when the old register learned the fact: a renewal it took in the fifth month of grace
    stands, where the same row learned now is refused under a grace of three months."""
    service.adopt_policy_version("grace-3", D("2015-01-01"), {"grace_months": 3})
    rows = [certification("c", "m1", "2019-05-10"), activity("a1", "m1", "2020-02-03", 45),
            renewal("r", "m1", "2023-05-01")]
    learned = [{**row, "recorded_at": f"{row['date']}T12:00:00+00:00"} for row in rows]
    assert refusals(imported(service, *learned)) == []
    assert refusals(imported(service, *[{**row, "member_id": "m2"} for row in rows])) == [("r", "credential_invalid")]


def test_the_day_a_fact_was_learned_is_the_utc_day_of_its_recorded_at(service: CredentialService) -> None:
    """README: times are recorded in UTC; a business date may not be after the day its fact was recorded
    (`future_date`), and that day is the UTC day, whatever offset the row wrote."""
    report = imported(service, certification("c1", "m1", "2019-05-10", recorded_at="2019-05-09T23:00:00-02:00"),
                      certification("c2", "m2", "2019-05-10", recorded_at="2019-05-10T01:00:00+02:00"))
    assert refusals(report) == [("c2", "future_date")]
    assert "(2019-05-09)" in report.refused[0].message
    assert stored_facts(service, "m1")[0].timestamp == datetime(2019, 5, 10, 1, tzinfo=UTC)


# --- order -------------------------------------------------------------------------------------


def test_rows_apply_in_business_date_order_whatever_their_order_in_the_file(service: CredentialService) -> None:
    """rules.md section 13: a renewal listed before the CECs it needs and the certification that opens the
    cycle, listed last, are judged after them."""
    report = imported(service, renewal("r", "m1", "2022-11-01"), activity("a2", "m1", "2021-04-04", 30),
                      activity("a1", "m1", "2020-02-03", 15), certification("c", "m1", "2019-05-10"))
    assert (report.recorded, report.refused) == (4, [])
    facts = stored_facts(service, "m1")
    assert [f.effective_on for f in facts] == [D(d) for d in ("2019-05-10", "2019-05-10", "2020-02-03", "2021-04-04",
                                                              "2022-11-01")]
    assert service.status("m1", D("2023-01-01")).cycle.end == D("2025-12-31")  # type: ignore[union-attr]


def test_rows_of_one_day_apply_in_the_same_day_order_of_kinds(service: CredentialService) -> None:
    """rules.md section 14: facts of one business day fold in the order certification, audit selection,
    activities, documentation, renewal; "documentation received on the day of its audit's selection is
    therefore reviewed against that audit"."""
    report = imported(
        service,
        renewal("r", "m1", "2022-11-01"), activity("a", "m1", "2022-11-01", 45), certification("c", "m1", "2019-05-10"),
        activity("a0", "m2", "2019-05-10", 5), certification("c2", "m2", "2019-05-10"),
        activity("a2", "m2", "2020-03-03", 45), renewal("r2", "m2", "2022-10-01"),
        documentation("d2", "m2", "2023-01-16"), selection("s2", "m2", "2023-01-16"),
    )
    assert (report.recorded, report.refused) == (9, [])
    assert [type(f).__name__ for f in stored_facts(service, "m1")] == [
        "CredentialOpened", "Certified", "ActivityClaimed", "RenewalSubmitted"]
    assert [type(f).__name__ for f in stored_facts(service, "m2")][-2:] == ["AuditSelected", "AuditReviewed"]
    audited = service.status("m2", D("2023-01-16"))
    assert audited.audit is not None
    assert audited.audit.state is AuditState.PASSED


def test_rows_learned_at_a_time_apply_in_the_order_learned_before_the_rest(service: CredentialService) -> None:
    """Recorded times never go backwards within a member: rows with `recorded_at` apply in that order,
    then the rows known from the import."""
    report = imported(service, activity("a2", "m1", "2020-01-01", 5),
                      activity("a1", "m1", "2021-01-01", 5, recorded_at="2021-02-01T00:00:00Z"),
                      certification("c", "m1", "2019-05-10", recorded_at="2019-06-01T00:00:00Z"))
    assert report.recorded == 3
    facts = stored_facts(service, "m1")
    assert [f.effective_on for f in facts] == [D(d) for d in ("2019-05-10", "2019-05-10", "2021-01-01", "2020-01-01")]
    assert [f.timestamp for f in facts] == sorted(f.timestamp for f in facts)


# --- refusals change nothing -------------------------------------------------------------------------

OPENED = [certification("c", "m1", "2019-05-10"), activity("a1", "m1", "2020-02-03", 15)]


@pytest.mark.parametrize(("rows", "code"), [
    ([activity("a9", "m1", "2020-02-30")], "invalid_value"),
    ([renewal("r9", "m1", "2022-11-01", hours=3)], "unexpected_value"),
    ([activity("a9", "nobody", "2020-02-03")], "member_not_found"),
    ([activity("a9", "m1", "2021-03-03", 4, "cpr")], "not_accepted_category"),
    ([activity("a9", "m1", "2021-03-03", None, "college_course", credit_hours=2, grade="D", evidence="transcript")],
     "grade_below_c"),
    ([activity("a9", "m1", "2019-05-01", 5)], "before_certification"),
    ([activity("a9", "m1", "2027-01-01", 5)], "future_date"),
    ([renewal("r", "m1", "2022-11-01")], "insufficient_cecs"),
    ([selection("s", "m1", "2023-01-16")], "no_renewal_to_audit"),
    ([documentation("d", "m1", "2023-02-10")], "no_open_audit"),
    ([activity("a1", "m1", "2020-02-03", 16)], "row_changed"),
    ([activity("a9", "m1", "2026-12-01", 5, recorded_at="2026-12-01T00:00:00+00:00")], "recorded_at_in_future"),
    ([activity("a9", "m1", "2020-02-04", 5, recorded_at="2020-03-01T00:00:00+00:00")], "recorded_at_before_known_fact"),
    ([certification("c5", "m5", "2019-05-10", recorded_at="2019-05-10T01:00:00+02:00")], "future_date"),
], ids=["bad-date", "unused-cell", "unknown-member", "refused-category", "grade-below-c", "before-certification",
        "future-date", "insufficient-cecs", "no-renewal-to-audit", "no-open-audit", "row-changed",
        "recorded-at-in-future", "recorded-at-before-known-fact", "learned-before-it-happened"])
def test_a_refused_row_is_reported_with_its_code_and_changes_nothing(
        service: CredentialService, rows: list[dict[str, Any]], code: str) -> None:
    """rules.md section 13: "A refused row is reported with its code and message and changes nothing"."""
    imported(service, *OPENED)
    before = stored(service)
    report = imported(service, *rows)
    assert refusals(report) == [(rows[0]["row_id"], code)]
    assert report.refused[0].message
    assert (report.rows, report.recorded) == (1, 0)
    assert stored(service) == before


def test_a_refused_row_leaves_the_members_other_rows_to_apply(service: CredentialService) -> None:
    """rules.md section 13: "the other rows still apply"; a row judged after a refused one is judged
    against the facts without it."""
    report = imported(service, *OPENED, activity("a2", "m1", "2021-03-03", 20, "cpr"),
                      activity("a3", "m1", "2021-04-04", 30), renewal("r", "m1", "2022-11-01"))
    assert refusals(report) == [("a2", "not_accepted_category")]
    assert report.recorded == 4
    assert service.status("m1", D("2023-01-01")).cycle.counted_cecs == 0  # type: ignore[union-attr]
    assert [type(f).__name__ for f in stored_facts(service, "m1")][-1] == "RenewalSubmitted"


def test_a_row_dated_before_the_members_first_certification_in_the_file_is_refused_as_before_it(
        service: CredentialService) -> None:
    """FAQ: "CECs earned before the first certification date do not count"; a member's rows apply in
    business-date order, so the file's certification is named, not a member unknown."""
    report = imported(service, activity("a0", "m7", "2019-01-05", 5), certification("c7", "m7", "2019-05-10"))
    assert refusals(report) == [("a0", "before_certification")]
    assert "line 3" in report.refused[0].message
    assert report.recorded == 1


def test_a_row_learned_before_the_members_certification_was_is_refused_saying_so(service: CredentialService) -> None:
    """rules.md section 13: a row's `recorded_at` is when the register learned it, and nothing is known
    of a member before their first certification is."""
    report = imported(service, activity("a0", "m7", "2019-06-05", 5, recorded_at="2019-06-06T00:00:00+00:00"),
                      certification("c7", "m7", "2019-05-10"))
    assert refusals(report) == [("a0", "recorded_before_certification")]
    assert report.recorded == 1


def test_a_register_saved_again_with_its_numbers_written_another_way_imports_as_the_same_rows(
        service: CredentialService) -> None:
    """rules.md section 13: "Importing the same file again records nothing new"; a spreadsheet that
    writes 15 as 15.0 has not changed the row."""
    imported(service, *OPENED)
    again = imported(service, OPENED[0], activity("a1", "m1", "2020-02-03", "15.0"))
    assert (again.recorded, again.already_imported, refusals(again)) == (0, 2, [])


def test_a_row_changed_under_the_same_row_id_is_refused_and_the_rest_already_imported(
        service: CredentialService) -> None:
    """rules.md section 13: "each row carries a stable id": a row whose content changed needs a new one."""
    imported(service, *OPENED)
    before = stored(service)
    report = imported(service, OPENED[0], activity("a1", "m1", "2020-02-03", 16))
    assert refusals(report) == [("a1", "row_changed")]
    assert "a changed row needs a new row_id" in report.refused[0].message
    assert (report.recorded, report.already_imported) == (0, 1)
    assert stored(service) == before


def test_a_recorded_at_before_a_fact_already_recorded_is_refused_with_that_facts_time(
        service: CredentialService) -> None:
    """rules.md section 13: recorded_at is "never earlier than an already recorded fact of that member"."""
    service.certify("m1", "CPT", D("2019-05-10"))
    before = stored(service)
    report = imported(service, activity("a1", "m1", "2020-02-03", 15, recorded_at="2020-03-01T00:00:00+00:00"))
    assert refusals(report) == [("a1", "recorded_at_before_known_fact")]
    assert "2026-11-28" in report.refused[0].message
    assert stored(service) == before


# --- documentation names activity rows -------------------------------------------------------------


def test_documentation_rejects_activities_by_their_row_ids(service: CredentialService) -> None:
    """http-api.md: `rejected_row_ids` (activity rows, `;` separated), named in this file or an earlier one."""
    imported(service, certification("c", "m1", "2019-05-10"), activity("a1", "m1", "2020-02-03", 15),
             activity("a2", "m1", "2021-02-03", 20), activity("a3", "m1", "2022-02-03", 20))
    report = imported(service, renewal("r", "m1", "2022-11-01"), selection("s", "m1", "2023-01-16"),
                      documentation("d", "m1", "2023-02-10", ["a1", "a3"], "not a CEC certificate"))
    assert (report.recorded, report.refused) == (3, [])
    facts = stored_facts(service, "m1")
    claimed = {f.title: f.activity_id for f in facts if isinstance(f, ActivityClaimed)}
    rejected = [(f.activity_id, f.reason) for f in facts if isinstance(f, DocumentationRejected)]
    assert rejected == [(claimed["acsm_workshop 2020-02-03"], "not a CEC certificate"),
                        (claimed["acsm_workshop 2022-02-03"], "not a CEC certificate")]
    audit = service.status("m1", D("2023-02-10")).audit
    assert audit is not None
    assert audit.state is AuditState.REPLACEMENT_DUE


@pytest.mark.parametrize("named", ["a9", "b1", "a2", "s"], ids=["never-imported", "another-members", "refused-row",
                                                              "not-an-activity"])
def test_documentation_naming_a_row_that_is_no_imported_activity_of_the_member_is_refused_as_unknown_row(
        service: CredentialService, named: str) -> None:
    imported(service, certification("b0", "m2", "2019-05-10"), activity("b1", "m2", "2020-02-03", 15))
    report = imported(service, certification("c", "m1", "2019-05-10"), activity("a1", "m1", "2020-02-03", 50),
                      activity("a2", "m1", "2020-03-03", 5, "cpr"), renewal("r", "m1", "2022-11-01"),
                      selection("s", "m1", "2023-01-16"), documentation("d", "m1", "2023-02-10", [named]))
    assert refusals(report)[-1] == ("d", "unknown_row")
    assert repr(named) in report.refused[-1].message
    assert [type(f).__name__ for f in stored_facts(service, "m1")][-1] == "AuditSelected"


# --- dry runs and reruns ---------------------------------------------------------------------------------

# One member's career (a claim refused), another's rows (certified or not, as the test says), a third
# unknown member's claim and a row that cannot be read.
MIXED = [*career("m1"), activity("m2-a1", "m2", "2020-02-03", 45), renewal("m2-r", "m2", "2022-11-01"),
         activity("m2-a0", "m2", "2019-05-01", 5), activity("m3-a1", "m3", "2020-02-03", 5),
         renewal("m4-r", "m4", "2020-01-01", hours=1)]


def reported(report: ImportReport) -> dict[str, Any]:
    return {name: value for name, value in vars(report).items() if name != "dry_run"}


def test_a_dry_run_reports_exactly_what_the_import_then_reports_and_records_nothing(
        service: CredentialService) -> None:
    """rules.md section 13: "A dry run reports the same and records nothing"."""
    imported(service, certification("m2-c", "m2", "2019-05-10"))
    before = stored(service)
    dry = imported(service, *MIXED, dry_run=True)
    assert dry.dry_run
    assert stored(service) == before
    done = imported(service, *MIXED)
    assert reported(dry) == reported(done)
    assert {code for _, code in refusals(done)} == {"not_accepted_category", "member_not_found", "unexpected_value",
                                                    "before_certification"}
    assert len(stored(service)) > len(before)


def test_a_dry_run_after_the_import_reports_every_row_already_imported(service: CredentialService) -> None:
    imported(service, *career("m1"))
    before = stored(service)
    dry = imported(service, *career("m1"), dry_run=True)
    assert (dry.recorded, dry.already_imported) == (0, 11)
    assert stored(service) == before


def test_importing_the_same_file_again_records_nothing_new(service: CredentialService) -> None:
    """rules.md section 13: "Importing the same file again records nothing new (each row carries a stable id)";
    the rows refused the first time are refused again, for the same reason."""
    first = imported(service, *MIXED)
    before = stored(service)
    again = imported(service, *MIXED)
    assert (again.rows, again.recorded, again.already_imported) == (first.rows, 0, first.recorded)
    assert refusals(again) == refusals(first)
    assert stored(service) == before


def test_a_file_with_more_rows_imports_only_the_new_ones(service: CredentialService) -> None:
    imported(service, *OPENED)
    report = imported(service, *OPENED, activity("a2", "m1", "2021-02-03", 30), renewal("r", "m1", "2022-11-01"))
    assert (report.recorded, report.already_imported, report.refused) == (2, 2, [])
    assert service.status("m1", D("2023-01-01")).cycle.start == D("2023-01-01")  # type: ignore[union-attr]


def test_an_imported_row_and_a_posted_command_keep_their_own_keys(service: CredentialService) -> None:
    """A row's idempotency key is `import:<row_id>`: a command posted with the key "c" is not the row "c"."""
    service.certify("m1", "CPT", D("2019-05-10"), idempotency_key="c")
    report = imported(service, certification("c", "m1", "2020-05-10", "CIFT"))
    assert (report.recorded, report.already_imported) == (1, 0)
    assert [f.idempotency_key for f in stored_facts(service, "m1")] == ["c", "c", "import:c"]


def test_a_batch_another_writer_changed_is_judged_again_against_the_member_as_stored(
        make_service: ServiceFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several processes share one store (http-api.md, Conventions): a batch whose member another writer
    changed after it was read is recorded not at all, then judged again member by member, each against
    the member as now stored. Here the other writer's claim is what makes the imported renewal acceptable."""
    service, other = make_service(), make_service()
    other.certify("m1", "CPT", D("2019-05-10"))
    read = service._find
    written: list[str] = []

    def read_then_another_writer_claims(member_id: str) -> Any:
        credential = read(member_id)
        if member_id == "m1" and not written:
            written.append(other.claim_activity("m1", workshop("2021-01-01", 30)).activity_id or "")
        return credential

    monkeypatch.setattr(service, "_find", read_then_another_writer_claims)
    judge_again = service._import_member
    judged_again: list[str] = []
    monkeypatch.setattr(service, "_import_member", lambda member_id, rows: judged_again.append(member_id) or
                        judge_again(member_id, rows))
    report = imported(service, activity("a1", "m1", "2020-02-03", 15), renewal("r", "m1", "2022-11-01"),
                      certification("c2", "m2", "2019-05-10"))
    assert written
    assert judged_again == ["m1", "m2"]
    assert (report.recorded, report.refused) == (3, [])
    assert [type(f).__name__ for f in stored_facts(service, "m1")] == [
        "CredentialOpened", "Certified", "ActivityClaimed", "ActivityClaimed", "RenewalSubmitted"]
    assert stored_facts(service, "m2")
