"""The policy page (rules.md section 9): every role reads every value of every version side by
side, what each version changed marked against the version that governed before it, withdrawn
versions struck through with when and why, and the book as known at a time. Staff adopt a
version (only the values that change) and withdraw one from forms on the page; a bad version is
refused whole with every bad value listed, and nothing is recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from api_support import TOKEN_CONFIG
from dashboard_support import Page, read, send_form, sign_in
from flask.testing import FlaskClient

from application.service import CredentialService
from application.settings import Settings
from domain.errors import InvalidPolicy
from web import create_app

PAGE = "/dashboard/policy"
ADOPT = "/dashboard/policy/versions"
WITHDRAW = "/dashboard/policy/withdrawals"
BUILT_IN = "2012-06-01"


@pytest.fixture
def client(service: CredentialService) -> FlaskClient:
    client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
    sign_in(client, "staff")
    return client


def cells(view: Page, path: str) -> list[tuple[str, bool]]:
    """The row of one value: each version's text, and whether it is marked changed."""
    start = view.elements.index(view.one("tr", data_path=path))
    row = []
    for element in view.elements[start + 1:]:
        if element.tag == "tr":
            break
        if element.tag == "td":
            row.append((element.attrs["data-value"], "data-changed" in element.attrs))
    return row


def test_the_policy_page_shows_every_value_of_every_version_side_by_side(
        service: CredentialService, client: FlaskClient) -> None:
    service.adopt_policy_version("v2027", date(2027, 1, 1), {"late_fee": "30.00"})
    view = read(client, PAGE)
    assert [th.attrs["data-version"] for th in view.find("th") if "data-version" in th.attrs] == [BUILT_IN, "v2027"]
    assert cells(view, "late_fee") == [("25.00", False), ("30.00", True)]
    assert cells(view, "certifications.CPT.renewal_fee") == [("45.00", False), ("45.00", False)]  # carried over
    assert cells(view, "reminders.renewal_due") == [("90, 60, 30, 7", False)] * 2
    paths = {tr.attrs["data-path"] for tr in view.find("tr") if "data-path" in tr.attrs}
    values = service.policy_versions()[0].policy
    assert {f"certifications.{code}.required_cecs" for code in values.certifications} <= paths
    assert {f"categories.{name}.accepted" for name in (*values.categories, *values.refused_categories)} <= paths
    assert view.one("li", data_path="late_fee").text == "late_fee: 25.00 → 30.00"


