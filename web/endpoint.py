"""Declares an endpoint once: its route, who may call it, and the schemas of its path,
query, body and answer. The same declaration validates each request, dumps each answer
and describes the operation in /openapi.json, so the three cannot drift apart.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError

from web.auth import Permission, authorize
from web.errors import ApiError
from web.schemas import shared
from web.schemas.parameters import IDEMPOTENCY_KEY, FormatQuery, IdempotencyHeader, NoQuery

TOKENS = "credentials_tokens"
CSV = "text/csv"
JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    """What a handler returns when the answer needs more than a body: extra headers, or
    another of the operation's `also` statuses."""

    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    status: int | None = None


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    summary: str
    tag: str
    answer: type[Schema]
    status: int = 200
    permission: Permission | None = None  # None: public
    path: type[Schema] | None = None
    query: type[Schema] = NoQuery
    body: type[Schema] | None = None
    # A body read as it is, not as JSON: its media type, as documented (the handler gets the bytes),
    # and its size limit when not the app's.
    raw_body: str | None = None
    body_limit: int | None = None
    idempotent: bool = False  # takes an Idempotency-Key header
    csv_rows: str | None = None  # the answer's list that `format=csv` (or `Accept: text/csv`) returns as rows
    refusals: tuple[int, ...] = ()  # error statuses beyond 400/401/403/500/503 it can answer
    also: tuple[int, ...] = ()  # other statuses answered with the `answer` schema
    description: str = ""


def _json_body() -> Any:
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise ApiError(400, "malformed_json", "the request body is not valid JSON") from None


def _raw_body(op: Operation) -> bytes:
    """The body's bytes, whatever media type the client named (curl's default is a form's): the
    handler's reader says what it cannot read."""
    if op.body_limit is not None:
        request.max_content_length = op.body_limit
    return request.get_data(cache=False)


def _query() -> dict[str, str]:
    if not request.query_string:
        return {}
    repeated = [name for name, values in request.args.lists() if len(values) > 1]
    if repeated:
        raise ApiError(400, "invalid_input", "a query parameter is given more than once",
                       {name: ["Given more than once."] for name in repeated})
    return request.args.to_dict()


def _idempotency_key() -> str | None:
    value = request.headers.get(IDEMPOTENCY_KEY)
    if value is None:
        return None
    loaded: dict[str, str | None] = shared(IdempotencyHeader).load({IDEMPOTENCY_KEY: value})
    return loaded["key"]


def _wants_csv(chosen: str | None) -> bool:
    """`format` when given, else what `Accept` prefers."""
    if chosen is not None:
        return chosen == "csv"
    return request.accept_mimetypes.best_match([JSON, CSV], default=JSON) == CSV


def _format(op: Operation, given: dict[str, str]) -> tuple[str | None, dict[str, Any]]:
    """Takes `format` out of the query of an operation that answers CSV, for its own schema to
    read: (the format asked for, or None; the problems with it, to be told with the others')."""
    if op.csv_rows is None or "format" not in given:
        return None, {}
    try:
        loaded: dict[str, str] = shared(FormatQuery).load({"format": given.pop("format")})
    except ValidationError as error:
        return None, error.normalized_messages()
    return loaded["format"], {}


UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
# What a spreadsheet opening a CSV file takes for a formula when a cell begins with it (OWASP's
# "CSV injection"): a member's name or a reminder's text typed as `=HYPERLINK(...)` would run
# on a staff member's machine. Such text is written after an apostrophe, which spreadsheets show
# as text; numbers are written as numbers, whatever their sign.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_filename(op: Operation, given: Mapping[str, str]) -> str:
    """`<report>-<parameter>-<value>...csv`: the operation's path without its `/reports/` (a report's
    name is enough), then each parameter given, in the order its schema declares them; only
    letters, digits, `.`, `_` and `-`, so it needs no quoting and names the same file everywhere."""
    segments = op.rule.strip("/").split("/")
    parts = segments[1:] if segments[0] == "reports" and len(segments) > 1 else segments
    for name in shared(op.query).fields:
        if name in given:
            parts += [name, given[name]]
    return UNSAFE_IN_FILENAME.sub("_", "-".join(parts)) + ".csv"


def as_text_cell(value: Any) -> Any:
    """`value` as a spreadsheet reads it: text that would start a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(answer: type[Schema], rows: str, dumped: dict[str, Any], filename: str | None = None) -> Response:
    """The list `rows` of an answer dumped by `answer`, as CSV: its columns in the order the
    schema declares them (the staff pages' downloads use it too, so both say the same); an
    attachment named `filename` when given (a name `csv_filename` made: nothing to quote)."""
    rows_field = shared(answer).fields[rows]
    columns = [f.data_key or name for name, f in rows_field.inner.schema.fields.items()]  # type: ignore[attr-defined]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({column: as_text_cell(value) for column, value in row.items()} for row in dumped[rows])
    response = Response(out.getvalue(), mimetype=CSV)
    if filename is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _respond(op: Operation, result: Any, attachment: str | None = None) -> Response:
    """The answer as JSON, or as CSV when `attachment` is given (the file it is named as)."""
    answer = result if isinstance(result, Answer) else Answer(result)
    dumped = shared(op.answer).dump(answer.body)
    csv_rows = op.csv_rows if op.csv_rows is not None and attachment is not None else None
    response = jsonify(dumped) if csv_rows is None else csv_response(op.answer, csv_rows, dumped, attachment)
    status = answer.status or op.status
    if status != response.status_code:
        response.status_code = status
    if answer.headers:
        response.headers.update(answer.headers)
    return response


def endpoint(blueprint: Blueprint, op: Operation) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Registers `handler` for `op`. The handler receives the loaded `path`, `query`,
    `body` and `idempotency_key` (those the operation has) and returns the answer."""

    def register(handler: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def view(**path_values: str) -> Response:
            if op.permission is not None:
                authorize(current_app.extensions[TOKENS], op.permission)
            inputs: dict[str, Any] = {}
            given = _query()
            chosen, problems = _format(op, given)
            try:
                if op.query is not NoQuery:
                    inputs["query"] = shared(op.query).load(given)
                elif given:
                    shared(NoQuery).load(given)  # refuses them: an unexpected parameter is a 400
            except ValidationError as error:
                problems = {**error.normalized_messages(), **problems}
            if problems:  # a bad `format` is told with the other parameters' problems, in one 400
                raise ValidationError(problems)
            if op.path is not None:
                inputs["path"] = shared(op.path).load(path_values)
            if op.body is not None:
                inputs["body"] = shared(op.body).load(_json_body())
            if op.raw_body is not None:
                inputs["body"] = _raw_body(op)
            if op.idempotent:
                inputs["idempotency_key"] = _idempotency_key()
            wants_csv = op.csv_rows is not None and _wants_csv(chosen)
            return _respond(op, handler(**inputs), csv_filename(op, given) if wants_csv else None)

        view.operation = op  # type: ignore[attr-defined]
        blueprint.add_url_rule(op.rule, view_func=view, methods=[op.method])
        return view

    return register
