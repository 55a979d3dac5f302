"""Staff correct facts on the member page (rules.md section 8): withdraw a fact from a list of
those that can be, amend an activity from a form holding its content. Each form posts,
records the command the API records and comes back to the member page with a message; a
refusal shows the rule's code and message beside the form and records nothing. Other roles see
no form and are refused if they post one; every form carries the session's CSRF token."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from api_support import TOKEN_CONFIG, Api
from dashboard_support import CSRF_FIELD, Page, csrf_token, hidden_fields, read, send_form, sign_in
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from service_support import StepClock

from application.service import CredentialService, HistoryEntry
from application.settings import Settings
from web import create_app

MEMBER = "m-renewed"
PAGE = f"/dashboard/members/{MEMBER}"
WITHDRAW = f"{PAGE}/withdrawals"


@pytest.fixture
def client(service: CredentialService) -> FlaskClient:
    client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
    Api(client).renewed_member(MEMBER, "2025-06-01")  # CPT 2022-03-01, 3 workshops of 15 hours, renewed
    sign_in(client, "staff")
    return client


def entry_of(service: CredentialService, type_name: str) -> HistoryEntry:
    return next(e for e in service.history(MEMBER) if e.type == type_name)


def amendment_page(service: CredentialService) -> str:
    return f"{PAGE}/activities/{entry_of(service, 'ActivityClaimed').fact.activity_id}/amendment"


def refusal_on(response_html: str) -> tuple[str, list[str]]:
    view = Page.read(response_html)
    box = view.one("div", "refusal")
    return box.attrs["data-refusal"], [li.attrs["data-problem"] for li in view.find("li") if "data-problem" in li.attrs]


def test_staff_withdraw_a_fact_through_the_form_and_the_history_strikes_it_through(
        service: CredentialService, client: FlaskClient) -> None:
    renewal = entry_of(service, "RenewalSubmitted")
    response = send_form(client, PAGE, WITHDRAW, {"fact_id": renewal.fact_id, "reason": "entered on the wrong member"})
    assert (response.status_code, response.headers["Location"]) == (303, f"{PAGE}#history")
    view = read(client, PAGE)
    assert view.one("p", "notice").text.startswith(f"Fact {renewal.fact_id} withdrawn. On 2026-11-28 the member is "
                                                   "now invalid")
    withdrawal = service.history(MEMBER)[-1]
    assert (withdrawal.type, withdrawal.fact.withdrawn_fact_id) == ("FactWithdrawn", renewal.fact_id)
    row = view.one("tr", data_fact_id=renewal.fact_id)
    assert row.attrs["data-withdrawn-by"] == withdrawal.fact_id
    assert "voided" in row.attrs["class"].split()
    assert view.one("p", "voided-note").text.endswith(": entered on the wrong member")


def test_the_withdrawal_form_offers_only_the_facts_that_can_be_withdrawn(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 8: not the sweep's transitions, a withdrawal, the opening, a fact already withdrawn."""
    renewal = entry_of(service, "RenewalSubmitted")
    service.withdraw(MEMBER, renewal.fact_id, "entered on the wrong member")
    view = read(client, PAGE)
    after = view.elements[view.elements.index(view.one("select", id="withdraw-fact")) + 1:]
    offered = [o.attrs["value"] for o in itertools.takewhile(lambda e: e.tag == "option", after)]
    assert offered == ["2", "3", "4", "5"]  # certified, the three workshops: not 1, 6 (withdrawn) or 7


@pytest.mark.parametrize(("fields", "status", "code", "problem"), [
    ({"fact_id": "1", "reason": "no"}, 422, "not_withdrawable", "fact_id"),
    ({"fact_id": "99", "reason": "no"}, 422, "unknown_fact", "fact_id"),
    ({"fact_id": "6", "reason": "no", "decided_on": "2026-11-29"}, 422, "future_date", None),
    ({"fact_id": "6", "reason": "  "}, 400, "invalid_input", "reason"),
    ({"fact_id": "6", "reason": "no", "decided_on": "29/11/2026"}, 400, "invalid_input", "decided_on"),
])
def test_a_refused_withdrawal_shows_its_code_and_message_beside_the_form_and_records_nothing(
        service: CredentialService, client: FlaskClient, fields: dict[str, str], status: int, code: str,
        problem: str | None) -> None:
    before = service.history(MEMBER)
    response = send_form(client, PAGE, WITHDRAW, fields)
    assert response.status_code == status
    shown, problems = refusal_on(response.get_data(as_text=True))
    assert shown == code
    assert problem is None or problem in problems
    assert "Nothing was recorded." in response.get_data(as_text=True)
    view = Page.read(response.get_data(as_text=True))
    assert view.one("input", name="reason").attrs["value"] == fields["reason"]  # what was typed is kept
    assert service.history(MEMBER) == before