def test_a_version_is_compared_with_the_one_that_governed_before_it_not_a_withdrawn_one(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 9: a version withdrawn governs nothing from its withdrawal on."""
    service.adopt_policy_version("v2013", date(2013, 1, 1), {"grace_months": 3})
    service.withdraw_policy_version("v2013", "adopted in error")
    service.adopt_policy_version("v2027", date(2027, 1, 1), {"late_fee": "30.00"})
    view = read(client, PAGE)
    assert cells(view, "grace_months") == [("6", False), ("3", True), ("6", False)]
    withdrawn = view.one("th", data_version="v2013")
    assert "withdrawn" in withdrawn.attrs["class"].split()
    assert withdrawn.attrs["data-withdrawn-at"].startswith("2026-11-28T")
    assert [d.text for d in view.find("del")][:2] == ["v2013", "v2013"]
    assert view.one("span", data_withdrawal="").text.endswith(": adopted in error")


@pytest.mark.parametrize("role", ["staff", "auditor", "reporter"])
def test_every_role_reads_the_policy_page_from_the_navigation_but_only_staff_see_its_forms(
        client: FlaskClient, role: str) -> None:
    sign_in(client, role)
    assert read(client, "/dashboard/members").find("a", href=PAGE)
    view = read(client, PAGE)
    assert bool(view.find("form", action=ADOPT)) is (role == "staff")
    assert bool(view.find("form", action=WITHDRAW)) is False  # nothing adopted yet: nothing to withdraw


def test_staff_adopt_a_version_through_the_form_and_the_page_shows_it(
        service: CredentialService, client: FlaskClient) -> None:
    response = send_form(client, PAGE, ADOPT, {"version": "v2027", "effective_from": "2027-01-01",
                                               "values": '{"late_fee": "30.00", "certifications": {"CPT": '
                                                         '{"renewal_fee": "50.00"}}}'})
    assert (response.status_code, response.headers["Location"]) == (303, PAGE)
    view = read(client, PAGE)
    assert view.one("p", "notice").text == "Policy version v2027 adopted, in force from 2027-01-01."
    assert cells(view, "certifications.CPT.renewal_fee") == [("45.00", False), ("50.00", True)]
    adopted = service.policy_versions()[-1]
    assert (adopted.version, adopted.effective_from) == ("v2027", date(2027, 1, 1))
    assert adopted.adopted_at is not None


def test_a_bad_version_lists_every_bad_value_and_records_nothing(
        service: CredentialService, client: FlaskClient) -> None:
    values = '{"late_fee": "-1", "proof_days": 0, "teaching_cap_fraction": "1.5", "certifications": {"NOPE": {}}}'
    response = send_form(client, PAGE, ADOPT, {"version": "v-bad", "effective_from": "2027-01-01", "values": values})
    assert response.status_code == 422
    view = Page.read(response.get_data(as_text=True))
    assert view.one("div", "refusal").attrs["data-refusal"] == "invalid_policy"
    listed = {li.attrs["data-problem"] for li in view.find("li") if "data-problem" in li.attrs}
    with pytest.raises(InvalidPolicy) as refused:  # the same version, refused by the domain itself
        service.adopt_policy_version("v-bad", date(2027, 1, 1), {
            "late_fee": "-1", "proof_days": 0, "teaching_cap_fraction": "1.5", "certifications": {"NOPE": {}}})
    assert listed == set(refused.value.problems)
    assert {"late_fee", "proof_days", "teaching_cap_fraction"} <= listed
    assert view.one("textarea", name="values").text == values  # what was typed is kept
    assert [r.version for r in service.policy_versions()] == [BUILT_IN]


def test_a_version_name_already_taken_is_refused_as_a_conflict(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 9: versions are never edited."""
    fields = {"version": "v2027", "effective_from": "2027-01-01", "values": '{"late_fee": "30.00"}'}
    assert send_form(client, PAGE, ADOPT, fields).status_code == 303
    again = send_form(client, PAGE, ADOPT, {**fields, "values": '{"late_fee": "35.00"}'})
    assert again.status_code == 409
    assert Page.read(again.get_data(as_text=True)).one("div", "refusal").attrs["data-refusal"] == "version_exists"
    assert [r.version for r in service.policy_versions()] == [BUILT_IN, "v2027"]


@pytest.mark.parametrize("values", ['{"late_fee": ', "[1, 2]", "30.00"])
def test_values_that_are_not_a_json_object_are_refused_naming_the_field(
        service: CredentialService, client: FlaskClient, values: str) -> None:
    response = send_form(client, PAGE, ADOPT, {"version": "v2027", "effective_from": "2027-01-01", "values": values})
    assert response.status_code == 400
    view = Page.read(response.get_data(as_text=True))
    assert view.one("div", "refusal").attrs["data-refusal"] == "invalid_input"
    assert view.one("li", data_problem="values")
    assert [r.version for r in service.policy_versions()] == [BUILT_IN]


def test_staff_withdraw_a_version_through_the_form(service: CredentialService, client: FlaskClient) -> None:
    service.adopt_policy_version("v2027", date(2027, 1, 1), {"late_fee": "30.00"})
    response = send_form(client, PAGE, WITHDRAW, {"version": "v2027", "reason": "adopted in error"})
    assert response.status_code == 303
    view = read(client, PAGE)
    assert view.one("p", "notice").text == "Policy version v2027 withdrawn: from now on it governs nothing."
    assert view.one("th", data_version="v2027").attrs["data-withdrawn-at"]
    assert view.find("form", action=WITHDRAW) == []  # no version left to withdraw
    assert service.policy_versions()[-1].withdrawal_reason == "adopted in error"


def test_a_refused_version_withdrawal_is_shown_and_records_nothing(
        service: CredentialService, client: FlaskClient) -> None:
    service.adopt_policy_version("v2027", date(2027, 1, 1), {"late_fee": "30.00"})
    for fields, status, code in (({"version": BUILT_IN, "reason": "no"}, 422, "not_withdrawable"),
                                 ({"version": "v1999", "reason": "no"}, 404, "policy_version_not_found"),
                                 ({"version": "v2027", "reason": ""}, 400, "invalid_input")):
        response = send_form(client, PAGE, WITHDRAW, fields)
        assert response.status_code == status
        assert Page.read(response.get_data(as_text=True)).one("div", "refusal").attrs["data-refusal"] == code
    assert service.policy_versions()[-1].withdrawn_at is None


def test_the_policy_page_as_known_before_an_adoption_does_not_list_it(
        service: CredentialService, client: FlaskClient) -> None:
    """rules.md section 9: "as known at T" never uses a version adopted after T."""
    service.adopt_policy_version("v2027", date(2027, 1, 1), {"late_fee": "30.00"})
    adopted_at = service.policy_versions()[-1].adopted_at
    assert adopted_at is not None
    just_before = (adopted_at - timedelta(seconds=1)).replace(tzinfo=None).isoformat()  # the form's UTC
    before = read(client, f"{PAGE}?known_at={just_before}")
    assert [th.attrs["data-version"] for th in before.find("th") if "data-version" in th.attrs] == [BUILT_IN]
    at_adoption = read(client, f"{PAGE}?known_at={adopted_at.isoformat().replace('+', '%2B')}")
    assert [th.attrs["data-version"] for th in at_adoption.find("th") if "data-version" in th.attrs] == [
        BUILT_IN, "v2027"]


def test_the_page_can_show_only_the_values_some_version_changed(
        service: CredentialService, client: FlaskClient) -> None:
    service.adopt_policy_version("v2027", date(2027, 1, 1), {"late_fee": "30.00", "proof_days": 45})
    view = read(client, f"{PAGE}?values=changed")
    assert [tr.attrs["data-path"] for tr in view.find("tr") if "data-path" in tr.attrs] == ["late_fee", "proof_days"]
    refused = read(client, f"{PAGE}?values=some", 400)
    assert refused.one(data_status="400").attrs["data-code"] == "invalid_input"
