"""What the member page offers for action: what a renewal still needs (the status document's
`needed`), the reminders sent, a what-if that answers as POST /members/{id}/what-if does and
records nothing, and a printable statement that says what the status API says. On SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from api_support import TOKEN_CONFIG, TOKENS, Api
from dashboard_support import Element, Page, page_as, record_deadlines, sign_in
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from service_support import StepClock

from application.service import CredentialService
from application.settings import Settings
from web import create_app

STAFF = {"Authorization": f"Bearer {TOKENS['staff']}"}
COURSE = {"category": "college_course", "title": "Exercise science", "completed_on": "2025-11-20",
          "credit_hours": "3", "grade": "B", "evidence": "transcript"}


@pytest.fixture
def api(service: CredentialService) -> Api:
    api = Api(create_app(Settings(tokens=TOKEN_CONFIG), service).test_client())
    record_deadlines(api)
    return api


@pytest.fixture
def client(api: Api) -> FlaskClient:
    return api.client


def page(client: FlaskClient, path: str, status: int = 200, role: str = "staff", **query: str) -> Page:
    return page_as(role, client, path, status, **query)


def status(api: Api, member: str, on: str) -> dict:
    body: dict = api.ok(api.get(f"/members/{member}/status", on=on), 200)
    return body


def needed_shown(view: Page, within: str | None = None) -> dict[str, str]:
    """The needed fields a part of the page writes (`within`: the element's data-side), first words only."""
    start = 0 if within is None else view.elements.index(view.one(data_side=within))
    shown: dict[str, str] = {}
    for element in view.elements[start:]:
        field = element.attrs.get("data-needed-field")
        if field and field not in shown:
            shown[field] = element.text.split()[0]
        if element.attrs.get("data-needed") == "none" and not shown:
            return {}
    return shown


def as_shown(needed: dict) -> dict[str, str]:
    return {"cecs_missing": f"{needed['cecs_missing']:g}", "capped_cecs_room": f"{needed['capped_cecs_room']:g}",
            "earn_by": needed["earn_by"], "renew_by": needed["renew_by"]}


def cells(view: Page, row: Element) -> list[Element]:
    """The cells of a table row."""
    start = view.elements.index(row)
    found = []
    for element in view.elements[start + 1:]:
        if element.tag == "tr":
            break
        if element.tag == "td":
            found.append(element)
    return found


# --- what is needed --------------------------------------------------------------------------


def test_the_needed_panel_says_what_the_renewal_owed_still_needs(api: Api) -> None:
    view = page(api.client, "/dashboard/members/m-due?on=2025-12-01")
    needed = status(api, "m-due", "2025-12-01")["needed"]
    assert needed["cecs_missing"] == 15
    assert view.one("dl", data_needed="owed")
    assert needed_shown(view) == as_shown(needed)


def test_the_needed_panel_says_nothing_is_owed_when_no_renewal_is(api: Api) -> None:
    assert status(api, "m-done", "2025-07-01")["needed"] is None  # renewed: nothing owed
    view = page(api.client, "/dashboard/members/m-done?on=2025-07-01")
    assert view.one("p", data_needed="none").text.startswith("Nothing owed on 2025-07-01")
    assert not view.find("dl", data_needed="owed")


# --- reminders ---------------------------------------------------------------------------------


def test_the_reminders_issued_are_listed_each_with_its_message(api: Api, clock: StepClock) -> None:
    assert page(api.client, "/dashboard/members/m-due").one("section", id="reminders").text.count("No reminder") == 1
    for day in ("2025-10-02", "2026-01-01"):
        clock.set(day)
        api.ok(api.post("/reminders/runs", {"as_of": day}))
    sent = [e for e in api.events("m-due") if e["type"] == "ReminderIssued"]
    view = page(api.client, "/dashboard/members/m-due")
    listed = [row for row in view.find("tr") if "data-reminder" in row.attrs]
    assert [row.attrs["data-kind"] for row in listed] == [e["data"]["kind"] for e in sent] == [
        "renewal_due", "grace_started"]
    first = listed[0].text
    assert "2025-10-02" in first  # issued on
    assert "2025-12-31" in first  # due
    assert sent[0]["data"]["subject"] in first
    messages = [e.text for e in view.find("pre", "message-text")]
    assert messages == [e["data"]["message"] for e in sent]
    assert view.find("details", "message")  # the message opens from its subject


def test_a_reminder_in_the_recorded_facts_is_named_by_its_subject(api: Api, clock: StepClock) -> None:
    clock.set("2025-10-02")
    api.ok(api.post("/reminders/runs", {"as_of": "2025-10-02"}))
    view = page(api.client, "/dashboard/members/m-due")
    [row] = [row for row in view.find("tr") if row.attrs.get("data-event") == "ReminderIssued"]
    assert "Reminder sent" in row.text
    assert "“Your CPT recertification is due by 2025-12-31” (renewal due, due 2025-12-31)" in row.text


# --- what-if --------------------------------------------------------------------------------


def test_the_member_page_offers_the_what_if_form_to_staff_and_auditors_only(api: Api) -> None:
    for role in ("staff", "auditor"):
        view = page(api.client, "/dashboard/members/m-due", role=role)
        form = view.one("form", action="/dashboard/members/m-due/what-if")
        assert form.attrs["method"] == "get"
        assert {"category", "title", "completed_on", "credit_hours", "grade", "renew_on", "on"} <= {
            e.attrs["name"] for e in view.find("input") + view.find("select") if "name" in e.attrs}
    assert not page(api.client, "/dashboard/members/m-due", role="reporter").find("section", id="what-if")
    page(api.client, "/dashboard/members/m-due/what-if", 403, role="reporter", **COURSE)


def test_a_tried_course_answers_what_the_what_if_api_answers(api: Api) -> None:
    """Would a 3-credit college course on this date make them compliant?"""
    view = page(api.client, "/dashboard/members/m-due/what-if", on="2025-12-01", **COURSE)
    body = api.ok(api.post("/members/m-due/what-if", {
        "commands": [{"command": "claim_activity", "body": {**COURSE, "credit_hours": 3}}], "on": ["2025-12-01"]}), 200)
    [outcome] = body["outcomes"]
    assert outcome == {"accepted": True, "cecs_awarded": 30, "error": None}
    shown = view.one("li", data_outcome="accepted")
    assert view.one("span", data_cecs_awarded="").text == "30"
    assert "College course “Exercise science”, completed 2025-11-20" in shown.text
    tried = body["status"]["2025-12-01"]
    assert view.one(data_side="tried").attrs["data-status"] == tried["status"]
    assert needed_shown(view, "tried") == as_shown(tried["needed"])
    assert tried["needed"]["cecs_missing"] == 0
    recorded = status(api, "m-due", "2025-12-01")
    assert needed_shown(view, "recorded") == as_shown(recorded["needed"])
    assert view.one("section", id="answer").attrs["data-on"] == "2025-12-01"


def test_a_tried_course_and_renewal_are_answered_on_the_latest_of_their_days_by_default(api: Api) -> None:
    view = page(api.client, "/dashboard/members/m-due/what-if", renew_on="2025-12-15", **COURSE)
    assert [li.attrs["data-outcome"] for li in view.find("li") if "data-outcome" in li.attrs] == [
        "accepted", "accepted"]
    # Today (2026-11-28) is after both: as recorded the member is invalid; renewed, active.
    assert view.one("section", id="answer").attrs["data-on"] == "2026-11-28"
    assert view.one(data_side="recorded").attrs["data-status"] == "invalid"
    assert view.one(data_side="tried").attrs["data-status"] == "active"
    assert view.one("h2", id="answer-heading").text == "On 2026-11-28: invalid → active (CPT)"


def test_a_refused_try_shows_the_rule_s_refusal(api: Api) -> None:
    view = page(api.client, "/dashboard/members/m-due/what-if", on="2025-12-01", renew_on="2025-12-01",
                **{**COURSE, "category": "cpr", "title": "CPR refresher"})
    claim, renewal = [li for li in view.find("li") if "data-outcome" in li.attrs]
    assert (claim.attrs["data-outcome"], claim.attrs["data-code"]) == ("refused", "not_accepted_category")
    assert (renewal.attrs["data-outcome"], renewal.attrs["data-code"]) == ("refused", "insufficient_cecs")
    assert view.one(data_side="tried").attrs["data-status"] == view.one(data_side="recorded").attrs["data-status"]


def test_trying_records_nothing(api: Api) -> None:
    before = api.events("m-due")
    page(api.client, "/dashboard/members/m-due/what-if", renew_on="2025-12-15", **COURSE)
    page(api.client, "/dashboard/members/m-due/what-if", **{**COURSE, "category": "cpr"})
    assert api.events("m-due") == before
    assert status(api, "m-due", "2026-11-28")["status"] == "invalid"


def test_a_malformed_field_is_shown_beside_the_form_with_a_400(api: Api) -> None:
    view = page(api.client, "/dashboard/members/m-due/what-if", 400, **{**COURSE, "credit_hours": "three"})
    assert view.one(data_refusal="invalid_input").attrs["data-refusal-status"] == "400"
    assert view.one("li", data_problem="credit_hours")
    assert view.one("input", name="credit_hours").attrs["value"] == "three"  # what was typed stays
    assert not view.find("section", id="answer")
    page(api.client, "/dashboard/members/m-due/what-if", 400, renew_on="soon")


def test_the_what_if_form_alone_asks_nothing_and_an_unknown_member_is_a_404(api: Api) -> None:
    view = page(api.client, "/dashboard/members/m-due/what-if")
    assert not view.find("section", id="answer")
    assert view.one("input", name="title").attrs["value"] == "Activity tried"
    assert page(api.client, "/dashboard/members/nobody/what-if", 404).one(data_status="404")


def test_an_auditor_signed_in_may_try(api: Api) -> None:
    sign_in(api.client, "auditor")
    response = api.client.get("/dashboard/members/m-due/what-if", query_string=COURSE)
    assert response.status_code == 200
    assert 'data-outcome="accepted"' in response.get_data(as_text=True)


# --- the statement -------------------------------------------------------------------------


def test_the_statement_says_what_the_status_api_says_on_the_day(api: Api) -> None:
    view = page(api.client, "/dashboard/members/m-audited/statement", on="2026-04-01")
    expected = status(api, "m-audited", "2026-04-01")
    assert expected["status"] == "inactive"  # no proof by 2026-03-31
    assert view.one("section", id="statement-status").attrs["data-status"] == "inactive"
    assert view.one(data_reason="").text.strip() == expected["reason"]
    assert view.one("dd", data_field="certifications").text == "CPT"
    assert "m-audited" in view.one("dd", data_field="member").text
    assert needed_shown(view) == as_shown(expected["needed"])


def test_the_statement_lists_each_cycle_renewal_and_audit(api: Api) -> None:
    view = page(api.client, "/dashboard/members/m-audited/statement", on="2026-04-01")
    cycles = [(row.attrs["data-cycle"], [c.text for c in cells(view, row)]) for row in view.find("tr")
              if "data-cycle" in row.attrs]
    assert cycles == [("2022-03-01", ["2022-03-01", "2025-12-31", "45", "45", "45", "2025-09-01"]),
                      ("2026-01-01", ["2026-01-01", "2028-12-31", "45", "0", "0", "—"])]
    [renewal] = [row for row in view.find("tr") if "data-renewal" in row.attrs]
    fee = [e for e in api.events("m-audited") if e["type"] == "RenewalSubmitted"][0]["data"]["fee_due"]
    assert [c.text for c in cells(view, renewal)][:2] == ["2025-09-01", f"${fee}"]
    [audit] = [row for row in view.find("tr") if "data-audit" in row.attrs]
    assert (audit.attrs["data-audit"], audit.attrs["data-state"]) == ("2026-03-01", "proof_overdue")


def test_the_statement_gives_the_current_cycle_s_cecs_by_category_and_the_reminders_sent(
        api: Api, clock: StepClock) -> None:
    clock.set("2025-10-02")
    api.ok(api.post("/reminders/runs", {"as_of": "2025-10-02"}))
    view = page(api.client, "/dashboard/members/m-due/statement", on="2025-12-01")
    [line] = [row for row in view.find("tr") if "data-category" in row.attrs]
    assert [c.text for c in cells(view, line)] == ["ACSM workshop", "1", "30"]
    [reminder] = [row for row in view.find("tr") if "data-reminder" in row.attrs]
    assert reminder.attrs["data-kind"] == "renewal_due"
    earlier = page(api.client, "/dashboard/members/m-due/statement", on="2025-10-01")
    assert not [row for row in earlier.find("tr") if "data-reminder" in row.attrs]  # not yet sent then


def test_the_member_page_links_to_its_statement_on_the_day_asked(api: Api) -> None:
    today = page(api.client, "/dashboard/members/m-due")
    assert today.one("a", data_statement_link="").attrs["href"] == "/dashboard/members/m-due/statement"
    asked = page(api.client, "/dashboard/members/m-due?on=2025-12-01")
    assert asked.one("a", data_statement_link="").attrs["href"] == "/dashboard/members/m-due/statement?on=2025-12-01"


@pytest.mark.parametrize("role", ["staff", "auditor", "reporter"])
def test_every_role_may_read_a_statement(api: Api, role: str) -> None:
    page(api.client, "/dashboard/members/m-due/statement", role=role)


def test_a_statement_of_an_unknown_member_or_a_bad_day_is_refused(api: Api) -> None:
    assert page(api.client, "/dashboard/members/nobody/statement", 404).one(data_status="404")
    assert page(api.client, "/dashboard/members/m-due/statement", 400, on="2025-02-30").one(data_status="400")


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["category", "title", "completed_on", "credit_hours", "hours", "decimal_units",
                             "evidence", "renew_on", "on", "published_on"]),
       value=st.text(max_size=30),
       path=st.sampled_from(["/dashboard/members/m-1/what-if", "/dashboard/members/m-1/statement"]))
def test_no_query_text_makes_a_server_error(name: str, value: str, path: str) -> None:
    service = CredentialService(database_url="memory://")
    try:
        api = Api(create_app(Settings(tokens=TOKEN_CONFIG), service).test_client())
        api.certify("m-1", "CPT", "2022-03-01")
        response = api.client.get(path, query_string={**COURSE, name: value}, headers=STAFF)
        assert response.status_code in (200, 400), response.get_data(as_text=True)[:500]
    finally:
        service.close()