def test_a_form_sent_twice_records_once(service: CredentialService, client: FlaskClient) -> None:
    """A double click, or a POST the browser sends again, carries the same submission key."""
    form = {**hidden_fields(read(client, PAGE), WITHDRAW), "fact_id": "6", "reason": "entered on the wrong member"}
    assert client.post(WITHDRAW, data=form).status_code == 303
    assert client.post(WITHDRAW, data=form).status_code == 303
    assert read(client, PAGE).find("p", "notice")[-1].text == (
        "That withdrawal of fact 6 was already recorded; nothing new was recorded.")
    assert [e.type for e in service.history(MEMBER)].count("FactWithdrawn") == 1


def test_staff_amend_an_activity_through_its_form_prefilled_with_its_content(
        service: CredentialService, client: FlaskClient) -> None:
    claim = entry_of(service, "ActivityClaimed")
    form = read(client, amendment_page(service))
    assert form.one("input", name="title").attrs["value"] == "Workshop 2023-02-01"
    assert form.one("input", name="completed_on").attrs["value"] == "2023-02-01"
    assert form.one("input", name="hours").attrs["value"] == "15"
    assert form.one("option", value="acsm_workshop").attrs.get("selected") == ""
    sent = {name: form.one("input", name=name).attrs["value"] for name in ("title", "completed_on")}
    response = send_form(client, amendment_page(service), amendment_page(service),
                         {**sent, "category": "acsm_workshop", "evidence": "cec_certificate", "hours": "3",
                          "reason": "typed 15 hours for 3"})
    assert response.status_code == 303
    amendment = service.history(MEMBER)[-1]
    assert (amendment.type, amendment.fact.activity_id, amendment.fact.cecs) == (
        "ActivityAmended", claim.fact.activity_id, 3)
    view = read(client, PAGE)
    assert view.one("p", "notice").text == "Activity “Workshop 2023-02-01” amended: it now earns 3 CECs."
    assert view.one("tr", data_fact_id=claim.fact_id).attrs["data-withdrawn-by"] == amendment.fact_id


