"""Who recorded each fact (http-api.md 1.1, "Operations and accountability"; issue 14): every
history event gives `recorded_by`, the name of the token that asked, else its role; `system` for
the sweep and reminder runs, `import` for imports; null for a fact stored before facts said so.
The staff pages' member page shows it too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from api_support import TOKENS, Api
from dashboard_support import Page, hidden_fields, read
from flask.testing import FlaskClient
from register_support import activity, certification, register

from application.service import CredentialService
from application.settings import Settings
from domain.credential import Credential, Stamp, credential_id
from domain.policy import DEFAULT_POLICY
from web import create_app

ANA = "ana-token-0123456789abcdefghijklmnopq"  # a named staff token
ACME = "acme-token-0123456789abcdefghijklmnop"  # a named provider's token
NAMED = f"staff:ana:{ANA},provider:acme-courses:{ACME}," + ",".join(
    f"{role}:{token}" for role, token in TOKENS.items())


def api_with_names(service: CredentialService) -> Api:
    return Api(create_app(Settings(tokens=NAMED), service).test_client())


def as_token(api: Api, token: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    response = api.client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    answer: dict[str, Any] = response.get_json()
    return answer


def recorded_by(api: Api, member: str) -> list[tuple[str, str | None]]:
    return [(e["type"], e["recorded_by"]) for e in api.events(member)]


def test_history_says_a_named_token_recorded_the_facts_it_asked_for(service: CredentialService) -> None:
    api = api_with_names(service)
    as_token(api, ANA, "POST", "/members/m-1/certifications", {"certification": "CPT", "certified_on": "2024-03-01"})
    as_token(api, ANA, "POST", "/members/m-1/activities",
             {"category": "acsm_workshop", "title": "W", "completed_on": "2025-01-10", "hours": 2})
    assert recorded_by(api, "m-1") == [("Certified", "ana"), ("ActivityClaimed", "ana")]


def test_history_gives_the_role_of_a_token_without_a_name(memory_service: CredentialService) -> None:
    api = api_with_names(memory_service)
    api.renewed_member("m-1", "2025-06-01")
    api.ok(api.post("/members/m-1/audits", {"selected_on": "2026-03-01"}, role="auditor"))
    assert set(recorded_by(api, "m-1")) == {("Certified", "staff"), ("ActivityClaimed", "staff"),
                                             ("RenewalSubmitted", "staff"), ("AuditSelected", "auditor")}


def test_corrections_and_audit_draws_say_who_asked(memory_service: CredentialService) -> None:
    api = api_with_names(memory_service)
    api.renewed_member("m-1", "2025-06-01")
    as_token(api, ANA, "POST", "/audits/selections", {"renewal_year": 2025, "rate": 1, "seed": "s"})
    fact_id = api.fact_id("m-1", "ActivityClaimed")
    as_token(api, ANA, "POST", "/members/m-1/withdrawals", {"fact_id": fact_id, "reason": "wrong member"})
    by_type = dict(recorded_by(api, "m-1"))
    assert (by_type["AuditSelected"], by_type["FactWithdrawn"]) == ("ana", "ana")


def test_a_roster_s_claims_are_recorded_by_the_provider_s_token(memory_service: CredentialService) -> None:
    api = api_with_names(memory_service)
    api.certify("m-1", "CPT", "2024-03-01")
    as_token(api, ACME, "POST", "/rosters", {"provider": "NSCA", "course_id": "KB-101", "title": "Kettlebells",
                                             "completed_on": "2025-01-10", "units": 0.8, "attendees": ["m-1"]})
    assert recorded_by(api, "m-1")[-1] == ("ActivityClaimed", "acme-courses")


def test_the_sweep_records_its_facts_as_system(memory_service: CredentialService) -> None:
    api = api_with_names(memory_service)
    api.certify("m-1", "CPT", "2021-03-01")  # never renewed: inactive after 2023, then invalid
    memory_service.sweep(date(2026, 11, 1))
    swept = [who for kind, who in recorded_by(api, "m-1") if kind in ("MarkedInactive", "Invalidated")]
    assert swept
    assert set(swept) == {"system"}


def test_a_reminder_run_records_its_reminders_as_system_whoever_asked(memory_service: CredentialService,
                                                                       clock) -> None:
    api = api_with_names(memory_service)
    api.certify("m-1", "CPT", "2022-03-01")  # renewal due 2025-12-31
    clock.set("2025-10-02")
    as_token(api, ANA, "POST", "/reminders/runs", {"as_of": "2025-10-02"})
    assert ("ReminderIssued", "system") in recorded_by(api, "m-1")


def test_an_import_records_its_facts_as_import(memory_service: CredentialService) -> None:
    api = api_with_names(memory_service)
    response = api.client.open("/imports", method="POST", content_type="text/csv",
                               data=register(certification("c1", "m-1", "2019-05-10"),
                                             activity("a1", "m-1", "2020-02-03", 15)).encode(),
                               headers={"Authorization": f"Bearer {ANA}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert recorded_by(api, "m-1") == [("Certified", "import"), ("ActivityClaimed", "import")]


def test_the_export_says_who_recorded_each_fact(memory_service: CredentialService) -> None:
    api = api_with_names(memory_service)
    as_token(api, ANA, "POST", "/members/m-1/certifications", {"certification": "CPT", "certified_on": "2024-03-01"})
    facts = as_token(api, ANA, "GET", "/members/m-1/export")["facts"]
    assert [f["recorded_by"] for f in facts] == ["ana"]


def test_a_policy_version_records_who_adopted_and_withdrew_it(memory_service: CredentialService) -> None:
    api = api_with_names(memory_service)
    as_token(api, ANA, "POST", "/policy/versions",
             {"version": "2030-01-01", "effective_from": "2030-01-01", "values": {"late_fee": "60.00"}})
    api.ok(api.post("/policy/versions/2030-01-01/withdrawal", {"reason": "adopted in error"}), 200)
    register = memory_service.policy_register()
    assert register is not None
    assert [(type(f).__name__, f.recorded_by) for f in register.facts][-2:] == [
        ("PolicyVersionAdopted", "ana"), ("PolicyVersionWithdrawn", "staff")]


def test_a_fact_stored_before_facts_said_who_recorded_it_reads_back_with_recorded_by_null(
        service: CredentialService) -> None:
    """Facts recorded before this change were stored without `recorded_by`: they still read back, and
    the history gives null for them."""
    stamp = Stamp(datetime(2024, 3, 1, 9, tzinfo=UTC))
    credential = Credential.open("m-old", "Old Member", date(2024, 3, 1), stamp)
    credential.certify("CPT", date(2024, 3, 1), DEFAULT_POLICY, stamp)
    stored = []
    for event in credential.collect_events():
        as_stored = service.mapper.to_stored_event(event)
        state = service.mapper.transcoder.decode(as_stored.state)
        del state["recorded_by"]  # as every fact stored before recorded_by was
        stored.append(type(as_stored)(as_stored.originator_id, as_stored.originator_version, as_stored.topic,
                                      service.mapper.transcoder.encode(state)))
    service.recorder.insert_events(stored)
    assert service.credential("m-old").history[-1].recorded_by is None
    api = api_with_names(service)
    assert recorded_by(api, "m-old") == [("Certified", None)]
    assert credential_id("m-old") == stored[0].originator_id


@pytest.fixture
def signed_in_as_ana(memory_service: CredentialService) -> FlaskClient:
    client = create_app(Settings(tokens=NAMED), memory_service).test_client()
    Api(client).renewed_member("m-1", "2025-06-01")
    response = client.post("/dashboard/login", data={"token": ANA})
    assert response.status_code == 303
    return client


def test_the_member_page_shows_who_recorded_each_fact(signed_in_as_ana: FlaskClient) -> None:
    view = read(signed_in_as_ana, "/dashboard/members/m-1")
    assert "Recorded by" in [th.text for th in view.find("th", scope="col")]
    cells = view.find("td", "recorded-by")
    assert len(cells) == len(view.find("tr", "event")) == 5  # the certification, 3 claims, the renewal
    assert {(cell.attrs["data-recorded-by"], cell.text) for cell in cells} == {("staff", "staff")}


def test_a_correction_on_the_staff_pages_is_recorded_by_the_signed_in_token_s_name(
        signed_in_as_ana: FlaskClient, memory_service: CredentialService) -> None:
    page = "/dashboard/members/m-1"
    action = f"{page}/withdrawals"
    form = {**hidden_fields(read(signed_in_as_ana, page), action), "fact_id": "3", "reason": "wrong member"}
    assert signed_in_as_ana.post(action, data=form).status_code == 303
    assert memory_service.history("m-1")[-1].fact.recorded_by == "ana"
    view: Page = read(signed_in_as_ana, page)
    assert view.find("tr", "event")[-1].attrs["data-event"] == "FactWithdrawn"
    assert view.find("td", "recorded-by")[-1].attrs["data-recorded-by"] == "ana"


def test_the_policy_listing_says_who_adopted_a_version_and_who_withdrew_it(memory_service: CredentialService) -> None:
    api = api_with_names(memory_service)
    as_token(api, ANA, "POST", "/policy/versions",
             {"version": "2030-01-01", "effective_from": "2030-01-01", "values": {"late_fee": "75.00"}})
    api.ok(api.post("/policy/versions/2030-01-01/withdrawal", {"reason": "not voted"}), 200)
    versions = {v["version"]: v for v in api.ok(api.get("/policy"), 200)["versions"]}
    assert (versions["2030-01-01"]["adopted_by"], versions["2030-01-01"]["withdrawn_by"]) == ("ana", "staff")
    assert (versions["2012-06-01"]["adopted_by"], versions["2012-06-01"]["withdrawn_by"]) == (None, None)
