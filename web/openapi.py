"""/openapi.json, generated from the endpoint declarations and their marshmallow schemas.

Every Flask route is described from its `Operation`, so a route cannot be served without
being documented (a test checks it), and the schemas documented are those that validate
and dump.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from web.endpoint import CSV, JSON, Operation
from web.schemas.errors import ErrorDocument
from web.schemas.events import DATA_SCHEMAS
from web.schemas.parameters import IDEMPOTENCY_KEY, NoQuery

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
        content[CSV] = {"schema": {"type": "string", "description": f"the `{op.csv_rows}` as CSV rows"}}
    parameters: list[dict[str, Any]] = []
    if op.path is not None:
        parameters.append({"in": "path", "schema": op.path})
    if op.query is not NoQuery:
        parameters.append({"in": "query", "schema": op.query})
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


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title=TITLE,
        version=CONTRACT_VERSION,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": "HTTP contract version 1 (see spec/http-api.md)."},
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for schema in sorted({type(s) for s in DATA_SCHEMAS.values()}, key=lambda s: s.__name__):
        spec.components.schema(schema.__name__, schema=schema)
    by_path: dict[str, dict[str, Any]] = {}
    for path, endpoint, op in operations(app):
        by_path.setdefault(path, {})[op.method.lower()] = _operation(endpoint, op)
    for path, methods in sorted(by_path.items()):
        spec.path(path=path, operations=methods)
    return spec.to_dict()
