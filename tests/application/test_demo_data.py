"""The demo data loads into an empty store only, once, and tells a story on both time axes: its
facts are recorded as an office learned them (some late, one in error and withdrawn), so "as
known at" and the revisions have something to show from the first run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from service_support import StepClock

from application.service import CredentialService
from domain.events import FactWithdrawn, ReminderIssued, RenewalSubmitted
from entrypoints.cli import main
from entrypoints.demo import DEMO, MEMBERS, REGISTER_NOT_EMPTY, RegisterNotEmpty, load_demo


def stored(app: CredentialService) -> int:
    """How many events the store holds: what "records nothing" is measured by."""
    return app.recorder.max_notification_id() or 0


def facts(app: CredentialService) -> list:
    return [fact for member_id in app.member_ids() for fact in app.credential(member_id).history]


def test_the_demo_loads_its_members_into_an_empty_store_with_a_member_in_each_status(service) -> None:
    """The demo's first promise: a member in each situation staff ask about, whenever it is loaded."""
    assert load_demo(service) == len(MEMBERS) == 8
    statuses = {member: service.status(member).status.value for member in service.member_ids()}
    assert statuses["demo-due"] == "active"
    assert statuses["demo-audited"] == "inactive"
    assert statuses["demo-lapsing"] == "invalid"
    assert service.status("demo-awaiting").audit.state.value == "awaiting_proof"


def test_finn_passed_was_inactive_on_new_years_day_as_known_before_his_late_renewal_was_recorded(
        service, clock: StepClock) -> None:
    """The story: his renewal of December 1 was recorded on January 6, so as the register stood on
    January 5 he was in grace on January 1; as known now he was active. This is what a newcomer is
    shown to see the second time axis without inventing a late fact."""
    load_demo(service)
    year = clock.now.year
    new_years_day = date(year, 1, 1)
    then = service.status("demo-passed", new_years_day, datetime(year, 1, 5, tzinfo=UTC))
    now = service.status("demo-passed", new_years_day)
    assert (then.status.value, now.status.value) == ("inactive", "active")
    renewal = next(f for f in service.credential("demo-passed").history if isinstance(f, RenewalSubmitted))
    assert (renewal.effective_on, renewal.timestamp) == (date(year - 1, 12, 1), datetime(year, 1, 6, 9, tzinfo=UTC))


def test_the_late_renewal_is_among_finn_passeds_revisions(service, clock: StepClock) -> None:
    """The member page's Revisions must show the story too: January 1 to 5 went from inactive to
    active when the renewal was recorded."""
    load_demo(service)
    year = clock.now.year
    (revision,) = [r for r in service.revisions("demo-passed") if r.cause.type == "RenewalSubmitted"]
    (change,) = revision.changes
    assert (change.first, change.last) == (date(year, 1, 1), date(year, 1, 5))
    assert (change.before.status.value, change.after.status.value) == ("inactive", "active")


def test_a_correction_is_among_the_demos_revisions(service) -> None:
    """A fact recorded in error and withdrawn is the other thing staff do to the past: Ben Multi's
    CES (level 3), recorded for the CIFT he passed, is withdrawn, and his level on the days it stood
    is revised back to CPT."""
    load_demo(service)
    (withdrawal,) = [r for r in service.revisions("demo-multi") if r.cause.type == "FactWithdrawn"]
    assert [(c.before.level, c.after.level) for c in withdrawal.changes] == [("CES", "CPT")]
    history = service.credential("demo-multi").history
    (withdrawn,) = [f for f in history if isinstance(f, FactWithdrawn)]
    assert "recorded in error" in withdrawn.reason
    assert {c.certification for c in history if type(c).__name__ == "Certified"} >= {"CPT", "CIFT", "PAPHS"}


def test_a_second_load_says_the_demo_is_already_loaded_and_records_nothing(service) -> None:
    """Loading twice must neither duplicate the members' facts nor look like a failure."""
    load_demo(service)
    before = stored(service)
    assert load_demo(service) == 0
    assert stored(service) == before


def test_a_store_of_other_members_is_refused_and_nothing_is_recorded(service) -> None:
    """The demo is never mixed into a register of real members: their reports would count it."""
    service.certify("someone", "CPT", service.today())
    before = stored(service)
    with pytest.raises(RegisterNotEmpty) as refused:
        load_demo(service)
    assert refused.value.others == ["someone"]
    assert list(service.member_ids()) == ["someone"]
    assert stored(service) == before


