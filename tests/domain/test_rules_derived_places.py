"""rules.md section 14, facts record what happened and their place is derived: which cycle a
renewal renews and which cycle an audit audits follow from the facts known now; the audited
requirement, the quoted renewal fee and `since`. Pure domain: the status fold over facts
built in memory, no store."""

from __future__ import annotations

from decimal import Decimal

from rules_support import D, Ledger, claim

from domain.events import RenewalSubmitted
from domain.states import AuditState, Status


def retaken_cpt() -> Ledger:
    """CPT 2013-11-29 (cycle to 2016-12-31), 50 CECs in 2015, never renewed then, so invalid from
    2017-07-01; CPT again 2017-10-20 (cycle to 2020-12-31), 50 CECs in 2018, renewed 2020-04-18."""
    ledger = Ledger().certify("CPT", "2013-11-29")
    ledger.claim(claim("conference", "2015-03-02", hours=50))
    ledger.certify("CPT", "2017-10-20")
    ledger.claim(claim("conference", "2018-03-05", hours=50))
    return ledger.renew("2020-04-18")


# --- which cycle a renewal renews --------------------------------------------------------------------------


def test_a_backdated_renewal_makes_a_renewal_recorded_earlier_the_late_renewal_of_the_cycle_now_open() -> None:
    """rules.md section 14: a renewal counts for the cycle open for renewal on its submission date under
    the facts now known (a late renewal if that date is now in grace). FAQ: What if I don't have enough
    credits to recertify?"""
    ledger = retaken_cpt().renew("2016-06-24")
    assert ledger.status("2019-12-31").status is Status.ACTIVE
    in_grace = ledger.status("2020-01-01")
    assert (in_grace.status, in_grace.since, in_grace.grace_ends_on) == (Status.INACTIVE, D("2020-01-01"),
                                                                         D("2020-06-30"))
    renewed = ledger.status("2020-04-18")
    assert (renewed.status, renewed.since) == (Status.ACTIVE, D("2020-04-18"))
    assert renewed.cycle is not None
    assert (renewed.cycle.start, renewed.cycle.end) == (D("2020-01-01"), D("2022-12-31"))
    after_grace = ledger.status("2020-07-01")
    assert (after_grace.status, after_grace.since) == (Status.ACTIVE, D("2020-04-18"))
    assert after_grace.reason == (
        "active since 2020-04-18: CPT cycle 2020-01-01 to 2022-12-31 with 0 of 45 CECs counted "
        "(45 more needed by 2022-12-31)")


def test_fees_recorded_with_a_renewal_that_a_backdated_renewal_re_places_stand_as_recorded() -> None:
    """rules.md section 14: fees already recorded with a renewal stand as recorded."""
    ledger = retaken_cpt().renew("2016-06-24")
    renewals = [(f.effective_on, str(f.fee_due), f.late) for f in ledger.history if isinstance(f, RenewalSubmitted)]
    assert renewals == [(D("2020-04-18"), "45.00", False), (D("2016-06-24"), "45.00", False)]


def test_a_retake_certification_that_a_backdated_renewal_makes_redundant_changes_nothing() -> None:
    """rules.md section 14: a retake certification that is now redundant changes nothing."""
    ledger = retaken_cpt().renew("2016-06-24")
    status = ledger.status("2017-10-20")
    assert (status.status, status.since, status.certifications) == (Status.ACTIVE, D("2013-11-29"), ("CPT",))
    assert status.cycle is not None
    assert (status.cycle.start, status.cycle.end, status.cycle.claimed_cecs) == (D("2017-01-01"), D("2019-12-31"), 0)


def test_a_renewal_after_a_re_placed_late_renewal_is_refused_until_the_next_window_opens() -> None:
    """Decision (renewal window): a renewal can be submitted from January 1 of the cycle's last year;
    rules.md section 14: the renewal of 2020-04-18 now renews the cycle ending 2019-12-31."""
    ledger = retaken_cpt().renew("2016-06-24")
    error = ledger.refused("renewal_window_not_open", lambda ledger: ledger.renew("2020-05-01"))
    assert error.details == {"opens_on": "2022-01-01"}


