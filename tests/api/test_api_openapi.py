"""/openapi.json describes exactly the routes served, with their security and refusals."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest
from api_support import Api, api_on
from openapi_spec_validator import validate

from application.settings import Settings
from domain.events import CredentialFact, CredentialOpened, Evidence
from domain.policy import FAQ_ERA, CategoryRule, PolicyBook
from web import create_app
from web.openapi import is_api_route, operations
from web.schemas.documents import HISTORY_EVENTS
from web.schemas.events import DATA_SCHEMAS
from web.services import EXTENSION

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
    """http-api.md 1.1: every history event gains `fact_id` and `withdrawn_by`, whatever its type."""
    schemas = spec["components"]["schemas"]
    for variant in schemas["HistoryEvent"]["oneOf"]:
        event = schemas[variant["$ref"].rpartition("/")[2]]
        assert {"fact_id", "withdrawn_by"} <= set(event["required"]), variant
    assert {"FactWithdrawnData", "ActivityAmendedData"} <= set(schemas)


def test_the_served_document_is_a_valid_openapi_document(spec: dict) -> None:
    """Generators and validators refuse an invalid document (a `"default": null` on a string
    parameter was one): it must pass the reference validator, whole."""
    validate(spec)


def test_history_events_are_a_one_of_discriminated_by_type(spec: dict) -> None:
    """A generated client reads each event as its own class, with its data typed by the schema
    that dumps it, only when the document says which `type` is which schema."""
    schemas = spec["components"]["schemas"]
    assert spec["paths"]["/members/{member_id}/history"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"] == {"$ref": "#/components/schemas/HistoryDocument"}
    assert schemas["HistoryDocument"]["properties"]["events"]["items"] == {"$ref": "#/components/schemas/HistoryEvent"}
    union = schemas["HistoryEvent"]
    mapping = union["discriminator"]["mapping"]
    assert union["discriminator"]["propertyName"] == "type"
    assert [{"$ref": ref} for ref in mapping.values()] == union["oneOf"]
    listed = {fact.__name__ for fact in DATA_SCHEMAS if fact is not CredentialOpened}  # the history omits it
    assert set(mapping) == listed
    for fact_type, ref in mapping.items():
        event = schemas[ref.rpartition("/")[2]]
        assert event["properties"]["type"]["enum"] == [fact_type]
        data_schema = type(DATA_SCHEMAS[next(f for f in DATA_SCHEMAS if f.__name__ == fact_type)]).__name__
        assert event["properties"]["data"] == {"$ref": f"#/components/schemas/{data_schema}"}


def test_every_fact_type_has_a_typed_history_event() -> None:
    """An event type without its own schema would be dumped generically, outside the documented
    oneOf, and a generated client would fail to read the whole history."""
    def subclasses(cls: type) -> set[type]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}

    assert {fact for fact in subclasses(CredentialFact) if fact is not CredentialOpened} == {
        fact for fact in DATA_SCHEMAS if fact.__name__ in HISTORY_EVENTS}


def test_categories_and_certifications_are_enums_of_the_policy_book(spec: dict) -> None:
    """A client picks a category or a certification from the terms the book defines; refused
    categories are listed too, as the contract answers them 422 `not_accepted_category`."""
    schemas = spec["components"]["schemas"]
    categories = sorted({*FAQ_ERA.categories, *FAQ_ERA.refused_categories})
    certifications = sorted(FAQ_ERA.certifications)
    for schema in ("ActivityBody", "AmendmentBody", "ActivityClaimedData", "ActivityAmendedData"):
        assert schemas[schema]["properties"]["category"]["enum"] == categories, schema
    for schema in ("CertificationBody", "CertifiedData"):
        assert schemas[schema]["properties"]["certification"]["enum"] == certifications, schema
    assert schemas["ActivityBody"]["properties"]["evidence"]["enum"] == [e.value for e in Evidence]


def test_the_policy_enums_come_from_the_book_the_service_runs_with(make_service) -> None:
    """The document is built per app from the book its service holds, every version of it, so a
    term only a later version knows is offered too."""
    wider = replace(FAQ_ERA, version="2030-01-01", effective_from=date(2030, 1, 1),
                    categories={**FAQ_ERA.categories, "podcast": CategoryRule("podcast", "certificate")},
                    certifications={**FAQ_ERA.certifications, "XCPT": FAQ_ERA.certifications["CPT"]})
    api = api_on(make_service(policy=PolicyBook((FAQ_ERA, wider))))
    schemas = api.ok(api.get("/openapi.json", role=None), 200)["components"]["schemas"]
    assert "podcast" in schemas["ActivityBody"]["properties"]["category"]["enum"]
    assert "XCPT" in schemas["CertifiedData"]["properties"]["certification"]["enum"]


def test_the_document_is_built_again_when_the_book_names_other_terms(api: Api) -> None:
    """The document follows the book as read when it is served, not as at the first request. No
    adoption can add a term today (domain.policy_changes), so the service's book is swapped here;
    a version that could would show in the next document."""
    first = api.ok(api.get("/openapi.json", role=None), 200)
    provider = api.client.application.extensions[EXTENSION]
    book = provider.get().policy
    wider = replace(FAQ_ERA, version="2030-01-01", effective_from=date(2030, 1, 1),
                    categories={**FAQ_ERA.categories, "podcast": CategoryRule("podcast", "certificate")})
    provider.get().policy = PolicyBook((*book.versions, wider))
    assert api.ok(api.get("/openapi.json", role=None), 200) != first
    provider.get().policy = book
    assert api.ok(api.get("/openapi.json", role=None), 200) == first


def test_csv_answers_document_the_format_parameter_and_their_csv(spec: dict) -> None:
    """`format=csv` is how a link or a spreadsheet asks for CSV: every operation that answers CSV
    documents it, and only those take it."""
    for path, _, op in operations(create_app(Settings(tokens=""))):
        operation = spec["paths"][path][op.method.lower()]
        formats = [p for p in operation["parameters"] if p["name"] == "format"]
        if op.csv_rows is None:
            assert formats == [], path
            continue
        assert formats == [{"in": "query", "name": "format", "required": False, "description": formats[0][
            "description"], "schema": {"type": "string", "enum": ["json", "csv"]}}], path
        assert operation["responses"]["200"]["content"]["text/csv"]["schema"]["type"] == "string"


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


def test_the_document_is_served_while_the_store_is_down() -> None:
    """Describing the API needs no storage: with the store unreachable, the document is still
    served, valid, its policy enums from the built-in book."""
    client = create_app(Settings(database_url="postgresql://root@127.0.0.1:9/nothing", tokens="")).test_client()
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["components"]["schemas"]["CertificationBody"]["properties"]["certification"]["enum"] == sorted(
        FAQ_ERA.certifications)
