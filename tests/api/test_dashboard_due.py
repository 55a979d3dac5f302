"""The Due page: who must act, and by when. It lists exactly what /worklists/due answers for a day
and a number of days ahead, most urgent first, filtered by kind of matter and by level, each row
a link to the member, inactive members flagged; the same rows download as the API's CSV with the
page's own session. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from api_support import TOKEN_CONFIG, TOKENS, Api
from dashboard_support import Page, page_as, record_deadlines, sign_in
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from application.service import CredentialService
from application.settings import Settings
from web import create_app
from web.dashboard import due

STAFF = {"Authorization": f"Bearer {TOKENS['staff']}"}


@pytest.fixture
def client(service: CredentialService) -> FlaskClient:
    client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
    record_deadlines(Api(client))
    return client


def page(client: FlaskClient, path: str, status: int = 200) -> Page:
    return page_as("staff", client, path, status)


def worklist(client: FlaskClient, **query: object) -> list[dict]:
    response = client.get("/worklists/due", headers=STAFF, query_string=query)
    assert response.status_code == 200
    items: list[dict] = response.get_json()["items"]
    return items


def rows(view: Page) -> list[dict[str, str]]:
    """Each listed row as the API names its fields, read off the page."""
    listed = []
    for row in view.find("tr"):
        if "data-member" not in row.attrs:
            continue
        start = view.elements.index(row)
        cells = [e.text.strip() for e in view.elements[start + 1:] if e.tag == "td"][:11]
        listed.append({"member_id": row.attrs["data-member"], "kind": row.attrs["data-kind"],
                       "status": row.attrs["data-status"], "level": cells[2], "due_on": cells[5], "days_left": cells[6],
                       "cecs_missing": cells[7], "counted_required": cells[8], "fee": cells[9], "act_by": cells[10]})
    return listed


def as_listed(item: dict) -> dict[str, str]:
    """An API item as the page writes it."""
    fee = item["fee_if_renewed_on"]
    return {"member_id": item["member_id"], "kind": item["kind"], "status": item["status"],
            "level": item["level"] or "—", "due_on": item["due_on"],
            "days_left": str(item["days_left"]), "cecs_missing": f"{item['cecs_missing']:g}",
            "counted_required": f"{item['counted_cecs']:g} / {item['required_cecs']:g}",
            "fee": "—" if fee is None else f"${fee}", "act_by": item["act_by"]}


@pytest.mark.parametrize(("on", "within"), [("2025-12-01", 30), ("2025-12-01", 29), ("2026-01-02", 0),
                                            ("2026-03-01", 30), ("2026-04-01", 365)])
def test_the_due_page_lists_exactly_the_worklist_s_items_for_the_day_most_urgent_first(
        client: FlaskClient, on: str, within: int) -> None:
    view = page(client, f"/dashboard/due?on={on}&within={within}")
    expected = [as_listed(item) for item in worklist(client, on=on, within=within)]
    assert rows(view) == expected
    assert view.one("p", data_total=str(len(expected)))


def test_the_due_page_asks_about_today_and_90_days_unless_told(client: FlaskClient) -> None:
    view = page(client, "/dashboard/due")
    assert view.one("input", name="on").attrs["value"] == "2026-11-28"  # the service's today
    assert view.one("input", name="within").attrs["value"] == "90"
    assert rows(view) == [as_listed(item) for item in worklist(client)]


def test_each_row_links_to_the_member_on_the_day_asked(client: FlaskClient) -> None:
    view = page(client, "/dashboard/due?on=2025-12-01&within=30")
    links = [a.attrs["href"] for a in view.find("a") if a.attrs.get("href", "").startswith("/dashboard/members/")]
    assert links == ["/dashboard/members/m-ces?on=2025-12-01", "/dashboard/members/m-due?on=2025-12-01"]
    today = page(client, "/dashboard/due")
    assert "/dashboard/members/m-audited" in [a.attrs.get("href") for a in today.find("a")]


def test_a_kind_lists_only_the_matters_of_that_kind(client: FlaskClient) -> None:
    everything = worklist(client, on="2026-04-01", within=0)
    assert {item["kind"] for item in everything} == {"grace_ends", "audit_year_ends", "renewal_due"}
    view = page(client, "/dashboard/due?on=2026-04-01&within=0&kind=audit_year_ends")
    assert rows(view) == [as_listed(item) for item in everything if item["kind"] == "audit_year_ends"]
    assert view.one("option", value="audit_year_ends").attrs.get("selected") is not None
    # Each kind says how many it holds, and links to only those.
    counts = {li.attrs["data-kind-count"]: li.text.split()[0] for li in view.find("li")
              if "data-kind-count" in li.attrs}
    assert counts == {kind: str(sum(item["kind"] == kind for item in everything)) for kind in due.MATTER_KINDS}


def test_a_level_lists_only_the_members_at_that_level_on_the_day(client: FlaskClient) -> None:
    everything = worklist(client, on="2025-12-01", within=30)
    assert [item["member_id"] for item in everything] == ["m-ces", "m-due"]
    ces = page(client, "/dashboard/due?on=2025-12-01&within=30&level=CES")
    assert [row["member_id"] for row in rows(ces)] == ["m-ces"]
    cpt = page(client, "/dashboard/due?on=2025-12-01&within=30&level=CPT")
    assert [row["member_id"] for row in rows(cpt)] == ["m-due"]
    assert rows(page(client, "/dashboard/due?on=2025-12-01&within=30&level=CPT&kind=grace_ends")) == []


def test_members_inactive_on_the_day_are_flagged(client: FlaskClient) -> None:
    view = page(client, "/dashboard/due?on=2026-04-01&within=0")
    listed = [row for row in view.find("tr") if "data-member" in row.attrs]
    flagged = {row.attrs["data-member"] for row in listed if "data-inactive" in row.attrs}
    assert flagged == {row.attrs["data-member"] for row in listed if row.attrs["data-status"] == "inactive"}
    assert flagged == {"m-ces", "m-due", "m-audited"}
    assert all("flagged" in row.attrs["class"].split() for row in listed if "data-inactive" in row.attrs)
    assert not page(client, "/dashboard/due?on=2025-12-01&within=30").find("tr", data_inactive="")


def test_who_to_chase_this_week_is_one_click_from_the_page(client: FlaskClient) -> None:
    opened = page(client, "/dashboard/members")
    assert opened.one("a", href="/dashboard/due").text == "Due"  # in the nav of every page
    view = page(client, "/dashboard/due")
    week = view.one("a", data_quick="7")
    assert (week.text, week.attrs["href"]) == ("This week", "/dashboard/due?within=7")
    chased = page(client, week.attrs["href"])
    assert rows(chased) == [as_listed(item) for item in worklist(client, within=7)]
    assert chased.one("a", data_quick="7").attrs["aria-current"] == "page"


def test_the_csv_download_is_the_api_s_csv_of_the_rows_listed(client: FlaskClient) -> None:
    api_csv = client.get("/worklists/due?on=2026-04-01&within=0", headers={**STAFF, "Accept": "text/csv"})
    view = page(client, "/dashboard/due?on=2026-04-01&within=0")
    link = view.one("a", data_download="csv").attrs["href"]
    assert link == "/dashboard/due.csv?on=2026-04-01&within=0"
    download = client.get(link, headers=STAFF)
    assert (download.status_code, download.mimetype) == (200, "text/csv")
    assert download.get_data(as_text=True) == api_csv.get_data(as_text=True)
    assert download.headers["Content-Disposition"] == 'attachment; filename="due-2026-04-01-0d.csv"'
    assert download.headers["Cache-Control"] == "no-store"
    filtered = client.get("/dashboard/due.csv?on=2026-04-01&within=0&kind=renewal_due&level=CPT", headers=STAFF)
    listed = list(csv.DictReader(io.StringIO(filtered.get_data(as_text=True))))
    every = list(csv.DictReader(io.StringIO(api_csv.get_data(as_text=True))))
    assert listed == [row for row in every if row["kind"] == "renewal_due" and row["member_id"] != "m-ces"]
    assert listed


def test_a_long_list_comes_in_pages_and_the_csv_holds_every_row(client: FlaskClient,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(due, "PAGE_SIZE", 2)
    expected = [as_listed(item) for item in worklist(client, on="2026-04-01", within=0)]
    first = page(client, "/dashboard/due?on=2026-04-01&within=0")
    second = page(client, first.one("a", rel="next").attrs["href"])
    assert rows(first) + rows(second) == expected[:4]
    assert second.one("span", data_page="2")
    csv_rows = client.get(first.one("a", data_download="csv").attrs["href"], headers=STAFF).get_data(as_text=True)
    assert len(csv_rows.strip().splitlines()) == len(expected) + 1


BAD_QUESTIONS = ["within=-1", "within=ninety", "within=99999", "within=1.5", "on=2025-13-01", "kind=late",
                 "level=NOPE", "within=" + "9" * 5000]


@pytest.mark.parametrize("query", [*BAD_QUESTIONS, "page=0", "page=x"])
def test_a_bad_question_is_the_400_page_never_a_server_error(client: FlaskClient, query: str) -> None:
    view = page(client, f"/dashboard/due?{query}", 400)
    assert view.one(data_status="400").attrs["data-code"] == "invalid_input"


@pytest.mark.parametrize("query", BAD_QUESTIONS)
def test_a_bad_question_downloads_nothing(client: FlaskClient, query: str) -> None:
    response = client.get(f"/dashboard/due.csv?{query}", headers=STAFF)
    assert (response.status_code, response.mimetype) == (400, "text/html")


@pytest.mark.parametrize("role", ["staff", "auditor", "reporter"])
def test_every_signed_in_role_reads_the_due_page_and_its_csv(client: FlaskClient, role: str) -> None:
    sign_in(client, role)
    assert client.get("/dashboard/due").status_code == 200
    assert client.get("/dashboard/due.csv").status_code == 200


def test_without_a_session_the_due_page_sends_the_browser_to_sign_in(client: FlaskClient) -> None:
    for path in ("/dashboard/due?within=7", "/dashboard/due.csv"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/dashboard/login?next=")
    assert client.get("/dashboard/due", headers={"Authorization": "Bearer nope"}).status_code == 401


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(["on", "within", "kind", "level", "page"]), value=st.text(max_size=30),
       path=st.sampled_from(["/dashboard/due", "/dashboard/due.csv"]))
def test_no_query_text_makes_a_server_error(name: str, value: str, path: str) -> None:
    service = CredentialService(database_url="memory://")
    try:
        client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
        response = client.get(path, query_string={name: value}, headers=STAFF)
        assert response.status_code in (200, 400), response.get_data(as_text=True)[:500]
    finally:
        service.close()
