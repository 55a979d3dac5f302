"""The reports: JSON and CSV over HTTP, and the projection functions' exact answers."""

from __future__ import annotations

import csv
import io
from datetime import date

import psycopg
import pytest
from api_support import Api, api_on, refused

from application.settings import Settings
from domain.policy import FAQ_ERA, PolicyBook
from domain.policy import amended as amended_policy
from entrypoints.cli import main
from projections.replayed import ReplayQueries
from web import create_app
from web.openapi import operations
from web.services import EXTENSION


@pytest.fixture
def api(make_service) -> Api:
    return api_on(make_service())


@pytest.fixture
def population(api: Api) -> Api:
    """m-renewed: CPT 2022, renewed on time 2025-06-01; m-late: CPT 2022, renewed in grace
    2026-03-01; m-lapsed: CPT 2022, never renewed (invalid from 2026-07-01);
    m-new: EP-C 2024 with a college course; m-audited: renewed 2025, audited 2026."""
    api.renewed_member("m-renewed", "2025-06-01")
    api.certify("m-late", "CPT", "2022-03-01")
    api.workshop("m-late", "2023-05-01", 45)
    api.ok(api.post("/members/m-late/renewals", {"submitted_on": "2026-03-01"}))
    api.certify("m-lapsed", "CPT", "2022-03-01")
    api.workshop("m-lapsed", "2023-05-01", 12.5)
    api.certify("m-new", "EP-C", "2024-03-01")
    api.ok(api.post("/members/m-new/activities", {"category": "college_course", "title": "Physiology",
                                                  "completed_on": "2025-05-20", "credit_hours": 3, "grade": "B",
                                                  "evidence": "transcript"}))
    api.renewed_member("m-audited", "2025-09-01")
    api.ok(api.post("/members/m-audited/audits", {"selected_on": "2026-03-01"}))
    api.ok(api.post("/members/m-audited/audits/current/documentation", {"received_on": "2026-03-10", "rejected": []}))
    return api


def test_status_counts_by_status_and_level(population: Api) -> None:
    on_day = population.ok(population.get("/reports/status-counts", on="2026-02-01", role="reporter"), 200)
    assert on_day["on"] == "2026-02-01"
    assert on_day["members"] == 5
    assert on_day["by_status"] == {"not_certified": 0, "active": 3, "inactive": 2, "invalid": 0}
    assert on_day["rows"] == [
        {"status": "active", "level": "CPT", "members": 2},
        {"status": "active", "level": "EP-C", "members": 1},
        {"status": "inactive", "level": "CPT", "members": 2},
    ]
    today = population.ok(population.get("/reports/status-counts", role="reporter"), 200)
    assert today["on"] == "2026-11-28"
    assert today["by_status"] == {"not_certified": 0, "active": 4, "inactive": 0, "invalid": 1}
    early = population.ok(population.get("/reports/status-counts", on="2023-01-01"), 200)
    assert early["by_status"]["not_certified"] == 1


def test_renewals_due_by_month_with_late_ones(population: Api) -> None:
    report = population.ok(population.get("/reports/renewals-due", year=2025, role="reporter"), 200)
    assert (report["year"], report["due"], report["renewed"]) == (2025, 4, 3)
    december = report["months"][11]
    assert december == {"month": 12, "due": 4, "renewed": 3, "renewed_late": 1, "not_renewed": 1}
    assert all(m["due"] == 0 for m in report["months"][:11])
    assert population.ok(population.get("/reports/renewals-due", year=2027), 200)["due"] == 1  # m-new


def test_audits_by_state(population: Api) -> None:
    report = population.ok(population.get("/reports/audits", year=2026, role="reporter"), 200)
    assert report["selected"] == 1
    assert {row["state"]: row["audits"] for row in report["by_state"]}["passed"] == 1
    assert population.ok(population.get("/reports/audits", year=2025), 200)["selected"] == 0


