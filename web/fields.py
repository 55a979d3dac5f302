r"""The contract's value formats as marshmallow fields, used for input and output alike.

Dates are `YYYY-MM-DD`, times ISO 8601 with an offset, money a string with two decimals,
CECs a number with at most one decimal. Text refuses what no store can keep (NUL,
lone surrogates), so odd input is a 400, never a storage error.

Numbers given as text are ASCII digits only: Python's int() and Decimal() also read fullwidth
and other scripts' digits ("２０２６"), underscores ("2_026") and blanks around, and `\d` in a
pattern matches all of those digits too; none is what a client of the contract sends. Ids (a
member's, an activity's, a version's) hold no control character: an id is echoed in answers,
pages, headers and logs, where a CR or LF would start a new line.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import fields, validate

# Dates outside this range are refused as malformed: deadline arithmetic (cycle end + 3
# years, grace + 6 months, ...) must never leave the calendar Python can represent.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONEY_PATTERN = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")
WHOLE_PATTERN = re.compile(r"[0-9]{1,12}")
QUANTITY_PATTERN = re.compile(r"[0-9]{1,12}(\.[0-9]{1,12})?")
TEXT_LIMIT = 500


class Date(fields.Field[date]):
    """A calendar date, exactly `YYYY-MM-DD`, within the supported range."""

    default_error_messages = {
        "invalid": "Not a date: expected YYYY-MM-DD.",
        "range": f"Dates must be between {EARLIEST} and {LATEST}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "format": "date", **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value: date | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.isoformat()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
            raise self.make_error("invalid")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise self.make_error("invalid") from None
        if not EARLIEST <= day <= LATEST:
            raise self.make_error("range")
        return day


# A time whose offset sign is a space: "2026-01-05T00:00:00 00:00", a "+00:00" sent unencoded in a URL.
PLUS_READ_AS_SPACE = re.compile(r"T[0-9:.]+ [0-9]{2}(:?[0-9]{2})?$")


class Time(fields.AwareDateTime):
    """An ISO 8601 time with its offset; a time without one is ambiguous, so refused."""

    default_error_messages = {
        "range": f"Times must be in the years {EARLIEST.year} to {LATEST.year}.",
        "plus_as_space": "Not a valid time: its offset's '+' arrived as a space, as a '+' in a URL's query does. "
                         "Write it as %2B (2026-01-05T00:00:00%2B00:00) or end the time with Z.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and PLUS_READ_AS_SPACE.search(value):
            raise self.make_error("plus_as_space")
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST.year <= moment.year <= LATEST.year:
            raise self.make_error("range")
        return moment


class Money(fields.Field[Decimal]):
    """An amount in dollars: a string with two decimals out ("45.00"); in, a string or a
    number with at most two decimals."""

    default_error_messages = {"invalid": 'Not an amount: expected a string such as "45.00".'}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$", "example": "45.00",
                              **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{value.quantize(Decimal('0.01'))}"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.make_error("invalid")
        text = value if isinstance(value, str) else repr(value)
        if not MONEY_PATTERN.fullmatch(text):
            raise self.make_error("invalid")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise self.make_error("invalid") from None


class Integer(fields.Integer):
    """A whole number: a JSON integer (never a boolean), or text of ASCII digits only (a query's)."""

    default_error_messages = {"invalid": "Not a whole number: expected the digits 0-9 only."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, str) and not WHOLE_PATTERN.fullmatch(value)):
            raise self.make_error("invalid")
        number: int = super()._deserialize(value, attr, data, **kwargs)
        return number