def test_a_refused_amendment_keeps_what_was_typed_and_records_nothing(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 3: CPR is never accepted, whether claimed or amended into."""
    before = service.history(MEMBER)
    response = send_form(client, amendment_page(service), amendment_page(service), {
        "category": "cpr", "title": "First aid", "completed_on": "2023-02-01", "reason": "it was CPR"})
    assert response.status_code == 422
    assert refusal_on(response.get_data(as_text=True))[0] == "not_accepted_category"
    view = Page.read(response.get_data(as_text=True))
    assert view.one("input", name="title").attrs["value"] == "First aid"
    assert view.one("option", value="cpr").attrs.get("selected") == ""
    assert service.history(MEMBER) == before


def test_amending_an_unknown_or_withdrawn_activity_is_refused(service: CredentialService, client: FlaskClient) -> None:
    unknown = read(client, f"{PAGE}/activities/nope/amendment", 404)
    assert unknown.one(data_status="404").attrs["data-code"] == "activity_not_found"
    claim = entry_of(service, "ActivityClaimed")
    service.withdraw(MEMBER, claim.fact_id, "never attended")
    withdrawn = read(client, amendment_page(service), 422)
    assert withdrawn.one(data_status="422").attrs["data-code"] == "already_withdrawn"


@pytest.mark.parametrize("role", ["auditor", "reporter"])
def test_other_roles_see_no_correction_forms_and_are_refused_if_they_post_one(
        service: CredentialService, client: FlaskClient, role: str) -> None:
    sign_in(client, role)
    view = read(client, PAGE)
    assert view.find("form", action=WITHDRAW) == []
    assert [a for a in view.find("a") if "data-amend" in a.attrs] == []
    assert client.get(amendment_page(service)).status_code == 403
    before = service.history(MEMBER)
    token = csrf_token(client)
    refused = client.post(WITHDRAW, data={CSRF_FIELD: token, "fact_id": "6", "reason": "mine now"})
    assert refused.status_code == 403
    assert Page.read(refused.get_data(as_text=True)).one(data_status="403").attrs["data-code"] == "forbidden"
    amend = client.post(amendment_page(service), data={CSRF_FIELD: token, "category": "acsm_workshop",
                                                      "title": "x", "completed_on": "2023-02-01", "hours": "1",
                                                      "reason": "mine now"})
    assert amend.status_code == 403
    assert service.history(MEMBER) == before


FORMS = [WITHDRAW, f"{PAGE}/activities/any/amendment", "/dashboard/policy/versions", "/dashboard/policy/withdrawals"]


@pytest.mark.parametrize("action", FORMS)
@pytest.mark.parametrize("token", [None, "", "forged"])
def test_every_form_that_changes_something_needs_the_sessions_csrf_token(
        service: CredentialService, client: FlaskClient, action: str, token: str | None) -> None:
    """A page of another site cannot read the token, so its forged form records nothing."""
    before, versions = service.history(MEMBER), service.policy_versions()
    fields = {"fact_id": "6", "reason": "forged", "category": "acsm_workshop", "title": "x",
              "completed_on": "2023-02-01", "hours": "1", "version": "forged", "effective_from": "2027-01-01",
              "values": '{"late_fee": "0.00"}'}
    response = client.post(action, data=fields if token is None else {**fields, CSRF_FIELD: token})
    assert response.status_code == 400
    assert Page.read(response.get_data(as_text=True)).one(data_status="400").attrs["data-code"] == "csrf_token_invalid"
    assert service.history(MEMBER) == before
    assert service.policy_versions() == versions


def test_a_correction_refused_because_the_member_is_unknown_is_a_404_page(client: FlaskClient) -> None:
    response = client.post("/dashboard/members/nobody/withdrawals",
                           data={CSRF_FIELD: csrf_token(client), "fact_id": "2", "reason": "x"})
    assert response.status_code == 404
    assert Page.read(response.get_data(as_text=True)).one(data_status="404").attrs["data-code"] == "member_not_found"


def test_decided_on_may_not_be_after_today_in_the_form_either(client: FlaskClient) -> None:
    """The field is ISO text (a date input shows the browser's locale), which has no `max`: the
    form says the latest day in words, and marks it for scripts."""
    field = read(client, PAGE).one("input", name="decided_on")
    assert field.attrs["data-latest"] == str(date(2026, 11, 28))
    assert "today, 2026-11-28, or before" in read(client, PAGE).one("label", **{"for": "withdraw-decided"}).text


FIELDS = ["fact_id", "reason", "decided_on", "replace_by", "category", "title", "completed_on", "evidence", "hours",
          "units", "provider", "decimal_units", "credit_hours", "grade", "course_id", "published_on", "version",
          "effective_from", "values", "submission_key"]


def test_no_form_text_makes_a_server_error() -> None:
    """Whatever a form sends, the answer is a page: accepted, or refused with the API's error."""
    service = CredentialService(database_url="memory://", clock=StepClock(datetime(2026, 11, 28, 9, tzinfo=UTC)))
    try:
        client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
        Api(client).renewed_member(MEMBER, "2025-06-01")
        sign_in(client, "staff")
        token = csrf_token(client)
        actions = [WITHDRAW, amendment_page(service), "/dashboard/policy/versions", "/dashboard/policy/withdrawals"]
        text = st.one_of(st.text(max_size=40), st.sampled_from(["6", "2026-11-01", "acsm_workshop", "{}", "1" * 5000,
                                                               '{"late_fee": "1.00"}', "[" * 3000, "-1", "nan"]))

        @settings(max_examples=200, deadline=None)
        @given(action=st.sampled_from(actions), fields=st.dictionaries(st.sampled_from(FIELDS), text))
        def send(action: str, fields: dict[str, str]) -> None:
            response = client.post(action, data={**fields, CSRF_FIELD: token})
            assert response.status_code < 500, response.get_data(as_text=True)[:500]

        send()
    finally:
        service.close()