def test_an_audit_failed_and_then_cleared_by_a_new_exam_still_counts_as_failed(api: Api) -> None:
    api.certify("m-1", "CPT", "2021-03-01")  # cycle to 2024-12-31
    for day in ("2022-02-01", "2022-09-01", "2023-04-01"):
        api.workshop("m-1", day, 15)
    api.ok(api.post("/members/m-1/renewals", {"submitted_on": "2024-06-01"}))
    api.ok(api.post("/members/m-1/audits", {"selected_on": "2025-02-01"}))  # no proof: invalid from 2026-03-04
    api.certify("m-1", "CPT", "2026-05-01")  # passing the exam again clears the audit
    assert api.ok(api.get("/members/m-1/status"), 200)["audit"] is None
    report = api.ok(api.get("/reports/audits", year=2025), 200)
    assert {row["state"]: row["audits"] for row in report["by_state"]} == {
        "awaiting_proof": 0, "passed": 0, "replacement_due": 0, "proof_overdue": 0, "replacement_overdue": 0,
        "failed": 1,
    }


def test_cec_categories(population: Api) -> None:
    report = population.ok(population.get("/reports/cec-categories", year=2023, role="reporter"), 200)
    # Two 15-CEC workshops for each of the two renewed members, 45 for m-late, 12.5 for m-lapsed.
    assert report["categories"] == [{"category": "acsm_workshop", "claims": 6, "members": 4, "cecs": 117.5}]
    assert (report["claims"], report["cecs"]) == (6, 117.5)
    college = population.ok(population.get("/reports/cec-categories", year=2025), 200)["categories"]
    assert college == [{"category": "college_course", "claims": 1, "members": 1, "cecs": 30}]