class Number(fields.Decimal):
    """A non-negative quantity (hours, units, a rate); read exactly, as a Decimal: a JSON number,
    or text of ASCII digits with an optional decimal part.

    Bounded so no arithmetic on it can overflow a Decimal context."""

    def __init__(self, maximum: int = 100_000, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, validate=validate.Range(min=0, max=maximum), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, str) and not QUANTITY_PATTERN.fullmatch(value):
            raise self.make_error("invalid")
        quantity: Decimal = super()._deserialize(value, attr, data, **kwargs)
        return quantity

    # A number out, not marshmallow's Decimal: Flask would write a Decimal as a string.
    def _serialize(  # type: ignore[override]
            self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> int | float | None:
        return as_json_number(value)


class Cecs(fields.Field[Decimal]):
    """CECs out: a JSON number with at most one decimal (38, 41.5)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        # Not `multipleOf: 0.1`: validators disagree on float multiples (41.5 / 0.1 is inexact).
        kwargs["metadata"] = {"type": "number", "description": "CECs, at most one decimal", **kwargs["metadata"]}
        super().__init__(dump_only=True, **kwargs)

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> int | float | None:
        return as_json_number(None if value is None else value.quantize(Decimal("0.1")))


def as_json_number(value: Decimal | float | None) -> int | float | None:
    # Flask writes a Decimal as a string, so numbers leave as int when whole, else float.
    if value is None:
        return None
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return int(exact) if exact == exact.to_integral_value() else float(exact)


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


class Text(fields.String):
    """A non-empty string any store can keep, at most `limit` characters."""

    default_error_messages = {"unstorable": "Text may not contain NUL characters or lone surrogates."}

    def __init__(self, limit: int = TEXT_LIMIT, **kwargs: Any) -> None:
        super().__init__(validate=validate.Length(min=1, max=limit), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _storable(text):
            raise self.make_error("unstorable")
        return text


# The policy's vocabularies a `PolicyTerm` can name (see web.openapi.policy_terms).
CATEGORIES = "categories"
CERTIFICATIONS = "certifications"


class PolicyTerm(Text):
    """A term the policy book defines: an activity category (`CATEGORIES`) or a certification code
    (`CERTIFICATIONS`). Read as text: whether a term is accepted is for the domain's rules to say, as
    of the fact's own date, with their own codes (422), since the versions of the book differ.
    /openapi.json documents it as an enum of every term of the book known when the document is
    served (web.openapi), so a generated client gets the terms as an enum type."""

    def __init__(self, vocabulary: str, **kwargs: Any) -> None:
        if vocabulary not in (CATEGORIES, CERTIFICATIONS):
            raise ValueError(f"no policy vocabulary {vocabulary!r}")
        self.vocabulary = vocabulary
        super().__init__(**kwargs)


def _has_control(text: str) -> bool:
    # Cc: C0 (CR, LF, TAB, ...), DEL and C1 (NEL, ...); Zl, Zp: the line and paragraph separators.
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


class Identifier(Text):
    """An id given in a path or named in a body (a member's, an activity's, a version's): text, and
    no control character or line separator."""

    default_error_messages = {"control": "An id may not contain control characters or line breaks."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _has_control(text):
            raise self.make_error("control")
        return text


class Seed(fields.Field[str]):
    """A draw's seed: a string, or an integer meaning its decimal string (`7` is `"7"`); never a
    boolean. Kept as the string."""

    default_error_messages = {"invalid": "Not a seed: expected a string or an integer."}

    def __init__(self, limit: int = 200, **kwargs: Any) -> None:
        self.text = Text(limit=limit)
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {
            "oneOf": [{"type": "string", "minLength": 1, "maxLength": limit}, {"type": "integer"}],
            "description": "a string, or an integer meaning its decimal string",
            **kwargs["metadata"],
        }
        super().__init__(**kwargs)

    def _serialize(self, value: str | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.make_error("invalid")
        return str(value) if isinstance(value, int) else self.text.deserialize(value)


class JsonObject(fields.Dict):
    """A JSON object handed on as it came, for the domain to read value by value (a policy
    version's values). Refused here only what no reader should meet: nesting deeper than
    `max_depth` (reading or fingerprinting it must not exhaust the stack) and text no store can
    keep, in keys and values alike."""

    default_error_messages = {
        "too_deep": "Nested more than {max_depth} levels deep.",
        "unstorable": "Text may not contain NUL characters or lone surrogates.",
    }

    def __init__(self, max_depth: int, **kwargs: Any) -> None:
        super().__init__(keys=fields.String(), **kwargs)
        self.max_depth = max_depth

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        loaded: dict[str, Any] = super()._deserialize(value, attr, data, **kwargs)
        pending: list[tuple[Any, int]] = [(loaded, 1)]  # a stack, not recursion: depth is what is checked
        while pending:
            item, depth = pending.pop()
            if isinstance(item, str) and not _storable(item):
                raise self.make_error("unstorable")
            if not isinstance(item, (dict, list)):
                continue
            if depth > self.max_depth:
                raise self.make_error("too_deep", max_depth=self.max_depth)
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
        return loaded
