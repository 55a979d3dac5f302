"""Exactly once under connection loss (issue 14, item 1): an insert can commit and its reply be lost.
Whoever sent it re-reads: if its command is recorded it answers what it would have answered, else
it judges the command again; a command is never recorded twice. On SQLite and PostgreSQL, with a
recorder whose replies are lost (`LostReplies`); on PostgreSQL also with the connection really
ended by the server between the commit and the reply (`ReplyDropper`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError, StoredEvent
from register_support import activity as activity_row
from register_support import certification, imported
from reply_dropper import ReplyDropper
from rules_support import D, stored_facts, stored_types, workshop
from service_support import StepClock

from application.commands import ReportRoster
from application.service import CredentialService
from domain.events import ActivityClaimed, Invalidated, MarkedInactive, ReminderIssued
from domain.policy_register import POLICY_REGISTER_ID


class LostReplies:
    """The service's recorder, with the replies to its next inserts lost: each of the first
    `after_commit` inserts is recorded, then raises as a dropped connection does; each of the first
    `before_commit` raises before anything is recorded."""

    def __init__(self, service: CredentialService, monkeypatch: pytest.MonkeyPatch, *, after_commit: int = 1,
                 before_commit: int = 0) -> None:
        self.insert = service.recorder.insert_events
        self.after_commit, self.before_commit = after_commit, before_commit
        self.inserts = 0
        monkeypatch.setattr(service.recorder, "insert_events", self.insert_events)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        self.inserts += 1
        if self.before_commit:
            self.before_commit -= 1
            raise OperationalError("connection refused: nothing was sent")
        ids = self.insert(stored_events, **kwargs)
        if self.after_commit:
            self.after_commit -= 1
            raise OperationalError("server closed the connection unexpectedly (after the commit)")
        return ids


def claims(service: CredentialService, member_id: str = "m-1") -> list[ActivityClaimed]:
    return [f for f in stored_facts(service, member_id) if isinstance(f, ActivityClaimed)]


def register_types(service: CredentialService) -> list[str]:
    return [type(fact).__name__ for fact in service.events.get(POLICY_REGISTER_ID)]


# --- member commands ---------------------------------------------------------------------------------------


def test_a_claim_whose_reply_was_lost_after_the_commit_is_recorded_once_and_answered_as_recorded(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: a retried insert whose first attempt committed hit the version check, and the command
    was judged and recorded again. Without an idempotency key too, the command is recorded once and the
    answer is its first outcome: the activity id recorded, not a repeat."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    LostReplies(service, monkeypatch)
    outcome = service.claim_activity("m-1", workshop("2020-02-03", hours=12))
    (claim,) = claims(service)
    assert (outcome.activity_id, outcome.cecs_awarded, outcome.repeated) == (claim.activity_id, Decimal("12.0"), False)
    assert outcome.status == service.status("m-1", claim.timestamp.date(), claim.timestamp)


def test_a_keyed_claim_whose_reply_was_lost_answers_its_first_outcome_and_a_retry_answers_the_same(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP contract: a repeated Idempotency-Key returns the first answer. The request whose reply was lost
    is the first: it is not answered as a repeat; the client's retry is, with the same outcome."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    LostReplies(service, monkeypatch)
    first = service.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    again = service.claim_activity("m-1", workshop("2020-02-03", hours=12), idempotency_key="k-1")
    assert [c.activity_id for c in claims(service)] == [first.activity_id]
    assert (first.repeated, again) == (False, replace(first, repeated=True))


def test_a_certification_opening_a_credential_whose_reply_was_lost_opens_it_once(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first command of a member creates the credential: judged again it would find it opened, by itself."""
    LostReplies(service, monkeypatch)
    outcome = service.certify("m-1", "CPT", D("2019-05-10"))
    assert stored_types(service, "m-1") == ["CredentialOpened", "Certified"]
    certified = stored_facts(service, "m-1")[-1]
    assert outcome.repeated is False
    assert outcome.status == service.status("m-1", certified.timestamp.date(), certified.timestamp)


