"""Stored history stays readable when a fact's shape changes: events stored in an earlier class
version are upcast by the library as they are read (rules.md section 14: `RenewalSubmitted` and
`AuditSelected` version 1 stored a `cycle_end`, a derived place the fold now works out itself)."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import StoredEvent
from rules_support import D, Ledger, claim

from application.service import CredentialService
from domain.events import AuditSelected, CredentialFact, RenewalSubmitted
from domain.states import AuditState, Status


def stored_as_version_1(service: CredentialService, fact: CredentialFact, cycle_end: date | None) -> StoredEvent:
    """`fact` as the service stored it before version 2: no class version, and with a `cycle_end`."""
    stored = service.mapper.to_stored_event(fact)
    state: dict[str, Any] = dict(vars(fact))
    for name in ("originator_id", "originator_version"):
        state.pop(name)
    if cycle_end is not None:
        state["cycle_end"] = cycle_end
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       service.mapper.transcoder.encode(state))


def test_renewals_and_selections_stored_with_a_cycle_end_are_read_and_placed_by_the_fold(
        service: CredentialService) -> None:
    """rules.md section 14: which cycle a renewal renews and which renewal an audit audits are derived,
    so the `cycle_end` stored by version 1 is read and ignored; the stored fees stand."""
    assert service.mapper.compressor is None
    assert service.mapper.cipher is None
    ledger = Ledger(recorded_on="2021-06-01").certify("CPT", "2013-11-29")
    ledger.claim(claim("conference", "2015-03-02", hours=50))
    ledger.certify("CPT", "2017-10-20")
    ledger.claim(claim("conference", "2018-03-05", hours=50))
    ledger.renew("2020-04-18").select("2021-03-01").renew("2016-06-24")
    # What the earlier version stored: the cycle each was judged against when recorded.
    stored_ends = {D("2020-04-18"): D("2020-12-31"), D("2016-06-24"): D("2016-12-31"), D("2021-03-01"): D("2020-12-31")}
    events = ledger.credential.collect_events()
    service.recorder.insert_events([
        stored_as_version_1(service, fact, stored_ends.get(fact.effective_on)
                            if isinstance(fact, (RenewalSubmitted, AuditSelected)) else None)
        for fact in events
    ])
    read = service.credential("member").history
    assert [type(f).__name__ for f in read] == [type(f).__name__ for f in events]
    assert not any(hasattr(f, "cycle_end") for f in read)
    renewals = [(f.effective_on, str(f.fee_due), f.late) for f in read if isinstance(f, RenewalSubmitted)]
    assert renewals == [(D("2020-04-18"), "45.00", False), (D("2016-06-24"), "45.00", False)]
    renewed = service.status("member", D("2020-04-18"))
    assert (renewed.status, renewed.since) == (Status.ACTIVE, D("2020-04-18"))
    audited = service.status("member", D("2021-03-01"))
    assert audited.audit is not None
    assert (audited.audit.cycle_end, audited.audit.state) == (D("2019-12-31"), AuditState.AWAITING_PROOF)
