"""rules.md section 7, day boundaries (all dates inclusive): every row of the table, the last
day of the earlier state and the first day of the next. Pure domain: the status fold over
facts built in memory, no store."""

from __future__ import annotations

from datetime import timedelta

from rules_support import D, Ledger, renewed_cpt

from domain.states import AuditState, Status


def lapsed_cpt() -> Ledger:
    """CPT certified 2019-05-10 (cycle ends 2022-12-31) with too few CECs, never renewed."""
    ledger = Ledger().certify("CPT", "2019-05-10")
    ledger.earn("2020-02-03", 38)
    return ledger


def audited_cpt() -> tuple[Ledger, list[str]]:
    """Renewed 2022-11-01 with three 15-CEC workshops, selected for audit on 2023-03-01."""
    ledger = Ledger().certify("CPT", "2019-05-10")
    ids = [ledger.earn(day, 15) for day in ("2020-02-03", "2021-02-03", "2022-02-03")]
    ledger.renew("2022-11-01").select("2023-03-01")
    return ledger, ids


# --- cycle ends 2022-12-31, no renewal: active through 2022-12-31, inactive from 2023-01-01 -----------------


def test_an_unrenewed_credential_is_active_through_the_last_day_of_its_cycle() -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    status = lapsed_cpt().status("2022-12-31")
    assert status.status is Status.ACTIVE
    assert status.grace_ends_on is None


def test_an_unrenewed_credential_is_inactive_from_the_day_after_its_cycle_ends() -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    status = lapsed_cpt().status("2023-01-01")
    assert status.status is Status.INACTIVE
    assert status.since == D("2023-01-01")
    assert status.reason == (
        "inactive since 2023-01-01: cycle ended 2022-12-31 with 38 of 45 CECs counted; "
        "7 more CECs and a late renewal needed by 2023-06-30")


# --- grace (6 months): inactive through 2023-06-30 (grace_ends_on), invalid from 2023-07-01 -----------------


def test_the_grace_period_is_inactive_through_its_last_day_june_30() -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    status = lapsed_cpt().status("2023-06-30")
    assert status.status is Status.INACTIVE
    assert status.grace_ends_on == D("2023-06-30")


def test_the_credential_is_invalid_from_the_day_after_grace_ends() -> None:
    """FAQ: What does inactive status mean?"""
    status = lapsed_cpt().status("2023-07-01")
    assert status.status is Status.INVALID
    assert status.since == D("2023-07-01")
    assert status.grace_ends_on is None
    assert status.reason == "invalid since 2023-07-01: grace period ended 2023-06-30 without a renewal"


# --- audit selected 2023-03-01, 30 days: proof due 2023-03-31 (active), inactive from 2023-04-01 ------------


def test_an_audited_member_is_active_through_the_proof_due_day() -> None:
    """FAQ: What is the yearly audit?"""
    ledger, _ = audited_cpt()
    status = ledger.status("2023-03-31")
    assert status.status is Status.ACTIVE
    assert status.audit is not None
    assert status.audit.proof_due_on == D("2023-03-31")
    assert status.audit.state is AuditState.AWAITING_PROOF


def test_an_audited_member_without_proof_is_inactive_from_the_day_after_proof_was_due() -> None:
    """FAQ: What is the yearly audit?"""
    ledger, _ = audited_cpt()
    status = ledger.status("2023-04-01")
    assert status.status is Status.INACTIVE
    assert status.since == D("2023-04-01")
    assert status.audit is not None
    assert status.audit.state is AuditState.PROOF_OVERDUE
    assert status.audit.inactive_since == D("2023-04-01")
    assert status.reason == "inactive since 2023-04-01: audit proof was due 2023-03-31 and none was received"


# --- inactive for the audit from 2023-04-01, 1 year: inactive through 2024-03-31, invalid from 2024-04-01 ---


def test_a_member_inactive_for_the_audit_stays_inactive_through_the_last_day_of_the_year() -> None:
    """FAQ: What is the yearly audit?"""
    ledger, _ = audited_cpt()
    assert ledger.status("2024-03-31").status is Status.INACTIVE


def test_a_member_inactive_for_the_audit_is_invalid_from_one_year_after_becoming_inactive() -> None:
    """FAQ: What is the yearly audit?"""
    ledger, _ = audited_cpt()
    status = ledger.status("2024-04-01")
    assert status.status is Status.INVALID
    assert status.since == D("2024-04-01")
    assert status.audit is not None
    assert status.audit.state is AuditState.FAILED


# --- documentation reviewed 2023-03-20, short, 90 days: replace by 2023-06-18 (active), inactive 2023-06-19 --


