"""/openapi.json, generated from the endpoint declarations and their marshmallow schemas.

Every Flask route is described from its `Operation`, so a route cannot be served without
being documented (a test checks it), and the schemas documented are those that validate
and dump.

Two things are documented from more than the schemas' declarations, by attribute functions of
the marshmallow converter reading the fields themselves: a `PolicyTerm` (an activity category,
a certification code) is an enum of every term of the policy book known when the document is
served, so the document is built again when an adopted version changes them (`served_spec`);
and a `TypedEvent` (a history event) is the `oneOf` of its variants, discriminated by `type`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import fields

from domain.policy import DEFAULT_POLICY, Policy
from web.endpoint import CSV, JSON, Operation
from web.fields import CATEGORIES, CERTIFICATIONS, PolicyTerm
from web.schemas.documents import TypedEvent
from web.schemas.errors import ErrorDocument
from web.schemas.events import DATA_SCHEMAS
from web.schemas.parameters import IDEMPOTENCY_KEY, FormatQuery, NoQuery
from web.services import EXTENSION, ServiceProvider

log = logging.getLogger(__name__)

TITLE = "Credential lifecycle service"
CONTRACT_VERSION = "1"

ERROR_MEANINGS = {
    400: "Malformed: bad JSON, a bad date, an unknown field or parameter, a wrong type.",
    401: "No token, or a token that is not recognised.",
    403: "The token's role may not do this.",
    404: "Not found: no credential is recorded for this member (`member_not_found`), or no such activity "
         "(`activity_not_found`) or policy version (`policy_version_not_found`).",
    409: "Another request changed the member (or the policy register) at the same time, safe to retry; or the "
         "policy version's name is taken (`version_exists`).",
    413: "The body is larger than the operation takes (`body_too_large`), whatever its transfer encoding.",
    414: "The request target (path and query) is longer than any request needs (`uri_too_long`).",
    422: "Well-formed, but refused by a rule; `code` names the rule.",
    431: "The request headers are larger than any request needs (`headers_too_large`).",
    500: "Unexpected; the body carries a request id, the cause is logged.",
    503: "The event store is not answering (`storage_unavailable`), or, for reports, the report tables are "
         "still catching up with it (`read_models_behind`); retry later.",
}


def _path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _errors(op: Operation) -> dict[str, Any]:
    statuses = {400, 414, 431, 500, 503, *op.refusals} - set(op.also)  # 414, 431: web.limits, before any endpoint
    if op.permission is not None:
        statuses |= {401, 403}
    if op.body is not None or op.raw_body is not None:
        statuses.add(413)
    return {
        str(status): {"description": ERROR_MEANINGS[status], "content": {JSON: {"schema": ErrorDocument}}}
        for status in sorted(statuses)
    }


def _operation(endpoint: str, op: Operation) -> dict[str, Any]:
    content: dict[str, Any] = {JSON: {"schema": op.answer}}
    if op.csv_rows is not None:
        content[CSV] = {"schema": {
            "type": "string",
            "description": f"the `{op.csv_rows}` as CSV rows, a header first, columns in the order of the JSON "
                           "rows' fields; asked for with `format=csv` (or `Accept: text/csv`), and sent as an "
                           "attachment (`Content-Disposition`) named after the operation and its parameters",
        }}
    parameters: list[dict[str, Any]] = []
    if op.path is not None:
        parameters.append({"in": "path", "schema": op.path})
    if op.query is not NoQuery:
        parameters.append({"in": "query", "schema": op.query})
    if op.csv_rows is not None:
        parameters.append({"in": "query", "schema": FormatQuery})
    if op.idempotent:
        parameters.append({
            "in": "header", "name": IDEMPOTENCY_KEY, "required": False,
            "description": "a repeated key returns the first answer and records nothing new",
            "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,200}$"},
        })
    operation: dict[str, Any] = {
        "summary": op.summary,
        "tags": [op.tag],
        "operationId": endpoint,
        "parameters": parameters,
        "responses": {
            **{str(status): {"description": op.summary, "content": content} for status in (op.status, *op.also)},
            **_errors(op),
        },
        "security": [{"bearerAuth": []}] if op.permission is not None else [],
    }
    if op.description or op.permission is not None:
        roles = f"Needs the `{op.permission.value}` permission." if op.permission is not None else ""
        operation["description"] = " ".join(filter(None, [op.description, roles]))
    if op.body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": op.body}}}
    if op.raw_body is not None:
        operation["requestBody"] = {"required": True, "content": {op.raw_body: {"schema": {"type": "string"}}}}
    return operation


# The staff pages and the API reference are HTML for people (web.dashboard, web.routes.docs), not part
# of the JSON contract.
PAGE_BLUEPRINTS = frozenset({"dashboard", "api_docs"})


def is_api_route(endpoint: str) -> bool:
    return endpoint.partition(".")[0] not in PAGE_BLUEPRINTS


def operations(app: Flask) -> list[tuple[str, str, Operation]]:
    """(OpenAPI path, endpoint name, operation) for every API route of `app`."""
    found = []
    for rule in app.url_map.iter_rules():
        if not is_api_route(rule.endpoint):
            continue
        op = getattr(app.view_functions[rule.endpoint], "operation", None)
        if op is None:
            raise LookupError(f"route {rule.rule} has no operation declaration, so it cannot be documented")
        found.append((_path(rule.rule), rule.endpoint, op))
    return found


PolicyTerms = Mapping[str, tuple[str, ...]]


def policy_terms(policies: Iterable[Policy]) -> dict[str, tuple[str, ...]]:
    """Every activity category (accepted or refused) and certification code any of `policies` names.

    All versions, withdrawn ones too, not only the one in force today: a claim is judged by the
    version in force on its own date, and a history lists facts recorded under every version, so
    an enum of today's terms alone would refuse (in a generated client) answers the service gives.
    Refused categories are listed too: the contract answers them 422 `not_accepted_category`."""
    categories: set[str] = set()
    certifications: set[str] = set()
    for policy in policies:
        categories |= {*policy.categories, *policy.refused_categories}
        certifications |= set(policy.certifications)
    return {CATEGORIES: tuple(sorted(categories)), CERTIFICATIONS: tuple(sorted(certifications))}


def _policy_enum(terms: PolicyTerms) -> Callable[..., dict[str, Any]]:
    def policy_enum(converter: Any, field: fields.Field[Any], **_: Any) -> dict[str, Any]:
        return {"enum": list(terms[field.vocabulary])} if isinstance(field, PolicyTerm) else {}

    return policy_enum


def one_of_variants(converter: Any, field: fields.Field[Any], **_: Any) -> dict[str, Any]:
    """A `TypedEvent`: a reference to its `oneOf`, kept as a component of its own."""
    if not isinstance(field, TypedEvent):
        return {}
    refs = {name: converter.resolve_nested_schema(variant)["$ref"] for name, variant in field.variants.items()}
    if field.component not in converter.spec.components.schemas:
        converter.spec.components.schema(field.component, {
            "oneOf": [{"$ref": ref} for ref in refs.values()],
            "discriminator": {"propertyName": "type", "mapping": refs},
        })
    return {"$ref": f"#/components/schemas/{field.component}"}


def build_spec(app: Flask, terms: PolicyTerms | None = None) -> dict[str, Any]:
    """The document of `app`'s routes; its policy enums list `terms` (default: the built-in book's)."""
    terms = terms if terms is not None else policy_terms(DEFAULT_POLICY.versions)
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title=TITLE,
        version=CONTRACT_VERSION,
        openapi_version="3.1.0",
        plugins=[plugin],
        info={"description": "The credential lifecycle service: HTTP contract version 1.1 and this "
                             "service's additions, in words in the repository's docs/http-api.md; "
                             "interactive at /docs."},
    )
    assert plugin.converter is not None  # set by APISpec, through the plugin's init_spec
    plugin.converter.add_attribute_function(_policy_enum(terms))
    plugin.converter.add_attribute_function(one_of_variants)
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for schema in sorted({type(s) for s in DATA_SCHEMAS.values()}, key=lambda s: s.__name__):
        spec.components.schema(schema.__name__, schema=schema)
    by_path: dict[str, dict[str, Any]] = {}
    for path, endpoint, op in operations(app):
        by_path.setdefault(path, {})[op.method.lower()] = _operation(endpoint, op)
    for path, methods in sorted(by_path.items()):
        spec.path(path=path, operations=methods)
    return spec.to_dict()


OPENAPI = "openapi"  # the app's extension keeping its document, with the terms it was built with


def served_spec(app: Flask) -> dict[str, Any]:
    """The document `GET /openapi.json` serves: its policy enums from every version of the book
    known now (withdrawn ones too), so a version adopted at runtime shows in the next request;
    built again only when those terms change. When the store cannot be read the last document
    built is served, else one from the built-in book: describing the API needs no storage, so
    the description stays available while the store is not."""
    provider: ServiceProvider = app.extensions[EXTENSION]
    kept: tuple[PolicyTerms, dict[str, Any]] | None = app.extensions.get(OPENAPI)
    try:
        terms: PolicyTerms = policy_terms(record.policy for record in provider.get().policy_versions())
    except Exception as error:  # whatever the store's failure, the description is still served
        log.warning("openapi: the policy book could not be read (%s); its enums are not refreshed",
                    type(error).__name__)
        return kept[1] if kept is not None else build_spec(app)
    if kept is None or kept[0] != terms:
        kept = (terms, build_spec(app, terms))
        app.extensions[OPENAPI] = kept
    return kept[1]
