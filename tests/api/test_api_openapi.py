"""/openapi.json describes exactly the routes served, with their security and refusals."""

from __future__ import annotations

import re

import pytest
from api_support import Api, api_on

from web.openapi import is_api_route

PUBLIC = {"/health", "/openapi.json"}


@pytest.fixture
def api(make_service) -> Api:
    return api_on(make_service())


@pytest.fixture
def spec(api: Api) -> dict:
    response = api.get("/openapi.json", role=None)
    assert response.status_code == 200
    document: dict = response.get_json()
    return document


def test_every_flask_route_is_documented_and_nothing_else(api: Api, spec: dict) -> None:
    served = set()
    for rule in api.client.application.url_map.iter_rules():
        if not is_api_route(rule.endpoint):  # the staff pages, HTML outside the contract
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert served == documented


def test_the_contract_paths_are_all_there(spec: dict) -> None:
    assert set(spec["paths"]) == {
        "/members/{member_id}/certifications", "/members/{member_id}/activities", "/members/{member_id}/renewals",
        "/members/{member_id}/audits", "/members/{member_id}/audits/current/documentation", "/audits/selections",
        "/members/{member_id}/status", "/members/{member_id}/history", "/reports/status-counts",
        "/reports/renewals-due", "/reports/audits", "/reports/cec-categories", "/health", "/openapi.json",
        "/members/{member_id}/withdrawals", "/members/{member_id}/activities/{activity_id}/amendments",
        "/members/{member_id}/revisions", "/policy", "/policy/versions", "/policy/versions/{version}/withdrawal",
        "/reports/revisions", "/worklists/due", "/reminders/runs", "/reminders", "/members/{member_id}/what-if",
        "/members/{member_id}/export",
        "/rosters", "/imports",
    }
    assert spec["openapi"].startswith("3.")


def test_security_is_bearer_everywhere_but_health_and_openapi(spec: dict) -> None:
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    for path, item in spec["paths"].items():
        for operation in item.values():
            if path in PUBLIC:
                assert operation["security"] == []
            else:
                assert operation["security"] == [{"bearerAuth": []}]
                assert {"401", "403"} <= set(operation["responses"])


def test_error_responses_are_documented_with_the_error_shape(spec: dict) -> None:
    error_ref = {"$ref": "#/components/schemas/ErrorDocument"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"400", "500"} <= set(responses), (path, method)
            for status, response in responses.items():
                if int(status) >= 400 and path != "/health":
                    assert response["content"]["application/json"]["schema"] == error_ref
            # What-if records nothing: it takes no key, and its refusals are in its answer. An import's
            # refused rows are in its answer too, and it is idempotent by its rows' ids, not by a key.
            if method == "post" and not path.endswith("/what-if") and path != "/imports":
                assert {"409", "422"} <= set(responses), path
                assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])


def test_the_status_document_schema_has_the_contract_fields(spec: dict) -> None:
    status = spec["components"]["schemas"]["StatusDocument"]
    assert {"member_id", "on", "known_at", "status", "certifications", "level", "cycle", "grace_ends_on", "audit",
            "renewal_fee", "reason", "policy_version"} <= set(status["required"])
    assert status["properties"]["status"]["enum"] == ["not_certified", "active", "inactive", "invalid"]
    activity = spec["components"]["schemas"]["ActivityOutcome"]
    assert set(activity["properties"]) == {"activity_id", "cecs_awarded", "status"}


def test_reports_document_their_csv(spec: dict) -> None:
    for path in ("/reports/status-counts", "/reports/renewals-due", "/reports/audits", "/reports/cec-categories",
                 "/reports/revisions"):
        assert "text/csv" in spec["paths"][path]["get"]["responses"]["200"]["content"]


def test_bodies_refuse_unknown_fields_in_the_description_too(spec: dict) -> None:
    schemas = spec["components"]["schemas"]
    for name in ("CertificationBody", "ActivityBody", "RenewalBody", "AuditBody", "DocumentationBody",
                 "SelectionBody", "WithdrawalBody", "AmendmentBody", "AdoptionBody", "VersionWithdrawalBody",
                 "RosterBody"):
        assert schemas[name]["additionalProperties"] is False


def test_the_draw_seed_is_documented_as_a_string_or_an_integer(spec: dict) -> None:
    """http-api.md, POST /audits/selections: `seed` (a string or an integer)."""
    seed = spec["components"]["schemas"]["SelectionBody"]["properties"]["seed"]
    assert [option["type"] for option in seed["oneOf"]] == ["string", "integer"]
    assert "type" not in seed


def test_history_events_document_their_fact_id_and_withdrawn_by(spec: dict) -> None:
    """http-api.md 1.1: every history event gains `fact_id` and `withdrawn_by`."""
    event = spec["components"]["schemas"]["HistoryEvent"]
    assert {"fact_id", "withdrawn_by"} <= set(event["required"])
    assert {"FactWithdrawnData", "ActivityAmendedData"} <= set(spec["components"]["schemas"])


def test_corrections_and_policy_changes_document_their_refusals(spec: dict) -> None:
    """http-api.md 1.1: 404 unknown member or activity, 422 for rule refusals; 409 `version_exists`; 404 unknown
    version."""
    paths = spec["paths"]
    for path in ("/members/{member_id}/withdrawals", "/members/{member_id}/activities/{activity_id}/amendments",
                 "/policy/versions/{version}/withdrawal"):
        assert {"404", "409", "422"} <= set(paths[path]["post"]["responses"]), path
    assert {"201", "409", "422"} <= set(paths["/policy/versions"]["post"]["responses"])
    assert "200" in paths["/policy/versions/{version}/withdrawal"]["post"]["responses"]


def test_revision_spans_are_documented_with_from_and_through(spec: dict) -> None:
    """http-api.md 1.1, Revisions: `changes` are `{"from", "through", "before", "after"}`."""
    change = spec["components"]["schemas"]["ChangeDocument"]
    assert set(change["required"]) == {"from", "through", "before", "after"}
