"""Reading the staff pages' forms with the API's own request schemas.

A browser posts every input as text, an empty one meaning "not given": those are left out,
so the schema's defaults apply, and the rest is read exactly as the same JSON body would be
(the same fields, limits and messages; a malformed value is the API's 400 `invalid_input`
naming the field). A form that only asks (the what-if) is a GET, read alike from its query.
What the API takes as JSON inside the body (a policy version's values) comes from a textarea
and is parsed here first.

Each rendering of a form carries a fresh submission key, sent as the command's idempotency
key: a form sent twice (a double click, a resent POST) records once.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from flask import request
from marshmallow import Schema

from web.errors import ApiError
from web.schemas import shared

SUBMISSION_FIELD = "submission_key"
SUBMISSION_KEY = re.compile(r"[0-9a-f]{32}")


def invalid(name: str, message: str) -> ApiError:
    """The API's 400 for a malformed field, naming it."""
    return ApiError(400, "invalid_input", f"{name}: {message}", {name: [message]})


def given(names: Any, sent: Mapping[str, str] | None = None) -> dict[str, str]:
    """The fields among `names` that were filled in, of the posted form or of `sent`."""
    fields = request.form if sent is None else sent
    return {name: fields[name] for name in names if fields.get(name, "").strip()}


def read_form(schema: type[Schema], sent: Mapping[str, str] | None = None, **parsed: Any) -> dict[str, Any]:
    """The posted form (or `sent`: a GET form's query arguments) read by `schema`, with `parsed`
    (values already made from text, None when not given) put in as they are."""
    loader = shared(schema)
    filled = {name: value for name, value in parsed.items() if value is not None}
    typed = given((name for name in loader.load_fields if name not in parsed), sent)
    loaded: dict[str, Any] = loader.load({**typed, **filled})
    return loaded


def json_field(name: str) -> dict[str, Any] | None:
    """A textarea holding a JSON object; None when left empty (so the schema says it is missing)."""
    text = request.form.get(name, "").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise invalid(name, f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except RecursionError:
        raise invalid(name, "nested too deeply to read") from None
    except ValueError as error:  # a number too long to read (Python's integer digit limit)
        raise invalid(name, f"not JSON that can be read: {error}") from None
    if not isinstance(value, dict):
        raise invalid(name, "must be a JSON object ({...}) of the values that change")
    return value


def new_submission_key() -> str:
    return uuid.uuid4().hex


def submission_key() -> str | None:
    """The key the form was rendered with, if it sent one."""
    key = request.form.get(SUBMISSION_FIELD, "")
    if not key:
        return None
    if not SUBMISSION_KEY.fullmatch(key):
        raise invalid(SUBMISSION_FIELD, "not a key this site made: reload the page and send the form again")
    return key
