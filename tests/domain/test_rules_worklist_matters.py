"""rules.md section 11: the matters a member must act on, on a day: one per open matter, under
the deadline now running, with its due day and the last day to act at all."""

from __future__ import annotations

from decimal import Decimal

from rules_support import D, Ledger, workshop

from domain.matters import Matter, on_worklist, open_matters


def matters_on(ledger: Ledger, day: str) -> tuple[Matter, ...]:
    return open_matters(ledger.fold(day))


def cpt_with(cecs: int) -> Ledger:
    ledger = Ledger().certify("CPT", "2019-05-10")
    ledger.claim(workshop("2020-02-03", hours=cecs))
    return ledger


def test_an_unrenewed_cycle_is_renewal_due_until_it_ends_then_grace_ends_until_grace_ends() -> None:
    """FAQ: What if I don't have enough credits to recertify?"""
    ledger = cpt_with(38)
    assert matters_on(ledger, "2022-12-31") == (
        Matter("renewal_due", D("2022-12-31"), D("2023-06-30"), Decimal(38), Decimal(45)),)
    assert matters_on(ledger, "2023-01-01") == (
        Matter("grace_ends", D("2023-06-30"), D("2023-06-30"), Decimal(38), Decimal(45)),)
    assert matters_on(ledger, "2023-07-01") == ()


def test_a_renewed_cycle_has_no_matter_until_the_next_cycle() -> None:
    ledger = cpt_with(45)
    ledger.renew("2022-11-01")
    assert matters_on(ledger, "2022-11-01") == ()
    assert [m.kind for m in matters_on(ledger, "2023-01-01")] == ["renewal_due"]


def test_an_audit_is_proof_due_until_proof_is_due_then_audit_year_ends_without_proof() -> None:
    """FAQ: If I am audited, what documentation do I need to provide?"""
    ledger = cpt_with(45)
    ledger.renew("2022-11-01")
    ledger.select("2023-03-01")
    proof = matters_on(ledger, "2023-03-31")[-1]
    assert proof == Matter("proof_due", D("2023-03-31"), D("2024-03-31"), Decimal(45), Decimal(45))
    overdue = matters_on(ledger, "2023-04-01")[-1]
    assert overdue == Matter("audit_year_ends", D("2024-03-31"), D("2024-03-31"), Decimal(45), Decimal(45))
    assert matters_on(ledger, "2024-04-01") == ()


def test_a_short_audit_is_replacement_due_until_the_replacement_day_then_audit_year_ends() -> None:
    """FAQ: If I am audited, what documentation do I need to provide? (rejected CECs)"""
    ledger = cpt_with(45)
    ledger.renew("2022-11-01")
    ledger.select("2023-03-01")
    ledger.review("2023-03-20", rejected=["a1"])
    short = matters_on(ledger, "2023-06-18")[-1]
    assert short == Matter("replacement_due", D("2023-06-18"), D("2024-06-18"), Decimal(0), Decimal(45))
    assert short.cecs_missing == 45
    assert matters_on(ledger, "2023-06-19")[-1].kind == "audit_year_ends"


def test_a_worklist_lists_matters_due_within_its_days_and_every_matter_of_an_inactive_member() -> None:
    renewal = Matter("renewal_due", D("2022-12-31"), D("2023-06-30"), Decimal(38), Decimal(45))
    assert on_worklist(renewal, False, D("2022-12-01"), 30)
    assert not on_worklist(renewal, False, D("2022-12-01"), 29)
    grace = Matter("grace_ends", D("2023-06-30"), D("2023-06-30"), Decimal(38), Decimal(45))
    assert on_worklist(grace, True, D("2023-01-01"), 0)
