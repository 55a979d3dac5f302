"""The members list on the staff pages: each member's status and level on a date, as the status
API answers it, found by id or name, status and level, a page at a time; and the list behind each
bar of the dashboard's charts, which holds exactly as many as the bar counts."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from api_support import TOKEN_CONFIG, TOKENS, Api
from dashboard_support import CSRF_FIELD, Page, page_as, record_scenario
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from application.service import CredentialService
from application.settings import Settings
from web import create_app

READER = {"Authorization": f"Bearer {TOKENS['reporter']}"}
TODAY = "2026-11-28"  # the tests' clock


@pytest.fixture
def client(service: CredentialService) -> FlaskClient:
    client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
    record_scenario(Api(client))
    return client


def page(client: FlaskClient, path: str, status: int = 200) -> Page:
    return page_as("reporter", client, path, status)


def listed(view: Page) -> list[tuple[str, str, str]]:
    """(member, status, level) of each row of the list, in order."""
    return [(row.attrs["data-member"], row.attrs["data-status"], row.attrs["data-level"])
            for row in view.find("tr") if "data-member" in row.attrs]


def total(view: Page) -> int:
    return int(view.one("p", "caption").attrs["data-total"])


def bar_links(view: Page, chart: str) -> list[tuple[str, str]]:
    """(link, the count of its part) of each linked part of `chart`, in document order."""
    start = view.elements.index(view.one("svg", data_chart=chart))
    links, href = [], None
    for element in view.elements[start + 1:]:
        if element.tag == "svg":
            break
        if element.tag == "a":
            href = element.attrs["href"]
        elif element.tag == "rect" and "bar-part" in element.attrs.get("class", "").split():
            assert href is not None, element  # every part of these charts is a link
            links.append((href, element.attrs["data-value"]))
            href = None
    return links


def test_the_list_shows_each_member_s_status_and_level_as_the_status_api_answers(client: FlaskClient) -> None:
    for on in ("2021-06-01", "2024-06-01", TODAY):
        view = page(client, f"/dashboard/members?on={on}")
        rows = listed(view)
        assert [member for member, _, _ in rows] == ["m-active", "m-lapsed", "m-renewed"]  # by member id
        for member, status, level in rows:
            answer = client.get(f"/members/{member}/status?on={on}", headers=READER).get_json()
            assert (status, level) == (answer["status"], answer["level"] or ""), (member, on)


def test_the_list_shows_the_name_the_member_was_opened_with(client: FlaskClient) -> None:
    row = page(client, "/dashboard/members?status=active").one("tr", data_member="m-active")
    assert "Ada Active" in row.text


def test_the_list_filters_by_status_and_by_level(client: FlaskClient) -> None:
    assert listed(page(client, f"/dashboard/members?on={TODAY}&status=invalid")) == [("m-lapsed", "invalid", "")]
    assert listed(page(client, "/dashboard/members?on=2022-01-01&status=active&level=CES")) == [
        ("m-lapsed", "active", "CES")]
    assert [m for m, _, _ in listed(page(client, "/dashboard/members?on=2020-01-01&level=none"))] == [
        "m-active", "m-lapsed", "m-renewed"]
    assert listed(page(client, "/dashboard/members?level=NOPE")) == []


def test_the_search_finds_ids_and_names_in_any_case_and_takes_wildcards_literally(
        service: CredentialService) -> None:
    client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
    api = Api(client)
    api.certify("m-strasse", name="Jürgen STRASSE")
    api.certify("m-percent", name="Anna Lee")
    assert [m for m, _, _ in listed(page(client, "/dashboard/members?q=straße"))] == ["m-strasse"]
    assert [m for m, _, _ in listed(page(client, "/dashboard/members?q=M-P"))] == ["m-percent"]
    for literal in ("%25", "_", "%5C"):  # %, _ and \ match only themselves
        assert listed(page(client, f"/dashboard/members?q={literal}")) == []


def test_a_long_list_comes_in_pages_of_fifty_that_together_hold_it_once(service: CredentialService) -> None:
    client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
    api = Api(client)
    members = [f"p-{n:03d}" for n in range(53)]
    for member in reversed(members):  # recorded in the other order: the list is by member id
        api.certify(member, on="2024-01-10")
    first = page(client, "/dashboard/members?status=active")
    assert total(first) == 53
    assert len(listed(first)) == 50
    second = page(client, first.one("a", rel="next").attrs["href"])
    assert [m for m, _, _ in listed(first) + listed(second)] == members
    assert not second.find("a", rel="next")
    assert page(client, second.one("a", rel="prev").attrs["href"]).one(data_page="1")


def test_each_part_of_the_status_chart_lists_as_many_members_as_it_counts(client: FlaskClient) -> None:
    for on in ("2021-06-01", "2024-06-01", TODAY):
        view = page(client, f"/dashboard?on={on}")
        links = bar_links(view, "status-counts")
        assert links
        for link, count in links:
            query = parse_qs(urlsplit(link).query)
            assert query["on"] == [on]
            members = page(client, link)
            assert total(members) == len(listed(members)) == int(count)
            assert {status for _, status, _ in listed(members)} == set(query["status"])
            assert {level or "none" for _, _, level in listed(members)} == set(query["level"])


def test_each_part_of_the_audit_and_renewal_charts_lists_what_it_counts(client: FlaskClient) -> None:
    audits = bar_links(page(client, "/dashboard?year=2026"), "audits")
    assert [count for _, count in audits] == ["1"]  # m-renewed's audit, selected 2026-01-10
    audited = page(client, audits[0][0])
    assert [m for m, _, _ in listed(audited)] == ["m-renewed"]
    assert "2026-01-10" in audited.one("tr", data_member="m-renewed").text
    for year in ("2022", "2023", "2025"):
        for link, count in bar_links(page(client, f"/dashboard?year={year}"), "renewals-due"):
            assert total(page(client, link)) == int(count), link
    december = bar_links(page(client, "/dashboard?year=2025"), "renewals-due")
    assert [parse_qs(urlsplit(link).query)["renewal"] for link, _ in december] == [["renewed_on_time"]]


def test_the_tables_beside_the_charts_link_their_counts_to_the_same_lists(client: FlaskClient) -> None:
    view = page(client, "/dashboard?year=2026")
    table = view.elements.index(view.one("table", data_table="status-counts"))
    in_table = [e.attrs["href"] for e in view.elements[table:] if e.tag == "a" and "members?" in e.attrs["href"]]
    assert {link for link, _ in bar_links(view, "status-counts")} <= set(in_table)
    assert bar_links(view, "audits")[0][0] in in_table


def test_charts_whose_bars_are_links_are_groups_of_named_links_and_the_others_pictures(client: FlaskClient) -> None:
    view = page(client, "/dashboard?year=2026")
    roles = {svg.attrs["data-chart"]: svg.attrs["role"] for svg in view.find("svg")}
    assert (roles["status-counts"], roles["audits"]) == ("group", "group")
    assert page(client, "/dashboard?year=2025").one("svg", data_chart="cec-categories").attrs["role"] == "img"
    for link in view.find("a", "bar-link"):
        assert link.attrs["aria-label"].endswith(": list them")


def test_the_form_keeps_what_a_chart_asked_for_when_staff_narrow_the_list(client: FlaskClient) -> None:
    view = page(client, f"/dashboard/members?on={TODAY}&audits_selected=2026&status=inactive")
    hidden = {e.attrs["name"]: e.attrs["value"] for e in view.find("input", type="hidden")
              if e.attrs["name"] != CSRF_FIELD}  # the sign-out form's
    assert hidden == {"audits_selected": "2026"}
    assert view.one("option", value="inactive").attrs.get("selected") == ""


@pytest.mark.parametrize("query", [
    "status=gone", "on=2026-02-30", "on=tomorrow", "page=0", "page=x", "level=a%00b", "q=a%00b",
    "audit_state=passed", "audits_selected=20x6", "audits_selected=2026&audit_state=lost", "cycles_ending=2025-13",
    "renewal=not_renewed", "cycles_ending=2025-12&renewal=late", "audits_selected=2026&cycles_ending=2025-12",
])
def test_a_malformed_question_is_a_400_page_naming_it(client: FlaskClient, query: str) -> None:
    view = page(client, f"/dashboard/members?{query}", 400)
    assert view.one(data_status="400").attrs["data-code"] == "invalid_input"


@settings(max_examples=60, deadline=None)
@given(args=st.dictionaries(st.sampled_from(["q", "status", "level", "on", "page", "audits_selected", "audit_state",
                                             "cycles_ending", "renewal"]), st.text(max_size=20), max_size=4))
def test_no_question_makes_a_server_error(args: dict[str, str]) -> None:
    service = CredentialService(database_url="memory://")
    try:
        client = create_app(Settings(tokens=TOKEN_CONFIG), service).test_client()
        response = client.get("/dashboard/members", query_string=args, headers=READER)
        assert response.status_code in (200, 303, 400), response.get_data(as_text=True)[:500]
    finally:
        service.close()


def test_a_store_without_tables_lists_the_same_members_by_replaying_them(memory_service: CredentialService) -> None:
    client = create_app(Settings(tokens=TOKEN_CONFIG), memory_service).test_client()
    record_scenario(Api(client))
    assert listed(page(client, f"/dashboard/members?on={TODAY}")) == [
        ("m-active", "active", "CPT"), ("m-lapsed", "invalid", ""), ("m-renewed", "inactive", "CPT")]
