"""A register file (CSV) read into rows, each the member command it stands for (rules.md section 13).

The columns are the contract's (http-api.md, "Bringing records in"). A row's cells are read by
the very schemas that read the API's command bodies (web/schemas/commands.py) and become the
very commands the API builds, so an imported row and a posted request mean the same thing.

What cannot be read as a whole is refused before anything is judged (`UnreadableRegister`):
no header, missing or unknown columns, a duplicate `row_id`, text that is not UTF-8. What a
spreadsheet writes is read as its user meant it, and the report says what was assumed: a
byte order mark, UTF-16 ("Unicode text"), `;` or tab separators (a spreadsheet in a locale
whose decimal mark is a comma; there "1,5" hours is read as 1.5), column names in another case
or with spaces around them, and blank rows. A row whose cells cannot make its command (a bad
date, a number that is not one, a cell its kind of fact does not use) is refused on its own.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError

from application.commands import (
    Certify,
    ClaimActivity,
    MemberCommand,
    ReviewDocumentation,
    SelectForAudit,
    SubmitRenewal,
)
from application.imports import RegisterRow
from domain.errors import InvalidCommand
from domain.rules import ActivityClaim
from web.fields import Identifier, Time
from web.schemas import shared
from web.schemas.commands import ActivityBody, AuditBody, CertificationBody, DocumentationBody, RenewalBody

REQUIRED_COLUMNS = ("row_id", "member_id", "fact", "date")
# The cells each kind of fact reads, by column, and the body field each fills.
FACT_CELLS: dict[str, dict[str, str]] = {
    "certification": {"date": "certified_on", "certification": "certification", "name": "name"},
    "activity": {"date": "completed_on", "category": "category", "title": "title", "hours": "hours",
                 "units": "units", "provider": "provider", "credit_hours": "credit_hours", "grade": "grade",
                 "course_id": "course_id", "published_on": "published_on", "evidence": "evidence"},
    "renewal": {"date": "submitted_on", "fee_paid": "fee_paid"},
    "audit_selection": {"date": "selected_on"},
    "documentation": {"date": "received_on", "rejected_row_ids": "rejected", "reason": "reason",
                      "replace_by": "replace_by"},
}
# Cells any row may fill: a register often repeats a member's name on every row; only a
# certification row's name is recorded.
COMMON_CELLS = ("row_id", "member_id", "fact", "recorded_at", "name")
COLUMNS = tuple(dict.fromkeys([*REQUIRED_COLUMNS, "name", *(c for cells in FACT_CELLS.values() for c in cells),
                               "recorded_at"]))
NUMBER_CELLS = ("hours", "units", "credit_hours", "fee_paid")
DECIMAL_COMMA = re.compile(r"\d+,\d+")
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


class UnreadableRegister(Exception):
    """The file cannot be read as a whole: nothing of it is judged."""

    def __init__(self, code: str, message: str, status: int = 400, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details


@dataclass
class RegisterFile:
    rows: list[RegisterRow]  # those of the members read (`read_register`'s `members`)
    assumed: list[str] = field(default_factory=list)  # how the file was read, where it could be read two ways
    count: int = 0  # the file's rows, blank ones aside, whoever's they are


class _RowTime(Schema):
    recorded_at = Time(required=True)


# Read field by field, not by a schema: they are read on every row (a schema's load costs more).
_ID = Identifier(required=True, limit=200)


def read_register(data: bytes, max_rows: int | None = None,
                  members: Callable[[str], bool] | None = None) -> RegisterFile:
    """Every row of the register `data` (of the members `members` accepts: the file is checked whole
    whatever it accepts), in file order; raises `UnreadableRegister`."""
    assumed: list[str] = []
    text = _decoded(data, assumed)
    header_line = _header_line(text)
    if "\x00" in header_line:
        raise UnreadableRegister("bad_encoding", "the file holds NUL characters: it looks like UTF-16 text without "
                                                 "a byte order mark; save the spreadsheet as \"CSV UTF-8\"", line=1)
    separator = _separator(header_line)
    if separator != ",":
        assumed.append(f"the columns are separated by {SEPARATORS[separator]}s; decimal commas in "
                       f"{', '.join(NUMBER_CELLS)} are read as decimal points")
    # strict: a quote left open would otherwise take every line after it into one cell, unreported.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    columns = _columns(_header(reader, assumed), assumed)
    row_id_at, member_id_at = columns.index("row_id"), columns.index("member_id")
    register = RegisterFile([], assumed)
    lines_of: dict[str, int] = {}
    blank = 0
    for line, cells in _records(reader):
        if not any(cell.strip() for cell in cells):
            blank += 1
            continue
        if max_rows is not None and register.count == max_rows:
            raise UnreadableRegister("too_many_rows", f"the file has more than {max_rows} rows; send it in parts "
                                                      "or use `credentials import`", 413, max_rows=max_rows)
        register.count += 1
        row_id = _cell(cells, row_id_at)
        if row_id and row_id in lines_of:
            raise UnreadableRegister("duplicate_row_id", f"row_id {row_id!r} is on line {lines_of[row_id]} "
                                                         f"and line {line}; each row needs its own", row_id=row_id,
                                     lines=[lines_of[row_id], line])
        lines_of[row_id] = line
        if members is None or members(_cell(cells, member_id_at)):
            register.rows.append(_row(line, columns, cells, separator != ","))
    if blank:
        assumed.append(f"{blank} blank row{'s were' if blank != 1 else ' was'} skipped")
    return register


def _cell(cells: list[str], at: int) -> str:
    return cells[at].strip() if at < len(cells) else ""


def _decoded(data: bytes, assumed: list[str]) -> str:
    for bom, encoding, what in ((codecs.BOM_UTF8, "utf-8", "UTF-8 with a byte order mark"),
                                (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (a spreadsheet's \"Unicode text\")"),
                                (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (a spreadsheet's \"Unicode text\")")):
        if data.startswith(bom):
            assumed.append(f"the file is {what}")
            return _decode(data[len(bom):] if encoding == "utf-8" else data, encoding)
    return _decode(data, "utf-8")


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise UnreadableRegister(
            "bad_encoding", f"the file is not {encoding.upper()} text: line {line} holds the byte "
                            f"0x{data[error.start]:02x}, which {encoding.upper()} cannot read; save the "
                            "spreadsheet as \"CSV UTF-8\"", line=line) from None


def _separator(header: str) -> str:
    """The separator that splits the header into the most known column names (a comma on a tie)."""
    def known(separator: str) -> int:
        return sum(name.strip().strip('"').lower() in COLUMNS for name in header.split(separator))
    return max(SEPARATORS, key=known)


def _header_line(text: str) -> str:
    """The first line that is not blank (a spreadsheet may leave empty rows above the header)."""
    lines = io.StringIO(text)
    for line in lines:
        if line.strip(" \t\r\n,;"):
            return line
    return ""


def _header(reader: Any, assumed: list[str]) -> list[str]:
    """The first row that is not blank."""
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if reader.line_num > 1:
                    assumed.append(f"the header is on line {reader.line_num}; the blank lines above it were skipped")
                return list(cells)
    except csv.Error as error:
        raise UnreadableRegister("malformed_csv", f"line {reader.line_num} is not CSV: {error}",
                                 line=reader.line_num) from None
    raise UnreadableRegister("empty_file", "the file is empty: it needs a header line naming its columns, "
                                           f"at least {', '.join(REQUIRED_COLUMNS)}")


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, its cells): a quoted cell may hold line breaks."""
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UnreadableRegister("malformed_csv", f"line {line} is not CSV: {error}", line=line) from None
        yield line, cells