def test_a_member_short_after_review_is_active_through_the_replace_by_day() -> None:
    """FAQ: What is the yearly audit?"""
    ledger, ids = audited_cpt()
    ledger.review("2023-03-20", rejected=[ids[0]])
    status = ledger.status("2023-06-18")
    assert status.status is Status.ACTIVE
    assert status.audit is not None
    assert status.audit.state is AuditState.REPLACEMENT_DUE
    assert status.audit.replace_by == D("2023-06-18")
    assert status.audit.proven_cecs == 30


def test_a_member_who_did_not_replace_rejected_cecs_is_inactive_from_the_day_after_replace_by() -> None:
    """FAQ: What is the yearly audit?"""
    ledger, ids = audited_cpt()
    ledger.review("2023-03-20", rejected=[ids[0]])
    status = ledger.status("2023-06-19")
    assert status.status is Status.INACTIVE
    assert status.since == D("2023-06-19")
    assert status.audit is not None
    assert status.audit.state is AuditState.REPLACEMENT_OVERDUE


# --- renewal submitted 2022-11-01 for the cycle ending 2022-12-31: next cycle 2023-01-01 to 2025-12-31 -------


def test_a_renewed_cycle_is_still_the_current_cycle_on_its_last_day() -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    status = renewed_cpt().status("2022-12-31")
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.end) == (D("2019-05-10"), D("2022-12-31"))
    assert status.status is Status.ACTIVE


def test_a_renewal_submitted_before_the_cycle_ends_starts_the_next_cycle_on_january_1() -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    status = renewed_cpt().status("2023-01-01")
    assert status.status is Status.ACTIVE
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.end) == (D("2023-01-01"), D("2025-12-31"))
    assert status.cycle.counted_cecs == 0


# --- certified 2019-05-10: first cycle 2019-05-10 to 2022-12-31 --------------------------------------------


def test_a_member_is_not_certified_the_day_before_the_first_certification() -> None:
    """FAQ: I attended an ACSM workshop to prepare me for my exam, can I now use it for CECs?"""
    status = Ledger().certify("CPT", "2019-05-10").status("2019-05-09")
    assert status.status is Status.NOT_CERTIFIED
    assert status.cycle is None


def test_the_first_cycle_runs_from_the_certification_date_to_december_31_three_years_later() -> None:
    """Decision: cycles are 3 calendar years and end on December 31."""
    status = Ledger().certify("CPT", "2019-05-10").status("2019-05-10")
    assert status.status is Status.ACTIVE
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.end) == (D("2019-05-10"), D("2022-12-31"))


# --- every day around the boundaries, not only the two named in the table ------------------------------------


def statuses_by_day(ledger: Ledger, first: str, last: str) -> dict[str, list[str]]:
    """The days from `first` to `last`, grouped by the status answered for each."""
    days: dict[str, list[str]] = {}
    day = D(first)
    while day <= D(last):
        days.setdefault(ledger.status(day.isoformat()).status.value, []).append(day.isoformat())
        day += timedelta(days=1)
    return {status: [found[0], found[-1]] for status, found in days.items()}


def test_every_day_from_cycle_end_through_grace_has_the_status_of_the_table() -> None:
    """FAQ: What does inactive status mean?"""
    assert statuses_by_day(lapsed_cpt(), "2022-12-01", "2023-07-31") == {
        "active": ["2022-12-01", "2022-12-31"],
        "inactive": ["2023-01-01", "2023-06-30"],
        "invalid": ["2023-07-01", "2023-07-31"],
    }


def test_every_day_of_an_audit_without_proof_has_the_status_of_the_table() -> None:
    """FAQ: What is the yearly audit?"""
    ledger, _ = audited_cpt()
    assert statuses_by_day(ledger, "2023-03-01", "2024-04-30") == {
        "active": ["2023-03-01", "2023-03-31"],
        "inactive": ["2023-04-01", "2024-03-31"],
        "invalid": ["2024-04-01", "2024-04-30"],
    }


def test_every_day_of_a_short_audit_without_replacement_has_the_status_of_the_table() -> None:
    """Decision: 90 days unless staff set another date; not replaced by then: inactive, as above."""
    ledger, ids = audited_cpt()
    ledger.review("2023-03-20", rejected=[ids[0]])
    assert statuses_by_day(ledger, "2023-03-01", "2024-06-30") == {
        "active": ["2023-03-01", "2023-06-18"],
        "inactive": ["2023-06-19", "2024-06-18"],
        "invalid": ["2024-06-19", "2024-06-30"],
    }
