"""What the staff pages show: the dashboard's charts and tables give the numbers of the
reports API; a member's page gives the status document, the recorded facts and the status
periods, and answers the "as of / known at" question as the status API does."""

from __future__ import annotations

from datetime import date

import pytest
from api_support import TOKEN_CONFIG, TOKENS, Api
from dashboard_support import Page, page_as, record_scenario
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from application.service import CredentialService
from application.settings import Settings
from web import create_app
from web.dashboard.charts import Part, Period, Row, band_chart, horizontal_bars, nice_step

READER = {"Authorization": f"Bearer {TOKENS['reporter']}"}


@pytest.fixture
def client(service: CredentialService) -> FlaskClient:
    return create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()


@pytest.fixture
def scenario(client: FlaskClient) -> FlaskClient:
    record_scenario(Api(client))
    return client


def page(client: FlaskClient, path: str, status: int = 200) -> Page:
    return page_as("reporter", client, path, status)


def api(client: FlaskClient, path: str) -> dict:
    response = client.get(path, headers=READER)
    assert response.status_code == 200
    body: dict = response.get_json()
    return body


def bar_values(view: Page, chart: str) -> dict[str, str]:
    svg = view.one("svg", data_chart=chart)
    assert svg.attrs["role"] in ("img", "group")  # a chart whose bars are links is a group of them
    return {g.attrs["data-key"]: g.attrs["data-value"] for g in view.find("g", "bar")
            if g.attrs["data-key"] in _bar_keys(view, chart)}


def _bar_keys(view: Page, chart: str) -> set[str]:
    # Bars follow their chart in document order, up to the next chart.
    start = view.elements.index(view.one("svg", data_chart=chart))
    keys = set()
    for element in view.elements[start + 1:]:
        if element.tag == "svg":
            break
        if element.tag == "g" and "bar" in element.attrs.get("class", "").split():
            keys.add(element.attrs["data-key"])
    return keys


def test_the_dashboard_charts_give_the_numbers_of_the_reports_api(scenario: FlaskClient) -> None:
    view = page(scenario, "/dashboard?on=2026-11-28&year=2025")
    counts = api(scenario, "/reports/status-counts?on=2026-11-28")
    assert bar_values(view, "status-counts") == {s: str(n) for s, n in counts["by_status"].items()}
    for row in counts["rows"]:
        parts = [p for p in view.find("rect", "bar-part", data_key=row["level"] or "none")
                 if p.attrs["data-value"] == str(row["members"])]
        assert parts, row
    renewals = api(scenario, "/reports/renewals-due?year=2025")
    assert bar_values(view, "renewals-due") == {str(m["month"]): str(m["due"]) for m in renewals["months"]}
    assert renewals["months"][11]["renewed"] == 1
    december = view.one("g", "bar", data_key="12")
    assert december.attrs["data-value"] == "1"
    assert view.find("rect", "bar-part", data_key="renewed_on_time", data_value="1")
    cecs = api(scenario, "/reports/cec-categories?year=2025")
    assert bar_values(view, "cec-categories") == {c["category"]: f"{c['cecs']:g}" for c in cecs["categories"]}
    tables = {t.attrs["data-table"] for t in view.find("table")}
    assert tables == {"status-counts", "renewals-due", "audits", "cec-categories"}


def test_the_audit_chart_counts_audits_by_state_for_the_chosen_year(scenario: FlaskClient) -> None:
    view = page(scenario, "/dashboard?year=2026")
    audits = api(scenario, "/reports/audits?year=2026")
    assert audits["selected"] == 1
    assert bar_values(view, "audits") == {row["state"]: str(row["audits"]) for row in audits["by_state"]}
    assert view.one(data_tile="audits").text.startswith("1 audits selected in 2026")


def test_the_dashboard_defaults_to_today_and_the_current_year(scenario: FlaskClient) -> None:
    view = page(scenario, "/dashboard")
    assert view.one("input", name="on").attrs["value"] == "2026-11-28"  # the service's today
    assert view.one("input", name="year").attrs["value"] == "2026"
    before_anyone = page(scenario, "/dashboard?on=2020-01-01")
    assert bar_values(before_anyone, "status-counts")["not_certified"] == "3"


def test_a_malformed_date_or_year_is_a_400_page(scenario: FlaskClient) -> None:
    for path in ("/dashboard?on=2026-13-01", "/dashboard?year=twenty", "/dashboard?year=%C2%B2",
                 "/dashboard/members/m-active?known_at=soon"):
        view = page(scenario, path, 400)
        assert view.one(data_status="400").attrs["data-code"] == "invalid_input"


def test_the_member_page_shows_the_status_document_and_every_recorded_fact(scenario: FlaskClient) -> None:
    view = page(scenario, "/dashboard/members/m-renewed")
    status = api(scenario, "/members/m-renewed/status")
    assert view.one(data_reason="").text.strip() == status["reason"]
    assert view.one("section", data_status=status["status"])
    history = api(scenario, "/members/m-renewed/history")
    rows = [e for e in view.find("tr") if "data-event" in e.attrs]
    assert [r.attrs["data-event"] for r in rows] == [e["type"] for e in history["events"]]
    assert "AuditSelected" in [r.attrs["data-event"] for r in rows]
    # Each fact's "replay" link asks the page what its "status after" says.
    links = [a.attrs["href"] for a in view.find("a") if a.text == "replay"]
    assert len(links) == len(history["events"])
    for link, event in zip(links, history["events"]):
        replayed = page(scenario, link)
        assert replayed.one(data_reason="").text.strip() == event["status_after"]["reason"]


