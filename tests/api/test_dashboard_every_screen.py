"""The staff pages' markup for every screen and every person (issue 15, item 6): a skip link
first, the current page marked in the nav, labelled search landmarks, ISO date fields, readable
fact names, the token accepted as the server prints it, the certifications an invalid member held,
and the overview's reports as CSV downloads through the session. What only a browser can judge
(contrast, sideways scrolling) is checked by tests/e2e/test_dashboard_browser_every_screen.py."""

from __future__ import annotations

import csv
import io
import re

import pytest
import test_dashboard_pages as pages
from api_support import TOKENS
from dashboard_support import Page, page_as
from flask.testing import FlaskClient

NAV = ("Dashboard", "Due", "Members", "Policy", "Imports")
REPORTS = {"status-counts": ("on", "2026-11-28", "/reports/status-counts", "rows"),
           "renewals-due": ("year", "2025", "/reports/renewals-due", "months"),
           "audits": ("year", "2026", "/reports/audits", "by_state"),
           "cec-categories": ("year", "2025", "/reports/cec-categories", "categories")}


# The app over the test store, and the scenario test_dashboard_pages records in it.
client, scenario = pages.client, pages.scenario


def staff_page(client: FlaskClient, path: str) -> Page:
    return page_as("staff", client, path)


def test_the_first_thing_a_keyboard_reaches_is_a_skip_link_to_the_content(scenario: FlaskClient) -> None:
    """Without it a keyboard user tabs through the whole header (19 stops to "Ask" on a member page)."""
    html = scenario.get("/dashboard/members/m-active", headers={"Authorization": f"Bearer {TOKENS['staff']}"}
                        ).get_data(as_text=True)
    body = html[html.index("<body>"):]
    first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body)
    assert first is not None
    assert 'class="skip-link"' in first.group(0)
    assert 'href="#content"' in first.group(0)
    assert Page.read(html).one("main").attrs["id"] == "content"


@pytest.mark.parametrize(("path", "current"), [("/dashboard", "Dashboard"), ("/dashboard/due", "Due"),
                                               ("/dashboard/members", "Members"), ("/dashboard/policy", "Policy"),
                                               ("/dashboard/imports", "Imports")])
def test_the_nav_marks_the_page_it_is_on(scenario: FlaskClient, path: str, current: str) -> None:
    """aria-current tells a screen reader where it is; the CSS shows it (an underline) to everyone."""
    nav = Page.read(scenario.get(path, headers={"Authorization": f"Bearer {TOKENS['staff']}"}).get_data(as_text=True))
    marked = [a.text.strip() for a in nav.find("a") if a.attrs.get("aria-current") == "page"
              and a.text.strip() in NAV]
    assert marked == [current]


def test_a_members_own_pages_mark_the_members_section_of_the_nav(scenario: FlaskClient) -> None:
    """A member page is not the Members list itself, so it is marked as the section (`true`), not the page."""
    view = staff_page(scenario, "/dashboard/members/m-active")
    assert view.one("a", href="/dashboard/members").attrs.get("aria-current") == "true"
    assert not [a for a in view.find("a") if a.attrs.get("aria-current") == "page"]


def test_every_search_landmark_has_a_name_of_its_own(scenario: FlaskClient) -> None:
    """Two unnamed search landmarks on the members page cannot be told apart by a screen reader."""
    searches = staff_page(scenario, "/dashboard/members").find(role="search")
    names = [s.attrs.get("aria-label") for s in searches]
    assert len(searches) == 2
    assert all(names)
    assert len(set(names)) == 2


def test_date_fields_are_iso_text_fields_whatever_the_browsers_locale(scenario: FlaskClient) -> None:
    """A type=date field shows mm/dd/yyyy in an American browser while every page says 2026-11-28."""
    for path in ("/dashboard", "/dashboard/members/m-active", "/dashboard/due", "/dashboard/members",
                 "/dashboard/policy", "/dashboard/members/m-active/statement"):
        view = staff_page(scenario, path)
        inputs = view.find("input")
        assert not [i for i in inputs if i.attrs.get("type") in ("date", "datetime-local")], path
        dated = [i for i in inputs if i.attrs.get("placeholder", "").startswith("YYYY-MM-DD")]
        assert dated, path
        assert all(i.attrs["pattern"].startswith(r"\d{4}-\d{2}-\d{2}") for i in dated), path


