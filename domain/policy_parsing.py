"""Reading one published policy value: what a version may set a value to (rules.md section 9).

Each reader takes a value as it arrives in JSON (or as the register stored it) and returns it
in the type the rules use, or raises `BadValue` with a sentence saying what was wrong, so the
caller can collect every bad value of a version before refusing it whole. The bounds above
zero keep date arithmetic and decimal quantizing from overflowing on an absurd value; they
are far beyond any real rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.policy import METHODS

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
LARGEST_AMOUNT = Decimal(1_000_000)  # CECs and dollars alike
LARGEST_DAYS = 36_500
LARGEST_MONTHS = 1_200
LARGEST_YEARS = 100
LONGEST_NAME = 200
# A version's name is a segment of its URL (`/policy/versions/{version}/withdrawal`) and of file
# names, so nothing that needs quoting in either.
VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class BadValue(ValueError):
    """The sentence saying what is wrong with one value."""


def _shown(value: Any) -> str:
    """The value as the JSON it came in (true, not True), cut short."""
    try:
        shown = json.dumps(value)
    except (TypeError, ValueError):
        shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def decimal_of(value: Any) -> Decimal:
    """A finite number: a JSON number or a decimal string; never a boolean (JSON's true is not 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise BadValue(f"must be a number or a decimal string, not {_shown(value)}")
    try:
        # A float's shortest repr is the number its JSON text said (0.1, not 0.1000000000000000055...).
        number = Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, ValueError):
        raise BadValue(f"must be a number or a decimal string, not {_shown(value)}") from None
    if not number.is_finite():
        raise BadValue(f"must be a finite number, not {_shown(value)}")
    return number


def amount(value: Any) -> Decimal:
    number = decimal_of(value)
    if number < 0:
        raise BadValue(f"must be 0 or more, not {number}")
    if number > LARGEST_AMOUNT:
        raise BadValue(f"must be at most {LARGEST_AMOUNT}, not {number}")
    return number


def money(value: Any) -> Decimal:
    """Dollars, kept to the cent."""
    return amount(value).quantize(CENT)


def cecs(value: Any) -> Decimal:
    """A number of CECs: CECs have at most one decimal place (rules.md section 3)."""
    number = amount(value)
    if number != number.quantize(TENTH):
        raise BadValue(f"CECs have at most one decimal place, not {number}")
    return number


def fraction(value: Any) -> Decimal:
    """A fraction within 0..1, kept exactly as given."""
    number = decimal_of(value)
    if not 0 <= number <= 1:
        raise BadValue(f"must be a fraction within 0 and 1, not {number}")
    return number


def conversion(value: Any) -> Decimal:
    """How much of a provider's unit makes 1 CEC: a fraction above 0 (units are divided by it)."""
    number = fraction(value)
    if number == 0:
        raise BadValue("must be more than 0: it is how much of the provider's unit makes 1 CEC")
    return number


def whole(value: Any) -> int:
    """A whole number: a JSON integer (or a float with nothing after the point); never a boolean."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValue(f"must be a whole number, not {_shown(value)}")
    return value


def count(largest: int) -> Callable[[Any], int]:
    """A reader of whole positive counts (days, months, years) up to `largest`."""

    def read(value: Any) -> int:
        number = whole(value)
        if number < 1:
            raise BadValue(f"must be a whole positive number, not {number}")
        if number > largest:
            raise BadValue(f"must be at most {largest}, not {number}")
        return number

    return read


def days_ahead(value: Any) -> int:
    """A reminder's offset: whole days before its deadline, 0 for the day itself."""
    number = whole(value)
    if not 0 <= number <= LARGEST_DAYS:
        raise BadValue(f"must be a whole number of days from 0 to {LARGEST_DAYS}, not {number}")
    return number


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadValue(f"must be true or false, not {_shown(value)}")
    return value


def text(value: Any) -> str:
    """A name or a reason: a non-empty string, kept without surrounding spaces."""
    if not isinstance(value, str) or not value.strip():
        raise BadValue(f"must be a non-empty string, not {_shown(value)}")
    if len(value.strip()) > LONGEST_NAME:
        raise BadValue(f"must be at most {LONGEST_NAME} characters")
    return value.strip()


def version_name(value: Any) -> str:
    if not isinstance(value, str) or not VERSION_NAME.fullmatch(value):
        raise BadValue("a version name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter "
                       f"or a digit (such as 2020-01-01), not {_shown(value)}")
    return value


def level(value: Any) -> int | None:
    """A certification's level: a positive whole number, or null for a specialty."""
    if value is None:
        return None
    number = whole(value)
    if number < 1:
        raise BadValue(f"must be a whole positive number or null (a specialty), not {number}")
    return number


def method(value: Any) -> str:
    if value not in METHODS:
        raise BadValue(f"must be one of {', '.join(METHODS)}, not {_shown(value)}")
    assert isinstance(value, str)
    return value


def grades(value: Any) -> frozenset[str]:
    """A list of letter grades, compared upper-cased (as a claim's grade is)."""
    if not isinstance(value, (list, tuple)):
        raise BadValue(f"must be a list of letter grades, not {_shown(value)}")
    if not all(isinstance(g, str) and g.strip() for g in value):
        raise BadValue("every grade must be a non-empty string")
    return frozenset(g.strip().upper() for g in value)
