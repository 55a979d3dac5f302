"""`POST /imports` (http-api.md, "Bringing records in"; rules.md section 13): a `text/csv` body of at
most 10,000 rows, staff only; 200 with the import's report, 400 before anything is recorded for a
file that cannot be read as a whole, 413 over 10,000 rows."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import TOKENS, Api, api_on, refused
from register_support import activity, certification, register, renewal, stored
from werkzeug.test import TestResponse

from application.service import CredentialService

CONTRACT_FIELDS = {"rows", "recorded", "refused", "dry_run"}
# What the service adds (the contract allows more): rows an earlier import recorded, the members named,
# and how the file was read where a spreadsheet could have meant two things.
ADDED_FIELDS = {"already_imported", "members", "assumed"}
FILE = register(certification("c1", "m-1", "2019-05-10", name="Ada"), activity("a1", "m-1", "2020-02-03", 45),
                activity("a2", "m-1", "2021-03-03", 4, "cpr", title="CPR"), renewal("r1", "m-1", "2022-11-01"),
                activity("a3", "m-1", "2020-02-30", 5))


@pytest.fixture
def api(service: CredentialService) -> Api:
    return api_on(service)


def post_file(api: Api, data: str | bytes, *, role: str | None = "staff", **query: Any) -> TestResponse:
    headers = {"Authorization": f"Bearer {TOKENS[role]}"} if role is not None else {}
    return api.client.open("/imports", method="POST", data=data.encode() if isinstance(data, str) else data,
                           headers=headers, content_type="text/csv", query_string=query or None)


def test_an_import_answers_200_with_the_contracts_report(api: Api) -> None:
    """http-api.md: `{"rows": n, "recorded": n, "refused": [{"row_id", "line", "code", "message"}], "dry_run":
    bool}` (200; `line` is the file's line, the header being line 1)."""
    report = api.ok(post_file(api, FILE), 200)
    assert set(report) == CONTRACT_FIELDS | ADDED_FIELDS
    assert (report["rows"], report["recorded"], report["dry_run"]) == (5, 3, False)
    assert (report["already_imported"], report["members"], report["assumed"]) == (0, 1, [])
    assert [set(refusal) for refusal in report["refused"]] == [{"row_id", "line", "code", "message"}] * 2
    assert [(r["row_id"], r["line"], r["code"]) for r in report["refused"]] == [
        ("a2", 4, "not_accepted_category"), ("a3", 6, "invalid_value")]
    assert all(isinstance(r["message"], str) and r["message"] for r in report["refused"])
    assert [e["type"] for e in api.events("m-1")] == ["Certified", "ActivityClaimed", "RenewalSubmitted"]


def test_a_dry_run_answers_the_same_report_and_records_nothing(api: Api, service: CredentialService) -> None:
    """rules.md section 13: "A dry run reports the same and records nothing"."""
    dry = api.ok(post_file(api, FILE, dry_run="true"), 200)
    assert dry["dry_run"] is True
    assert stored(service) == []
    refused(api.get("/members/m-1/status"), 404)
    done = api.ok(post_file(api, FILE, dry_run="false"), 200)
    assert done["dry_run"] is False
    assert {**dry, "dry_run": False} == done


def test_importing_the_same_file_again_records_nothing_new(api: Api, service: CredentialService) -> None:
    api.ok(post_file(api, FILE), 200)
    before = stored(service)
    again = api.ok(post_file(api, FILE), 200)
    assert (again["recorded"], again["already_imported"], len(again["refused"])) == (0, 3, 2)
    assert stored(service) == before


def test_a_rows_recorded_at_is_the_facts_recorded_at_in_the_history(api: Api) -> None:
    """rules.md section 13: a row may carry when the old register learned the fact; times are answered in UTC."""
    api.ok(post_file(api, register(certification("c1", "m-1", "2019-05-10", recorded_at="2019-05-11T10:00:00+02:00"))),
           200)
    assert [e["recorded_at"] for e in api.events("m-1")] == ["2019-05-11T08:00:00+00:00"]
    before = api.ok(api.get("/members/m-1/status", on="2019-06-01", known_at="2019-05-11T07:59:59Z"), 200)
    assert before["status"] == "not_certified"


def test_the_report_says_how_a_spreadsheets_file_was_read(api: Api) -> None:
    report = api.ok(post_file(api, "\ufeff" + register(certification("c1", "m-1", "2019-05-10"),
                                                       activity("a1", "m-1", "2020-02-03", "1,5"), delimiter=";")), 200)
    assert report["assumed"] == [
        "the file is UTF-8 with a byte order mark",
        "the columns are separated by semicolons; decimal commas in hours, units, credit_hours, fee_paid are read as "
        "decimal points"]
    assert (report["recorded"], report["refused"]) == (2, [])
    claimed = api.events("m-1")[1]
    assert claimed["data"]["hours"] == 1.5


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty_file"),
    (FILE.replace("row_id,", "", 1), "missing_columns"),
    (FILE.replace("title", "colour"), "unknown_columns"),
    (FILE.replace("r1,", "c1,"), "duplicate_row_id"),
    (FILE.encode() + "a4,m-1,activity,2020-02-04,,,acsm_workshop,Café,5\r\n".encode("latin-1"), "bad_encoding"),
    (FILE + 'a4,m-1,activity,2020-02-04,,,acsm_workshop,"Open,5\r\n', "malformed_csv"),
])
def test_a_file_that_cannot_be_read_as_a_whole_answers_400_and_records_nothing(
        api: Api, service: CredentialService, data: str | bytes, code: str) -> None:
    """http-api.md: "A file that cannot be read as a whole (missing or unknown columns, duplicate `row_id`, bad
    encoding) is refused with 400 before anything is recorded"."""
    error = refused(post_file(api, data), 400, code)
    assert error["message"]
    assert stored(service) == []