def test_an_insert_that_never_reached_the_store_is_judged_again_and_recorded_once(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry belongs to the command loop: after an insert that failed before anything was recorded, the
    member is read again, the command judged again and recorded, once."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    lost = LostReplies(service, monkeypatch, after_commit=0, before_commit=1)
    outcome = service.claim_activity("m-1", workshop("2020-02-03", hours=12))
    assert [c.activity_id for c in claims(service)] == [outcome.activity_id]
    assert lost.inserts == 2


def test_a_store_that_keeps_failing_inserts_is_reported_unavailable_not_as_a_concurrent_change(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """http-api.md 1.1: storage down is a 503 `storage_unavailable` (the storage error), never a 409 that tells
    the client another writer got there first; nothing is recorded."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    before = stored_facts(service, "m-1")
    LostReplies(service, monkeypatch, after_commit=0, before_commit=1_000)
    with pytest.raises(OperationalError):
        service.claim_activity("m-1", workshop("2020-02-03", hours=12))
    assert stored_facts(service, "m-1") == before


def test_due_transitions_whose_reply_was_lost_are_recorded_once_and_counted_once(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep's commands carry no idempotency key: the command id the service makes tells its facts apart."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    LostReplies(service, monkeypatch)
    report = service.sweep(D("2024-01-01"))
    transitions = [f for f in stored_facts(service, "m-1") if isinstance(f, (MarkedInactive, Invalidated))]
    assert [type(f).__name__ for f in transitions] == ["MarkedInactive", "Invalidated"]
    assert report.recorded == 2


def test_a_reminder_run_whose_reply_was_lost_lists_and_records_each_reminder_once(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """rules.md section 11: each reminder is recorded once; the run lists the reminders it recorded."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", workshop("2020-02-03", hours=38))
    LostReplies(service, monkeypatch)
    run = service.issue_reminders(D("2022-12-01"))
    reminders = [f for f in stored_facts(service, "m-1") if isinstance(f, ReminderIssued)]
    assert [(r.kind, r.days_before) for r in reminders] == [("renewal_due", 30)]
    assert [issued.reminder for issued in run.reminders] == reminders


def test_a_roster_whose_reply_was_lost_for_an_attendee_records_each_attendee_once(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """rules.md section 13: an attendee is not reported twice, and the report lists each claim recorded."""
    for member_id in ("m-1", "m-2"):
        service.certify(member_id, "CPT", D("2022-03-01"))
    LostReplies(service, monkeypatch)
    report = service.execute(ReportRoster("NSCA", "KB-101", "Kettlebells", D("2025-01-10"), ("m-1", "m-2"),
                                          units=Decimal("0.8")))
    assert report.refused == report.already_reported == []
    assert [(c.member_id, c.activity_id) for c in report.recorded] == [
        (member_id, claim.activity_id) for member_id in ("m-1", "m-2") for claim in claims(service, member_id)]


def test_an_audit_draw_whose_reply_was_lost_selects_and_counts_each_member_once(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """The draw selects through the member command loop: a lost reply neither selects twice nor drops the count."""
    service.certify("m-1", "CPT", D("2019-05-10"))
    service.claim_activity("m-1", workshop("2020-02-03", hours=45))
    service.submit_renewal("m-1", D("2022-11-01"))
    LostReplies(service, monkeypatch)
    report = service.select_audits(2022, Decimal("1"), "seed", D("2023-01-10"))
    assert (report.selected, report.recorded) == (["m-1"], 1)
    assert stored_types(service, "m-1").count("AuditSelected") == 1


# --- the policy register and the import --------------------------------------------------------------------


def test_a_policy_adoption_whose_reply_was_lost_is_recorded_once_and_answered_as_recorded(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """The register's command loop re-reads as the member's does (rules.md section 9: versions are facts)."""
    LostReplies(service, monkeypatch)
    record = service.adopt_policy_version("grace-3", D("2015-01-01"), {"grace_months": 3})
    assert register_types(service) == ["PolicyRegisterOpened", "PolicyVersionAdopted"]
    assert record == next(r for r in service.policy_versions() if r.version == "grace-3")


def test_an_import_batch_whose_reply_was_lost_reports_its_rows_recorded_once(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """rules.md section 13: a batch is recorded whole or not at all; after a lost reply the import reads one of
    its members to know which, and reports the rows as recorded by this run, not as imported before."""
    LostReplies(service, monkeypatch)
    report = imported(service, certification("c1", "m1", "2019-05-10"), activity_row("a1", "m1", "2020-02-03"),
                      certification("c2", "m2", "2019-06-10"))
    assert (report.recorded, report.already_imported, report.refused) == (3, 0, [])
    assert stored_types(service, "m1") == ["CredentialOpened", "Certified", "ActivityClaimed"]
    assert stored_types(service, "m2") == ["CredentialOpened", "Certified"]


def test_an_import_batch_that_never_reached_the_store_is_recorded_once_member_by_member(
        service: CredentialService, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch not recorded is judged again member by member (as after another writer's change), each once."""
    LostReplies(service, monkeypatch, after_commit=0, before_commit=1)
    report = imported(service, certification("c1", "m1", "2019-05-10"), activity_row("a1", "m1", "2020-02-03"),
                      certification("c2", "m2", "2019-06-10"))
    assert (report.recorded, report.already_imported) == (3, 0)
    assert stored_types(service, "m1") == ["CredentialOpened", "Certified", "ActivityClaimed"]
    assert stored_types(service, "m2") == ["CredentialOpened", "Certified"]


# --- PostgreSQL: the connection ended between the commit and the reply -------------------------------------


@pytest.fixture
def dropper(postgres_url: str) -> Iterator[ReplyDropper]:
    proxy = ReplyDropper(postgres_url)
    yield proxy
    proxy.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_claim_whose_connection_the_server_ended_after_the_commit_is_recorded_once(
        backend: str, clock: StepClock, dropper: ReplyDropper) -> None:
    """Issue 14, found with the recorder's own retry: the insert committed, the server ended the connection
    before the reply, the retried insert hit the version check and the claim was recorded a second time."""
    service = CredentialService(database_url=dropper.url, clock=clock)
    try:
        service.certify("m-1", "CPT", D("2019-05-10"))
        dropper.drop_reply_to(ActivityClaimed.TOPIC.encode())
        outcome = service.claim_activity("m-1", workshop("2020-02-03", hours=12))
        assert len(dropper.terminated) == 1
        assert [c.activity_id for c in claims(service)] == [outcome.activity_id]
        assert outcome.repeated is False
    finally:
        service.close()
