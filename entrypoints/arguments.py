"""The value types of the `credentials` command's arguments, shared by its subcommands: each
turns the text typed into the value the service takes, or says what was expected."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from decimal import Decimal, InvalidOperation


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def moment(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 time with offset, got {text!r}") from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"the time {text!r} needs an offset, e.g. +00:00")
    return parsed


def rate(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
