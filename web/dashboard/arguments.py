"""Reading the staff pages' query arguments: dates, years, months, times, page numbers, counts of
days, choices and search text.

Every view is a GET link staff can bookmark, edit or share, so any text may arrive: an empty
argument is one not given, and a malformed one is the API's 400 `invalid_input` naming it (shown
as the dashboard's error page), never a server error.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime
from typing import TypeVar

from flask import request

from web.dashboard.forms import invalid
from web.fields import EARLIEST, LATEST

T = TypeVar("T")

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits: `\d` also matches "２０２６"
LAST_PAGE = 1_000_000


def _whole(text: str, low: int, high: int) -> bool:
    """Whether `text` is a whole number from `low` to `high`, in ASCII digits (str.isdigit() also
    accepts "²", which int() refuses), short enough to read (int() refuses thousands of digits)."""
    return (text.isascii() and text.isdigit() and len(text.lstrip("0")) <= len(str(high))
            and low <= int(text) <= high)


def given(name: str) -> str:
    """The argument's text, blank around it taken off ("" when not given)."""
    return request.args.get(name, "").strip()


def date_arg(name: str, default: date) -> date:
    text = given(name)
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise invalid(name, f"{text!r} is not a date YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise invalid(name, f"dates must be between {EARLIEST} and {LATEST}")
    return day


def year_arg(name: str, default: T) -> int | T:
    text = given(name)
    if not text:
        return default
    if not _whole(text, EARLIEST.year, LATEST.year):
        raise invalid(name, f"{text!r} is not a year between {EARLIEST.year} and {LATEST.year}")
    return int(text)


def month_arg(name: str) -> tuple[int, int] | None:
    """A month of a year, YYYY-MM: (year, month); None when not given."""
    text = given(name)
    if not text:
        return None
    found = MONTH.fullmatch(text)
    if not found or not 1 <= int(found[2]) <= 12 or not EARLIEST.year <= int(found[1]) <= LATEST.year:
        raise invalid(name, f"{text!r} is not a month YYYY-MM of the years {EARLIEST.year} to {LATEST.year}")
    return int(found[1]), int(found[2])


def time_arg(name: str) -> datetime | None:
    """An ISO time; without an offset it is UTC, as the forms' "known at (UTC)" inputs say."""
    text = given(name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid(name, f"{text!r} is not a time YYYY-MM-DDTHH:MM[:SS][+HH:MM]") from None
    if not EARLIEST.year <= moment.year <= LATEST.year:
        raise invalid(name, f"times must be in the years {EARLIEST.year} to {LATEST.year}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def page_arg(name: str) -> int:
    """A page number, from 1 (the default)."""
    text = given(name)
    if not text:
        return 1
    if not _whole(text, 1, LAST_PAGE):
        raise invalid(name, f"{text!r} is not a page number from 1 to {LAST_PAGE}")
    return int(text)


def count_arg(name: str, default: int, maximum: int) -> int:
    """A whole number from 0 to `maximum` (a number of days ahead); `default` when not given."""
    text = given(name)
    if not text:
        return default
    if not _whole(text, 0, maximum):
        raise invalid(name, f"{text!r} is not a whole number from 0 to {maximum}")
    return int(text)


def choice_arg(name: str, choices: Collection[str]) -> str | None:
    """One of `choices`; None when not given."""
    text = given(name)
    if not text:
        return None
    if text not in choices:
        raise invalid(name, f"{text!r} is not one of {', '.join(sorted(choices))}")
    return text


def text_arg(name: str) -> str:
    """Text to look for: what a member id or a name could hold (no NUL, which no store keeps)."""
    text = given(name)
    if "\x00" in text:
        raise invalid(name, "text may not contain NUL characters")
    return text