def test_an_audit_audits_the_cycle_its_renewal_renews_under_the_facts_now_known() -> None:
    """rules.md section 14: which renewal an audit selection audits, and so which cycle, is derived by
    the fold from the facts known at the time asked."""
    ledger = retaken_cpt().select("2021-03-01")
    before = ledger.status("2021-03-01")
    assert before.audit is not None
    assert before.audit.cycle_end == D("2020-12-31")
    ledger.renew("2016-06-24")
    after = ledger.status("2021-03-01")
    assert after.audit is not None
    assert (after.audit.cycle_end, after.audit.required_cecs, after.audit.state) == (
        D("2019-12-31"), 45, AuditState.AWAITING_PROOF)
    reviewed = ledger.review("2021-03-10").status("2021-03-10")
    assert reviewed.audit is not None
    assert reviewed.audit.state is AuditState.PASSED


# --- the audited requirement -------------------------------------------------------------------------------


def test_an_audited_cycle_is_held_to_the_requirement_it_had_when_it_was_renewed() -> None:
    """Decision (audited requirement): certifications earned after the renewal do not raise it.
    FAQ: What is the yearly audit?"""
    ledger = Ledger().certify("CPT", "2019-05-10")
    ledger.earn("2020-02-03", 45)
    ledger.renew("2022-11-01").certify("HFS", "2022-12-01").select("2023-03-01")
    selected = ledger.status("2023-03-01")
    assert selected.audit is not None
    assert selected.audit.required_cecs == 45
    ledger.review("2023-03-10", rejected=["certification:HFS"])
    reviewed = ledger.status("2023-03-10")
    assert reviewed.audit is not None
    assert (reviewed.status, reviewed.audit.state, reviewed.audit.proven_cecs) == (
        Status.ACTIVE, AuditState.PASSED, Decimal("45.0"))


# --- the renewal fee quoted ---------------------------------------------------------------------------------


def test_no_renewal_fee_is_quoted_before_the_renewal_window_opens() -> None:
    """Decision (`renewal_fee`): the fee due if a renewal were submitted on the answer's date; null when
    one cannot be submitted then (before the renewal window opens on January 1 of the cycle's last year)."""
    ledger = Ledger().certify("CPT", "2019-05-10")
    assert ledger.status("2019-05-10").renewal_fee is None
    assert ledger.status("2020-01-01").renewal_fee is None
    assert ledger.status("2021-12-31").renewal_fee is None
    assert str(ledger.status("2022-01-01").renewal_fee) == "45.00"
    assert str(ledger.status("2023-01-01").renewal_fee) == "70.00"
    assert ledger.status("2023-07-01").renewal_fee is None  # invalid
    assert ledger.status("2019-05-09").renewal_fee is None  # not certified


# --- since --------------------------------------------------------------------------------------------------


def test_since_changes_only_when_the_status_changes_not_when_a_cycle_ends_while_already_inactive() -> None:
    """rules.md section 14: `since` is the first day of the current unbroken run of that status."""
    ledger = Ledger().certify("CPT", "2018-05-10")
    course = ledger.claim(claim("college_course", "2019-01-10", credit_hours=5, grade="A"))
    ledger.renew("2022-03-01").select("2023-10-08").review("2023-10-18", rejected=[course])
    assert ledger.status("2024-01-16").status is Status.ACTIVE
    for day in ("2024-01-17", "2024-12-31", "2025-01-01", "2025-01-16"):
        status = ledger.status(day)
        assert (status.status, status.since) == (Status.INACTIVE, D("2024-01-17")), day
        assert status.reason.startswith("inactive since 2024-01-17: "), day
    invalid = ledger.status("2025-01-17")
    assert (invalid.status, invalid.since) == (Status.INVALID, D("2025-01-17"))