def _columns(header: list[str], assumed: list[str]) -> list[str]:
    columns = [name.strip().lower() for name in header]
    if columns != header:
        assumed.append("column names were read without regard to case or surrounding spaces")
    if columns and not columns[-1]:
        while columns and not columns[-1]:
            columns.pop()  # a spreadsheet's empty columns to the right of the table
        assumed.append("empty columns at the end of the header were ignored")
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if duplicated:
        raise UnreadableRegister("duplicate_columns", f"the header names {', '.join(duplicated)} more than once",
                                 columns=duplicated)
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise UnreadableRegister("unknown_columns", f"unknown column{'s' if len(unknown) > 1 else ''}: "
                                 f"{', '.join(repr(n) for n in unknown)}; the columns are {', '.join(COLUMNS)}",
                                 columns=unknown, known=list(COLUMNS))
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise UnreadableRegister("missing_columns", f"missing column{'s' if len(missing) > 1 else ''}: "
                                 f"{', '.join(missing)}", columns=missing)
    return columns


def _row(line: int, columns: list[str], cells: list[str], decimal_comma: bool) -> RegisterRow:
    extra = [cell for cell in cells[len(columns):] if cell.strip()]
    values = {name: cell.strip() for name, cell in zip(columns, cells, strict=False) if cell.strip()}
    row_id, member_id = values.get("row_id", ""), values.get("member_id", "")
    try:
        _check_id("row_id", row_id)
        _check_id("member_id", member_id)
        if extra:
            raise InvalidCommand("extra_cells", f"the row has {len(cells)} cells but the header names {len(columns)}")
        recorded_at = _recorded_at(values)
        command = _command(member_id, values, decimal_comma)
    except InvalidCommand as error:
        return RegisterRow(row_id, line, member_id, None, None, unreadable=error)
    return RegisterRow(row_id, line, member_id, _business_date(command), command, recorded_at=recorded_at,
                       fingerprint=_content(values, decimal_comma))