def test_more_than_10000_rows_answer_413_and_record_nothing(api: Api, service: CredentialService) -> None:
    """http-api.md: "a `text/csv` body of at most 10,000 rows"."""
    rows = "".join(f"r{n},m-{n},audit_selection,2023-01-16\r\n" for n in range(10_001))
    error = refused(post_file(api, "row_id,member_id,fact,date\r\n" + rows), 413, "too_many_rows")
    assert error["details"] == {"max_rows": 10_000}
    assert "credentials import" in error["message"]
    assert stored(service) == []


@pytest.mark.parametrize("role", ["auditor", "reporter", "provider"])
def test_only_staff_may_import(api: Api, service: CredentialService, role: str) -> None:
    """http-api.md: `POST /imports?dry_run=true|false` (staff); a role without the right → 403."""
    refused(post_file(api, FILE, role=role), 403, "forbidden")
    refused(post_file(api, FILE, role=role, dry_run="true"), 403, "forbidden")
    assert stored(service) == []


def test_an_import_without_a_token_answers_401(api: Api, service: CredentialService) -> None:
    refused(post_file(api, FILE, role=None), 401, "unauthorized")
    assert stored(service) == []


def test_dry_run_is_true_or_false(api: Api, service: CredentialService) -> None:
    refused(post_file(api, FILE, dry_run="perhaps"), 400, "invalid_input")
    refused(post_file(api, FILE, dryrun="true"), 400, "invalid_input")
    assert stored(service) == []


def test_the_import_is_documented_with_its_csv_body_and_no_idempotency_key(api: Api) -> None:
    """An import's refused rows are in its 200 answer (no 409 or 422), and it is idempotent by its rows' ids."""
    operation = api.ok(api.get("/openapi.json", role=None), 200)["paths"]["/imports"]["post"]
    assert operation["requestBody"]["content"] == {"text/csv": {"schema": {"type": "string"}}}
    assert {"200", "400", "401", "403", "413"} <= set(operation["responses"])
    assert not {"409", "422"} & set(operation["responses"])
    assert [(p["name"], p["in"]) for p in operation["parameters"]] == [("dry_run", "query")]