@pytest.mark.parametrize(("path", "header"), [
    ("/reports/status-counts?on=2026-02-01", "status,level,members"),
    ("/reports/renewals-due?year=2025", "month,due,renewed,renewed_late,not_renewed"),
    ("/reports/audits?year=2026", "state,audits"),
    ("/reports/cec-categories?year=2023", "category,claims,members,cecs"),
])
def test_each_report_is_also_csv(population: Api, path: str, header: str) -> None:
    response = population.call("GET", path, role="reporter", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert ",".join(rows[0]) == header
    assert len(rows) > 1


def test_csv_of_an_empty_report_still_has_its_header(api: Api) -> None:
    response = api.call("GET", "/reports/cec-categories?year=2020", headers={"Accept": "text/csv"})
    assert response.get_data(as_text=True) == "category,claims,members,cecs\r\n"


@pytest.mark.parametrize("query", ["", "?year=twenty", "?year=1800", "?year=2025&month=1", "?year=2025.5"])
def test_a_bad_year_answers_400(api: Api, query: str) -> None:
    refused(api.get(f"/reports/renewals-due{query}"), 400, "invalid_input")


def test_a_report_counts_a_fact_recorded_just_before_it_with_no_follower_running(api: Api) -> None:
    api.certify("m-first", "CPT", "2024-01-10")
    before = api.ok(api.get("/reports/status-counts", on="2024-06-01"), 200)
    api.certify("m-second", "EP-C", "2024-02-10")
    after = api.ok(api.get("/reports/status-counts", on="2024-06-01"), 200)
    assert (before["members"], after["members"]) == (1, 2)


def test_a_report_counts_facts_another_process_recorded(make_service) -> None:
    reader, writer = api_on(make_service()), api_on(make_service())
    reader.ok(reader.get("/reports/cec-categories", year=2024), 200)  # the reader's tables are open now
    writer.certify("m-1", "CPT", "2024-01-10")
    writer.workshop("m-1", "2024-03-01", 8)
    answer = reader.ok(reader.get("/reports/cec-categories", year=2024), 200)
    assert [(c["category"], c["cecs"]) for c in answer["categories"]] == [("acsm_workshop", 8)]


def test_reports_answer_503_while_the_tables_are_too_far_behind_for_a_request(make_service, monkeypatch) -> None:
    monkeypatch.setattr("projections.reading.INLINE_LIMIT", 3)
    api = api_on(make_service())
    for member in ("m-1", "m-2", "m-3"):
        api.certify(member, "CPT", "2024-01-10")
    error = refused(api.get("/reports/status-counts", on="2024-06-01"), 503, "read_models_behind")
    assert error["details"] == {"position": 0, "max_notification_id": 6, "current_policy": True}


def test_once_caught_up_from_the_command_line_the_reports_answer_again(backend, make_service, monkeypatch) -> None:
    monkeypatch.setattr("projections.reading.INLINE_LIMIT", 3)
    api = api_on(make_service())
    for member in ("m-1", "m-2", "m-3"):
        api.certify(member, "CPT", "2024-01-10")
    refused(api.get("/reports/status-counts", on="2024-06-01"), 503, "read_models_behind")
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", backend)
    assert main(["projections", "catch-up"]) == 0
    answer = api.ok(api.get("/reports/status-counts", on="2024-06-01"), 200)
    assert answer["by_status"]["active"] == 3


def test_a_report_after_the_database_dropped_its_connections_reconnects(backend, make_service) -> None:
    if not backend.startswith("postgresql"):
        pytest.skip("only a database server drops connections")
    api = api_on(make_service())
    api.certify("m-1", "CPT", "2024-01-10")
    assert api.ok(api.get("/reports/status-counts", on="2024-06-01"), 200)["members"] == 1
    with psycopg.connect(backend, autocommit=True) as admin:  # as a restart or an idle timeout would
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert api.ok(api.get("/reports/status-counts", on="2024-06-01"), 200)["members"] == 1


def test_reports_answer_503_when_the_tables_follow_another_policy_book(make_service) -> None:
    api = api_on(make_service())
    api.certify("m-1", "CPT", "2024-01-10")
    api.ok(api.get("/reports/status-counts", on="2024-06-01"), 200)  # the tables follow the default book
    amended = PolicyBook((FAQ_ERA, amended_policy(FAQ_ERA, "2015", date(2015, 1, 1), grace_months=3)))
    error = refused(api_on(make_service(policy=amended)).get("/reports/status-counts", on="2024-06-01"),
                    503, "read_models_behind")
    assert error["details"]["current_policy"] is False


def test_after_a_version_is_adopted_the_reports_answer_under_it_and_after_its_withdrawal_as_before(
        population: Api, make_service) -> None:
    """rules.md section 9: a version adopted with a past effective date changes the answers from its
    adoption on (here three months of grace from 2015: m-lapsed invalid from 2026-04-01, not
    2026-07-01); withdrawn, it governs nothing. The reports follow both with no catch-up run."""
    staff = make_service()  # another process of the service, sharing the store

    def replayed_by_status() -> dict[str, int]:
        histories = [staff.credential(member).history for member in staff.member_ids()]
        return ReplayQueries(histories, staff.book()).status_counts(date(2026, 5, 1)).by_status

    before = population.ok(population.get("/reports/status-counts", on="2026-05-01", role="reporter"), 200)
    staff.adopt_policy_version("2015-01-01", date(2015, 1, 1), {"grace_months": 3})
    adopted = population.ok(population.get("/reports/status-counts", on="2026-05-01", role="reporter"), 200)
    assert adopted["by_status"] == replayed_by_status()
    assert (adopted["by_status"]["inactive"], adopted["by_status"]["invalid"]) == (
        before["by_status"]["inactive"] - 1, before["by_status"]["invalid"] + 1)
    staff.withdraw_policy_version("2015-01-01", "adopted in error")
    withdrawn = population.ok(population.get("/reports/status-counts", on="2026-05-01", role="reporter"), 200)
    assert withdrawn == before
    assert withdrawn["by_status"] == replayed_by_status()


# Every operation that answers CSV, with parameters to ask it by, and the file its CSV is named as.
CSV_ASKED = {
    "/reports/status-counts": ({"on": "2026-02-01"}, "status-counts-on-2026-02-01.csv"),
    "/reports/renewals-due": ({"year": "2025"}, "renewals-due-year-2025.csv"),
    "/reports/audits": ({"year": "2026"}, "audits-year-2026.csv"),
    "/reports/cec-categories": ({"year": "2023"}, "cec-categories-year-2023.csv"),
    "/reports/revisions": ({"recorded_from": "2026-01-01T00:00:00+00:00"},
                           "revisions-recorded_from-2026-01-01T00_00_00_00_00.csv"),
    "/worklists/due": ({"on": "2026-02-01", "within": "400"}, "worklists-due-on-2026-02-01-within-400.csv"),
    "/reminders": ({"issued_from": "2025-01-01"}, "reminders-issued_from-2025-01-01.csv"),
}


def test_every_operation_that_answers_csv_is_checked_for_format_csv() -> None:
    """A new CSV answer must be asked for with `format=csv` too: it joins the checks below."""
    answering_csv = {path for path, _, op in operations(create_app(Settings(tokens=""))) if op.csv_rows is not None}
    assert answering_csv == set(CSV_ASKED)


@pytest.mark.parametrize("path", sorted(CSV_ASKED))
def test_format_csv_gives_the_same_csv_as_accept_text_csv_as_a_named_attachment(population: Api, path: str) -> None:
    """A link or a spreadsheet cannot set `Accept`: `?format=csv` gives the very same CSV, as a file
    named after the report and its parameters, in characters safe in any file system."""
    query, filename = CSV_ASKED[path]
    by_accept = population.call("GET", path, headers={"Accept": "text/csv"}, **query)
    by_format = population.call("GET", path, format="csv", **query)
    assert (by_accept.status_code, by_format.status_code) == (200, 200)
    assert by_format.mimetype == "text/csv"
    assert by_format.get_data(as_text=True) == by_accept.get_data(as_text=True)
    assert by_format.get_data(as_text=True).count("\r\n") >= 1  # the header at least
    assert by_format.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert by_accept.headers["Content-Disposition"] == by_format.headers["Content-Disposition"]


def test_a_csv_asked_with_no_parameters_is_named_after_the_report_alone(population: Api) -> None:
    """With no parameter given, the file is named by the report only."""
    response = population.get("/reports/status-counts", format="csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="status-counts.csv"'


def test_format_json_gives_json_even_when_accept_prefers_csv(population: Api) -> None:
    """`format` is what the caller chose explicitly, so it wins over the `Accept` header."""
    response = population.call("GET", "/reports/status-counts", headers={"Accept": "text/csv"}, format="json",
                               on="2026-02-01")
    assert (response.status_code, response.mimetype) == (200, "application/json")
    assert response.get_json() == population.ok(population.get("/reports/status-counts", on="2026-02-01"), 200)
    assert "Content-Disposition" not in response.headers


@pytest.mark.parametrize("value", ["xml", "CSV", "", "csv "])
def test_a_bad_format_is_refused_with_400_and_changes_nothing(population: Api, value: str) -> None:
    """Only `json` and `csv` are formats; anything else is the contract's 400 `invalid_input`,
    naming `format`, and nothing is recorded."""
    recorder = population.client.application.extensions[EXTENSION].get().recorder
    recorded = recorder.max_notification_id()
    error = refused(population.get("/reports/status-counts", format=value, on="2026-02-01"), 400, "invalid_input")
    assert list(error["details"]) == ["format"]
    assert recorder.max_notification_id() == recorded


def test_a_bad_format_is_told_with_the_other_parameters_problems(api: Api) -> None:
    """One answer names every bad parameter, `format` among them."""
    error = refused(api.get("/reports/renewals-due", format="pdf", year="twenty"), 400, "invalid_input")
    assert set(error["details"]) == {"format", "year"}


def test_format_is_refused_where_no_csv_is_answered(api: Api) -> None:
    """An operation without a CSV answer takes no `format`: like any unknown parameter, a 400."""
    api.certify("m-1", "CPT", "2024-01-10")
    error = refused(api.get("/members/m-1/status", format="json"), 400, "invalid_input")
    assert list(error["details"]) == ["format"]