def test_no_demo_fact_is_recorded_after_the_real_now_nor_before_an_earlier_one_of_its_member(
        service, clock: StepClock) -> None:
    """Simulated time only runs through the past: a fact recorded in the future would be unknown to
    every "as known now" answer, and the store requires each member's recorded times in order."""
    load_demo(service)
    now = clock.now
    for member_id in service.member_ids():
        times = [fact.timestamp for fact in service.credential(member_id).history]
        assert times == sorted(times), member_id
        assert times[-1] <= now, member_id
    (adopted,) = [v for v in service.policy_versions() if v.adopted_at is not None]
    assert adopted.adopted_at is not None
    assert adopted.adopted_at <= now


def test_the_demo_facts_are_recorded_over_years_not_in_one_instant(service, clock: StepClock) -> None:
    """One instant would leave "as known at" with nothing to show: the facts are spread over the
    years they happened in, each recorded on or after its business date."""
    load_demo(service)
    recorded = facts(service)
    assert len({fact.timestamp.date() for fact in recorded}) > 30
    assert min(fact.timestamp for fact in recorded) < clock.now.replace(year=clock.now.year - 3)
    assert all(fact.timestamp.date() >= fact.effective_on for fact in recorded if not isinstance(fact, FactWithdrawn))


def test_the_demo_facts_say_the_demo_recorded_them_and_the_reminders_the_system(service) -> None:
    """Who recorded a fact is part of it: "demo" tells a demo fact from a staff member's."""
    load_demo(service)
    recorded_by = {fact.recorded_by for fact in facts(service) if not isinstance(fact, ReminderIssued)}
    assert recorded_by == {DEMO}
    assert {fact.recorded_by for fact in facts(service) if isinstance(fact, ReminderIssued)} == {"system"}


@pytest.fixture
def command_store(backend: str, make_service, monkeypatch: pytest.MonkeyPatch) -> CredentialService:
    """The command's store (its settings come from the environment), and a service reading it back."""
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", backend)
    reader: CredentialService = make_service()
    return reader


def test_credentials_demo_loads_and_prints_the_members_and_an_as_known_at_query(
        command_store, capsys: pytest.CaptureFixture[str]) -> None:
    """A newcomer is told where to look: the members, and a query whose two answers differ."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Loaded the demo: 8 members")
    assert all(member_id in out for member_id in MEMBERS)
    then, now = [line for line in out.splitlines() if line.strip().startswith("credentials status demo-passed")]
    assert "--known-at" in then
    assert then.rstrip().endswith("as the register stood then")
    assert "# inactive" in then
    assert "# active" in now


def test_credentials_demo_run_again_says_already_loaded_and_exits_0(
        command_store, capsys: pytest.CaptureFixture[str]) -> None:
    """`./scripts/run` runs it on every start: the second time is not an error, and says so in words."""
    main(["demo"])
    capsys.readouterr()
    before = stored(command_store)
    assert main(["demo"]) == 0
    assert capsys.readouterr().out.startswith("The demo is already loaded: nothing recorded.")
    assert stored(command_store) == before


def test_credentials_demo_refuses_a_register_of_other_members_with_its_own_exit_status(
        command_store, capsys: pytest.CaptureFixture[str]) -> None:
    """A refusal says why on stderr, and its exit status is distinct, so a script serving any store
    can let exactly this one pass."""
    command_store.certify("someone", "CPT", command_store.today())
    assert main(["demo"]) == REGISTER_NOT_EMPTY
    captured = capsys.readouterr()
    assert "never into a register of real members" in captured.err
    assert list(command_store.member_ids()) == ["someone"]


def test_the_demos_policy_version_is_unknown_as_known_at_a_time_before_its_adoption(service) -> None:
    """A version adopted in the past is the policy's own "as known at": the list before its adoption
    does not have it, the list now does."""
    load_demo(service)
    (adopted,) = [v for v in service.policy_versions() if v.adopted_at is not None]
    assert adopted.adopted_at is not None
    assert adopted.version not in [v.version for v in service.policy_versions(adopted.adopted_at - timedelta(days=1))]


@pytest.mark.parametrize("day", ["01-01", "01-03", "01-12", "03-01", "07-15", "12-31"])
def test_the_demo_loads_on_any_day_of_the_year(memory_service, clock: StepClock, day: str) -> None:
    """Its dates are relative to today: early in January (before the audits are drawn, before the
    late renewal is recorded) it must load as well as in December, never recording in the future."""
    clock.now = datetime.fromisoformat(f"2027-{day}T00:30:00+00:00")
    assert load_demo(memory_service) == 8
    assert max(fact.timestamp for fact in facts(memory_service)) <= clock.now