def _content(values: Mapping[str, str], decimal_comma: bool) -> str:
    """What the row says, by value: a number written "20" or "20.0" (or "20,0") is the same, so a
    register saved again by a spreadsheet imports again as the same rows."""
    said = {}
    for column, value in values.items():
        if column in NUMBER_CELLS:
            with contextlib.suppress(InvalidOperation):
                value = format(Decimal(value.replace(",", ".") if decimal_comma else value).normalize(), "f")
        said[column] = value
    return hashlib.sha256(json.dumps(said, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()


def _check_id(column: str, value: str) -> None:
    try:
        if not value:
            raise ValidationError("Missing data for required field.")
        _ID.deserialize(value)
        if column == "member_id" and "/" in value:  # no API path could name the member
            raise ValidationError("A member id may not contain '/'.")
    except ValidationError as error:
        problem = " ".join(str(m) for m in error.messages) if isinstance(error.messages, list) else str(error.messages)
        raise InvalidCommand("invalid_value", f"{column}: {problem}", fields={column: problem}) from None


def _business_date(command: MemberCommand) -> date:
    match command:
        case Certify():
            return command.certified_on
        case ClaimActivity():
            return command.claim.completed_on
        case SubmitRenewal():
            return command.submitted_on
        case SelectForAudit():
            return command.selected_on
        case ReviewDocumentation():
            return command.received_on
    raise TypeError(f"a register row cannot stand for {type(command).__name__}")


def _recorded_at(values: Mapping[str, str]) -> datetime | None:
    if "recorded_at" not in values:
        return None
    moment: datetime = _load(_RowTime, {"recorded_at": values["recorded_at"]}, {})["recorded_at"]
    return moment


def _command(member_id: str, values: Mapping[str, str], decimal_comma: bool) -> MemberCommand:
    fact = values.get("fact", "")
    cells = FACT_CELLS.get(fact)
    if cells is None:
        raise InvalidCommand("unknown_fact", f"fact {fact!r} is not one of {', '.join(FACT_CELLS)}",
                             known=list(FACT_CELLS))
    unused = sorted(name for name in values if name not in cells and name not in COMMON_CELLS)
    if unused:
        raise InvalidCommand("unexpected_value", f"a {fact} row does not use {', '.join(unused)}; leave "
                                                 f"{'them' if len(unused) > 1 else 'it'} empty", columns=unused)
    body: dict[str, Any] = {}
    for column, name in cells.items():
        if column in values and not (column == "name" and fact != "certification"):
            value = values[column]
            body[name] = value.replace(",", ".") if decimal_comma and column in NUMBER_CELLS and \
                DECIMAL_COMMA.fullmatch(value) else value
    return BUILDERS[fact](member_id, body, cells)


def _load(schema: type[Schema], body: dict[str, Any], cells: Mapping[str, str]) -> dict[str, Any]:
    """`body` loaded by `schema`; what it refuses is named by the register's columns."""
    try:
        loaded: dict[str, Any] = shared(schema).load(body)
    except ValidationError as error:
        column_of = {name: column for column, name in cells.items()}
        problems = {column_of.get(str(name), str(name)): problem for name, problem in _flat(error.messages)}
        listed = "; ".join(f"{column}: {problem}" for column, problem in problems.items())
        raise InvalidCommand("invalid_value", listed, fields=problems) from None
    return loaded


def _flat(messages: Any) -> Iterator[tuple[str, str]]:
    if isinstance(messages, Mapping):
        for name, inner in messages.items():
            yield from ((name, text) for _, text in _flat(inner))
    elif isinstance(messages, list):
        yield "", " ".join(str(m) for m in messages if not isinstance(m, Mapping | list)) or str(messages)
    else:
        yield "", str(messages)


def _certify(member_id: str, body: dict[str, Any], cells: Mapping[str, str]) -> MemberCommand:
    return Certify(member_id, **_load(CertificationBody, body, cells))


def _claim(member_id: str, body: dict[str, Any], cells: Mapping[str, str]) -> MemberCommand:
    return ClaimActivity(member_id, ActivityClaim(**_load(ActivityBody, body, cells)))


def _renew(member_id: str, body: dict[str, Any], cells: Mapping[str, str]) -> MemberCommand:
    return SubmitRenewal(member_id, **_load(RenewalBody, body, cells))


def _select(member_id: str, body: dict[str, Any], cells: Mapping[str, str]) -> MemberCommand:
    return SelectForAudit(member_id, **_load(AuditBody, body, cells))


def _review(member_id: str, body: dict[str, Any], cells: Mapping[str, str]) -> MemberCommand:
    """The rejected items name activity rows; the reason, one for them all, is needed only with some."""
    row_ids = [r.strip() for r in body.pop("rejected", "").split(";") if r.strip()]
    reason = body.pop("reason", None)
    if row_ids and reason is None:
        raise InvalidCommand("invalid_value", "reason: required when rejected_row_ids names rows",
                             fields={"reason": "required when rejected_row_ids names rows"})
    body["rejected"] = [{"activity_id": row_id, "reason": reason} for row_id in row_ids]
    return ReviewDocumentation(member_id, **_load(DocumentationBody, body, cells))


BUILDERS: dict[str, Callable[[str, dict[str, Any], Mapping[str, str]], MemberCommand]] = {
    "certification": _certify, "activity": _claim, "renewal": _renew, "audit_selection": _select,
    "documentation": _review,
}

