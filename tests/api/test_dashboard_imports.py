"""The imports page (rules.md section 13): staff upload a register (CSV) from the browser, as POST
/imports takes it; a dry run (the box checked by default) judges every row and records nothing,
the report lists each refused row with its line, code and message, its member linked when the
member exists; a file that cannot be read as a whole is shown with its code and message and
nothing is recorded. Only staff see the page. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date

import pytest
from api_support import TOKEN_CONFIG
from dashboard_support import Page, hidden_fields, read, sign_in
from flask.testing import FlaskClient
from register_support import activity, certification, register, stored
from werkzeug.test import TestResponse

from application.service import CredentialService
from application.settings import Settings
from web import create_app

PAGE = "/dashboard/imports"
# m-old exists already; m-new is opened by the file. One row of each is refused (a grade below C).
ROWS = (certification("r1", "m-new", "2024-03-01", name="Nia New"),
        activity("r2", "m-new", "2024-05-01", None, "college_course", credit_hours=2, grade="D", evidence="transcript"),
        activity("r3", "m-old", "2024-06-01", None, "college_course", credit_hours=2, grade="D", evidence="transcript"),
        activity("r4", "m-old", "2024-07-01", 10))


@pytest.fixture
def client(service: CredentialService) -> FlaskClient:
    service.certify("m-old", "CPT", date(2024, 3, 1), name="Olly Old")
    client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
    sign_in(client, "staff")
    return client


def upload(client: FlaskClient, content: str, dry_run: bool | None = None) -> TestResponse:
    """Opens the page from the navigation, chooses the file and sends the form; the dry-run box
    as the page left it unless `dry_run` says otherwise."""
    view = read(client, read(client, "/dashboard/members").one("a", href=PAGE).attrs["href"])
    box = view.one("input", name="dry_run")
    checked = "checked" in box.attrs if dry_run is None else dry_run
    fields = {**hidden_fields(view, PAGE), **({"dry_run": box.attrs["value"]} if checked else {})}
    return client.post(PAGE, data={**fields, "register": (io.BytesIO(content.encode()), "register.csv")})


def report_of(response: TestResponse) -> Page:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return Page.read(response.get_data(as_text=True))


def tile(view: Page, name: str) -> str:
    start = view.elements.index(view.one("div", data_tile=name))
    return view.elements[start + 1].text


def test_a_dry_run_by_default_shows_the_refused_rows_and_records_nothing(
        service: CredentialService, client: FlaskClient) -> None:
    before = stored(service)
    view = report_of(upload(client, register(*ROWS)))
    assert view.one("section", data_report="dry-run")
    assert [tile(view, name) for name in ("rows", "recorded", "already_imported", "refused", "members")] == [
        "4", "2", "0", "2", "2"]
    refused = [(tr.attrs["data-line"], tr.attrs["data-row-id"], tr.attrs["data-code"])
               for tr in view.find("tr") if "data-line" in tr.attrs]
    assert refused == [("3", "r2", "grade_below_c"), ("4", "r3", "grade_below_c")]
    assert [a.text for a in view.find("a", href="/dashboard/members/m-old")] == ["m-old"]  # m-new does not exist
    assert view.find("a", href="/dashboard/members/m-new") == []
    assert "checked" not in view.one("input", name="dry_run").attrs  # the next send imports
    assert stored(service) == before


def test_an_import_records_the_rows_and_the_members_appear_in_the_members_list(
        service: CredentialService, client: FlaskClient) -> None:
    view = report_of(upload(client, register(*ROWS), dry_run=False))
    assert view.one("section", data_report="import")
    assert (tile(view, "recorded"), tile(view, "refused")) == ("2", "2")
    assert view.one("a", href="/dashboard/members/m-new").text == "m-new"  # it exists now
    members = read(client, "/dashboard/members")
    assert [tr.attrs["data-member"] for tr in members.find("tr") if "data-member" in tr.attrs] == ["m-new", "m-old"]
    assert len(service.credential("m-old").history) == 3  # the opening, its certification, the claim r4


def test_an_unreadable_file_shows_its_error_and_records_nothing(
        service: CredentialService, client: FlaskClient) -> None:
    before = stored(service)
    response = upload(client, "row_id,member_id,fact,date,colour\nr1,m-new,certification,2024-03-01,red\n",
                      dry_run=False)
    assert response.status_code == 400
    view = Page.read(response.get_data(as_text=True))
    refusal = view.one("div", "refusal")
    assert refusal.attrs["data-refusal"] == "unknown_columns"
    assert "unknown column: 'colour'" in refusal.text
    assert view.find("section", data_report="import") == []
    assert stored(service) == before


@pytest.mark.parametrize("role", ["auditor", "reporter"])
def test_a_role_without_the_import_permission_is_refused_the_page(
        service: CredentialService, client: FlaskClient, role: str) -> None:
    sign_in(client, role)
    assert read(client, "/dashboard/members").find("a", href=PAGE) == []
    assert read(client, PAGE, 403).one(data_status="403").attrs["data-code"] == "forbidden"
    fields = hidden_fields(read(client, "/dashboard/members"), "/dashboard/logout")  # the session's CSRF token
    before = stored(service)
    sent = client.post(PAGE, data={**fields, "register": (io.BytesIO(register(*ROWS).encode()), "register.csv")})
    assert sent.status_code == 403
    assert stored(service) == before