def test_the_status_band_runs_from_the_first_certification_through_each_period(scenario: FlaskClient) -> None:
    view = page(scenario, "/dashboard/members/m-lapsed")
    # The band is drawn twice, a desktop's and a phone's copy (shown instead on a small screen): the same periods.
    narrow = view.elements.index(view.one("svg", data_chart="status-history-narrow"))
    periods = [e for e in view.elements[:narrow] if e.tag == "g" and "period" in e.attrs.get("class", "").split()]
    phone = [e for e in view.elements[narrow:] if e.tag == "g" and "period" in e.attrs.get("class", "").split()]
    assert [p.attrs for p in phone] == [p.attrs for p in periods]
    assert [p.attrs["data-status"] for p in periods] == ["active", "inactive", "invalid"]
    assert periods[0].attrs["data-from"] == "2021-02-01"
    assert periods[-1].attrs["data-to"] == ""  # nothing later is known
    for period in periods[1:]:
        on = period.attrs["data-from"]
        assert api(scenario, f"/members/m-lapsed/status?on={on}")["status"] == period.attrs["data-status"]
    assert len(view.find("g", "marker", data_key="today")) == 2  # on each copy


def test_the_member_page_answers_as_of_a_date_and_as_known_at_a_time(scenario: FlaskClient) -> None:
    history = api(scenario, "/members/m-renewed/history")
    certified_at = history["events"][0]["recorded_at"]
    asked = "/members/m-renewed/status?on=2026-03-01&known_at=" + certified_at.replace("+", "%2B")
    expected = api(scenario, asked)
    view = page(scenario, "/dashboard" + asked.replace("/status", ""))
    assert view.one(data_reason="").text.strip() == expected["reason"]
    assert expected["status"] == "inactive"  # known then: certified, nothing else
    later = [e for e in view.elements if "not-yet-known" in e.attrs.get("class", "").split()]
    assert len(later) == len(history["events"]) - 1
    # A datetime-local value (no offset) is UTC, as the form says.
    naive = page(scenario, "/dashboard/members/m-renewed?on=2026-03-01&known_at=" + certified_at[:19])
    assert naive.one(data_reason="").text.strip() == expected["reason"]


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(["on", "year", "known_at", "q", "next", "values"]), value=st.text(max_size=30),
       path=st.sampled_from(["/dashboard", "/dashboard/members", "/dashboard/members/m-1", "/dashboard/login",
                             "/dashboard/policy"]))
def test_no_query_text_makes_a_server_error(name: str, value: str, path: str) -> None:
    service = CredentialService(database_url="memory://")
    try:
        client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
        response = client.get(path, query_string={name: value}, headers=READER)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        signed_in = client.post("/dashboard/login", data={"token": TOKENS["staff"], name: value})
        assert signed_in.status_code < 500
        if signed_in.status_code == 303:  # with a session, the login form sends the person on
            assert client.get("/dashboard/login", query_string={name: value}).status_code < 500
    finally:
        service.close()


def test_an_unknown_member_is_a_404_page(scenario: FlaskClient) -> None:
    view = page(scenario, "/dashboard/members/nobody", 404)
    assert view.one(data_status="404").attrs["data-code"] == "member_not_found"


def test_member_search_by_id_or_name(service: CredentialService) -> None:
    # On both stores: the search reads the store's notifications itself.
    client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
    record_scenario(Api(client))
    exact = client.get("/dashboard/members?q=m-active", headers=READER)
    assert (exact.status_code, exact.headers["Location"]) == (303, "/dashboard/members/m-active")
    by_name = page(client, "/dashboard/members?q=LENA")
    assert [r.attrs["data-member"] for r in by_name.find("tr") if "data-member" in r.attrs] == ["m-lapsed"]
    everyone = page(client, "/dashboard/members")
    assert len([r for r in everyone.find("tr") if "data-member" in r.attrs]) == 3
    assert page(client, "/dashboard/members/m-active").one(data_reason="").text.startswith("active since")


# --- chart geometry -------------------------------------------------------------------------


def test_axis_steps_are_round_numbers() -> None:
    assert [nice_step(v) for v in (0, 3, 9, 40, 130, 9000)] == [1, 1, 5, 10, 50, 5000]


def test_bars_are_proportional_and_empty_parts_have_no_shape() -> None:
    rows = [Row("a", "A", (Part("x", "x", "tone-0", 3), Part("y", "y", "tone-1", 0))),
            Row("b", "B", (Part("x", "x", "tone-0", 6),))]
    chart = horizontal_bars("c", "t", "d", rows)
    a, b = chart.rows
    assert [p.part.key for p in a.parts] == ["x"]
    assert b.parts[0].box.width == pytest.approx(2 * a.parts[0].box.width)
    assert chart.ticks[-1].label == "6"
    assert [part.tone for part in chart.legend] == ["tone-0", "tone-1"]


def test_the_band_is_clipped_to_its_window() -> None:
    periods = [Period("active", "Active", "tone-active", date(2020, 1, 1), date(2023, 1, 1), "why"),
               Period("inactive", "Inactive", "tone-inactive", date(2023, 1, 1), None, "why")]
    chart = band_chart("s", "t", "d", periods, date(2022, 1, 1), date(2024, 1, 1), [], date(2023, 7, 2))
    first, second = chart.periods
    assert first.box.x == chart.band.x
    assert first.box.width == pytest.approx(chart.band.width * 365 / 730)
    assert second.box.x + second.box.width == pytest.approx(chart.band.x + chart.band.width)
    assert "onward" in second.title
    assert chart.projected is not None
    assert chart.projected.x == pytest.approx(chart.band.x + chart.band.width * 547 / 730)
