"""rules.md section 11: reminders follow a schedule that is policy data; a run for a day issues,
for each deadline still open that day, its latest scheduled reminder on or before it, once."""

from __future__ import annotations

from datetime import date

from rules_support import D, Ledger, renewed_cpt, workshop

from domain.policy import DEFAULT_POLICY, FAQ_ERA, PolicyBook, amended


def kinds(reminders: list) -> list[tuple[str, date, int]]:
    return [(r.kind, r.due_on, r.days_before) for r in reminders]


def short_cpt(book: PolicyBook = DEFAULT_POLICY) -> Ledger:
    """CPT certified 2019-05-10 with 38 of 45 CECs: the cycle ends 2022-12-31 unrenewed."""
    ledger = Ledger(book).certify("CPT", "2019-05-10")
    ledger.claim(workshop("2020-02-03", hours=38))
    return ledger


def test_a_run_on_a_scheduled_day_issues_that_reminder_with_its_message() -> None:
    """rules.md section 11: 90, 60, 30 and 7 days before an unrenewed cycle ends."""
    ledger = short_cpt()
    [reminder] = ledger.remind("2022-10-02")
    assert (reminder.kind, reminder.due_on, reminder.days_before, reminder.effective_on) == (
        "renewal_due", D("2022-12-31"), 90, D("2022-10-02"))
    assert reminder.subject == "Your CPT recertification is due by 2022-12-31"
    assert "You have 38 of 45 CECs; 7 more are needed" in reminder.message
    assert "The renewal fee is $45.00" in reminder.message


def test_a_run_before_the_first_scheduled_day_issues_nothing() -> None:
    assert short_cpt().remind("2022-10-01") == []


def test_a_rerun_issues_nothing_new() -> None:
    ledger = short_cpt()
    assert len(ledger.remind("2022-11-01")) == 1
    assert ledger.remind("2022-11-01") == []
    assert ledger.remind("2022-11-15") == []  # still the 60-day reminder's turn


def test_after_missed_days_only_the_latest_scheduled_reminder_is_issued() -> None:
    """rules.md section 11: earlier reminders of that deadline that were missed are not sent late."""
    ledger = short_cpt()
    assert kinds(ledger.remind("2022-12-10")) == [("renewal_due", D("2022-12-31"), 30)]
    assert kinds(ledger.remind("2022-12-24")) == [("renewal_due", D("2022-12-31"), 7)]


def test_a_run_for_an_earlier_day_after_a_later_reminder_issues_nothing() -> None:
    """A run never issues a reminder of a deadline for which a later scheduled reminder was issued."""
    ledger = short_cpt()
    ledger.remind("2022-12-24")
    assert ledger.remind("2022-12-01") == []
    assert ledger.remind("2022-10-02") == []


def test_a_deadline_met_gets_no_more_reminders() -> None:
    """Renewal in the middle of the schedule: the 30- and 7-day reminders are never issued."""
    ledger = Ledger().certify("CPT", "2019-05-10")
    ledger.claim(workshop("2020-02-03", hours=45))
    assert len(ledger.remind("2022-11-01")) == 1
    ledger.renew("2022-11-20")
    assert ledger.remind("2022-12-01") == []
    assert ledger.remind("2022-12-24") == []


def test_a_deadline_passed_gets_no_late_reminder_and_grace_gets_its_own() -> None:
    """rules.md section 11: the first day of grace; 30 and 7 days before grace ends."""
    ledger = short_cpt()
    assert kinds(ledger.remind("2023-01-05")) == [("grace_started", D("2023-06-30"), 0)]
    assert kinds(ledger.remind("2023-06-01")) == [("grace_ends", D("2023-06-30"), 30)]
    assert kinds(ledger.remind("2023-06-23")) == [("grace_ends", D("2023-06-30"), 7)]
    assert ledger.remind("2023-07-01") == []  # invalid: nothing left to remind of


def test_an_audit_gets_a_reminder_on_selection_and_seven_days_before_proof_is_due() -> None:
    """FAQ: What is the yearly audit? (30 days to provide proof)"""
    ledger = renewed_cpt().select("2023-03-01")
    assert kinds(ledger.remind("2023-03-01")) == [("audit_selected", D("2023-03-31"), 0)]
    assert kinds(ledger.remind("2023-03-24")) == [("proof_due", D("2023-03-31"), 7)]
    ledger.review("2023-03-25")
    assert ledger.remind("2023-03-31") == []


def test_replacement_cecs_get_reminders_30_and_7_days_before_they_are_due() -> None:
    """rules.md section 5: some CECs rejected, 90 days to replace them."""
    ledger = renewed_cpt().select("2023-03-01").review("2023-03-20", rejected=["a1"])
    assert kinds(ledger.remind("2023-05-19")) == [("replacement_due", D("2023-06-18"), 30)]
    assert kinds(ledger.remind("2023-06-11")) == [("replacement_due", D("2023-06-18"), 7)]


def test_a_replacement_date_nearer_than_a_reminder_s_offset_is_reminded_the_day_it_is_set() -> None:
    ledger = renewed_cpt().select("2023-03-01").review("2023-03-20", rejected=["a1"], replace_by="2023-04-01")
    assert kinds(ledger.remind("2023-03-20")) == [("replacement_due", D("2023-04-01"), 30)]
    assert kinds(ledger.remind("2023-03-25")) == [("replacement_due", D("2023-04-01"), 7)]


def test_the_schedule_is_policy_data_a_recorded_version_can_change() -> None:
    """rules.md section 11: the schedule is policy data."""
    weekly = {**FAQ_ERA.reminders, "renewal_due": (14,)}
    book = PolicyBook((FAQ_ERA, amended(FAQ_ERA, "2022-01-01", date(2022, 1, 1), reminders=weekly)))
    ledger = short_cpt(book)
    assert ledger.remind("2022-10-02") == []
    assert kinds(ledger.remind("2022-12-17")) == [("renewal_due", D("2022-12-31"), 14)]


def test_a_reminder_cannot_be_withdrawn() -> None:
    """rules.md section 8: reminders are not withdrawable."""
    ledger = short_cpt()
    [reminder] = ledger.remind("2022-10-02")
    ledger.refused("not_withdrawable", lambda it: it.withdraw(reminder.fact_id))


def test_a_reminder_changes_no_status() -> None:
    ledger = short_cpt()
    before = [ledger.status(day) for day in ("2022-10-02", "2023-01-01", "2023-07-01")]
    ledger.remind("2022-10-02")
    assert [ledger.status(day) for day in ("2022-10-02", "2023-01-01", "2023-07-01")] == before


def test_a_run_for_a_day_after_the_day_it_is_recorded_is_refused() -> None:
    ledger = Ledger(recorded_on="2022-10-01").certify("CPT", "2019-05-10")
    ledger.refused("future_date", lambda it: it.remind("2022-12-01"))