def test_the_member_page_says_fact_kinds_in_words_not_event_names(scenario: FlaskClient) -> None:
    """Staff read "Activity claimed", not the model's `ActivityClaimed` (kept in data-event for scripts)."""
    html = scenario.get("/dashboard/members/m-lapsed", headers={"Authorization": f"Bearer {TOKENS['staff']}"}
                        ).get_data(as_text=True)
    text = re.sub(r"<[^>]*>", " ", html)
    assert "Activity claimed" in text
    assert not re.findall(r"\b(?:[A-Z][a-z]+){2,}\b", text)


@pytest.mark.parametrize("pasted", [f"Bearer {TOKENS['staff']}", f"  bearer   {TOKENS['staff']}  ",
                                    f"BEARER {TOKENS['staff']}\n", f"\t{TOKENS['staff']} "])
def test_the_token_signs_in_with_or_without_its_bearer_prefix(client: FlaskClient, pasted: str) -> None:
    """The dev server prints the token as `Bearer …`; pasting that whole is what people do."""
    response = client.post("/dashboard/login", data={"token": pasted})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == "/dashboard"


def test_bearer_alone_is_not_a_token(client: FlaskClient) -> None:
    """Only the prefix is dropped: what is left must still be a configured token."""
    for pasted in ("Bearer", "Bearer ", f"Bearer{TOKENS['staff']}", f"Token {TOKENS['staff']}"):
        assert client.post("/dashboard/login", data={"token": pasted}).status_code == 401, pasted


def test_an_invalid_members_certifications_are_those_it_held_as_its_timeline_says(scenario: FlaskClient) -> None:
    """Invalidation clears what is held, so the status lists none, while the recorded facts still
    name the certification: the page names it, and the day it was last held, so the two agree."""
    view = staff_page(scenario, "/dashboard/members/m-lapsed")
    assert view.one("section", data_status="invalid")
    assert "CES" in view.one("tr", data_event="Certified").text
    assert view.one("dd", data_field="certifications").text.strip() == "none held: CES until 2025-06-30"


def test_an_invalid_members_statement_names_the_certifications_it_held(scenario: FlaskClient) -> None:
    """The printed statement says the same as the member page."""
    view = staff_page(scenario, "/dashboard/members/m-lapsed/statement")
    assert view.one("dd", data_field="certifications").text.strip() == "none: CES until 2025-06-30"


def test_a_holding_members_certifications_are_listed_as_held(scenario: FlaskClient) -> None:
    """Only an invalid member gets the "until" wording; one who holds a certification lists it."""
    view = staff_page(scenario, "/dashboard/members/m-active")
    assert view.one("dd", data_field="certifications").text.strip() == "CPT"


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_each_report_of_the_overview_downloads_as_the_apis_csv_through_the_session(scenario: FlaskClient,
                                                                                   name: str) -> None:
    """A browser following a link cannot send a bearer token: the session's download is the
    API's CSV, the same columns and rows, as an attachment named for what it holds."""
    parameter, value, api_path, _ = REPORTS[name]
    scenario.post("/dashboard/login", data={"token": TOKENS["reporter"]})
    response = scenario.get(f"/dashboard/reports/{name}.csv?{parameter}={value}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}-{parameter}-{value}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    api = scenario.get(f"{api_path}?{parameter}={value}", headers={
        "Authorization": f"Bearer {TOKENS['reporter']}", "Accept": "text/csv"})
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == list(
        csv.reader(io.StringIO(api.get_data(as_text=True))))


def test_the_overview_links_each_of_its_reports_csv_for_the_day_and_year_shown(scenario: FlaskClient) -> None:
    """The links ask what the page shows: the status counts for its day, the rest for its year."""
    view = page_as("reporter", scenario, "/dashboard", on="2026-11-28", year="2025")
    links = {a.attrs["data-download"]: a.attrs["href"] for a in view.find("a") if "data-download" in a.attrs}
    assert links == {"status-counts": "/dashboard/reports/status-counts.csv?on=2026-11-28",
                     "renewals-due": "/dashboard/reports/renewals-due.csv?year=2025",
                     "audits": "/dashboard/reports/audits.csv?year=2025",
                     "cec-categories": "/dashboard/reports/cec-categories.csv?year=2025"}


def test_a_report_download_needs_a_role_that_may_read_reports(scenario: FlaskClient) -> None:
    """The files hold the reports' numbers: the roles the overview refuses are refused them too."""
    response = scenario.get("/dashboard/reports/status-counts.csv",
                            headers={"Authorization": f"Bearer {TOKENS['auditor']}"})
    assert response.status_code == 403


def test_an_unknown_report_is_a_404(scenario: FlaskClient) -> None:
    """Only the overview's four reports download; any other name is not found."""
    response = scenario.get("/dashboard/reports/members.csv", headers={"Authorization": f"Bearer {TOKENS['staff']}"})
    assert response.status_code == 404
