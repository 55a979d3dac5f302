"""Reading a register file (rules.md section 13; http-api.md, "Bringing records in"): what cannot be
read as a whole is refused before anything is judged, what a spreadsheet writes is read as its user
meant it (and the report says what was assumed), and a row whose cells cannot make its command is
refused on its own. No database: the file is read, and row refusals are judged on the in-memory store."""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal

import pytest
from register_support import activity, certification, imported, refusals, register, renewal

from application.commands import Certify, ClaimActivity
from application.service import CredentialService
from web.schemas.register import RegisterFile, UnreadableRegister, read_register

HEADER = "row_id,member_id,fact,date,certification,category,title,hours\r\n"
CERTIFIED = "r1,m1,certification,2019-05-10,CPT,,,\r\n"
CLAIMED = "r2,m1,activity,2020-02-03,,acsm_workshop,Squats,15\r\n"


def unreadable(data: bytes, max_rows: int | None = None) -> UnreadableRegister:
    with pytest.raises(UnreadableRegister) as caught:
        read_register(data, max_rows)
    return caught.value


def read(text: str) -> RegisterFile:
    return read_register(text.encode())


def row_refusals(file: RegisterFile) -> list[tuple[int, str | None]]:
    """(line, code of the reading refusal, or None when the row makes its command) of every row."""
    return [(row.line, row.unreadable.code if row.unreadable else None) for row in file.rows]


# --- refused whole ----------------------------------------------------------------


def test_an_empty_file_is_refused_whole_as_it_names_no_columns() -> None:
    """http-api.md: "header required"."""
    for data in (b"", codecs.BOM_UTF8):
        refusal = unreadable(data)
        assert (refusal.code, refusal.status) == ("empty_file", 400)
        assert refusal.message.startswith("the file is empty")


def test_a_file_without_a_header_is_refused_whole_naming_what_it_took_for_column_names() -> None:
    """http-api.md: "header required"; a file that starts with a row names unknown columns."""
    refusal = unreadable(b"\r\nr1,m1,certification,2019-05-10\r\n")
    assert (refusal.code, refusal.details["columns"]) == ("unknown_columns", ["r1", "m1", "2019-05-10"])


def test_blank_lines_above_the_header_are_skipped_and_reported_and_lines_stay_the_files() -> None:
    file = read(",,,\r\n\r\n" + register(certification("c1", "m1", "2019-05-10")))
    assert [(row.row_id, row.line) for row in file.rows] == [("c1", 4)]
    assert file.assumed == ["the header is on line 3; the blank lines above it were skipped"]


def test_empty_columns_to_the_right_of_the_header_are_ignored_and_reported() -> None:
    text = register(certification("c1", "m1", "2019-05-10")).replace("\r\n", ",,\r\n")
    file = read(text)
    assert [row.row_id for row in file.rows] == ["c1"]
    assert file.assumed == ["empty columns at the end of the header were ignored"]


def test_utf16_text_without_a_byte_order_mark_is_refused_whole_saying_what_it_looks_like() -> None:
    refusal = unreadable(register(certification("c1", "m1", "2019-05-10")).encode("utf-16-le"))
    assert (refusal.code, refusal.status) == ("bad_encoding", 400)
    assert "UTF-16" in refusal.message


def test_a_member_id_no_api_path_could_name_is_refused_on_its_own() -> None:
    file = read(register(certification("c1", "m/1", "2019-05-10"), certification("c2", "m2", "2019-05-10")))
    assert row_refusals(file)[0][1] == "invalid_value"
    assert file.rows[1].command is not None


def test_missing_columns_are_refused_whole_and_named() -> None:
    """http-api.md: a file with missing columns "is refused with 400 before anything is recorded"."""
    refusal = unreadable(b"row_id,member_id,certification\r\nr1,m1,CPT\r\n")
    assert (refusal.code, refusal.status, refusal.details) == ("missing_columns", 400, {"columns": ["fact", "date"]})
    assert "fact, date" in refusal.message


def test_unknown_columns_are_refused_whole_and_the_known_ones_listed() -> None:
    """http-api.md: "unknown columns refused"."""
    refusal = unreadable(b"row_id,member_id,fact,date,colour,size\r\nr1,m1,renewal,2022-11-01,red,L\r\n")
    assert refusal.code == "unknown_columns"
    assert refusal.details["columns"] == ["colour", "size"]
    assert "recorded_at" in refusal.details["known"]
    assert "'colour', 'size'" in refusal.message


def test_a_column_named_twice_is_refused_whole() -> None:
    refusal = unreadable(b"row_id,member_id,fact,date,Date\r\n")
    assert (refusal.code, refusal.details) == ("duplicate_columns", {"columns": ["date"]})


def test_a_row_id_used_twice_is_refused_whole_with_both_lines() -> None:
    """http-api.md: `row_id` (stable, unique); a duplicate `row_id` refuses the file."""
    refusal = unreadable((HEADER + CERTIFIED + "r1,m2,certification,2019-05-10,CPT,,,\r\n").encode())
    assert (refusal.code, refusal.status) == ("duplicate_row_id", 400)
    assert refusal.details == {"row_id": "r1", "lines": [2, 3]}


def test_text_that_is_not_utf8_is_refused_whole_naming_the_line() -> None:
    """http-api.md: bad encoding refuses the file. A Latin-1 "é" on line 3."""
    refusal = unreadable((HEADER + CERTIFIED).encode() + b"r2,m\xe9,certification,2019-05-10,CPT,,,\r\n")
    assert (refusal.code, refusal.details) == ("bad_encoding", {"line": 3})
    assert "CSV UTF-8" in refusal.message


def test_a_quote_left_open_is_refused_whole_rather_than_swallowing_the_rows_after_it() -> None:
    """A cell opened with a quote and never closed would take every later line into itself: those
    rows would silently go missing, so the file cannot be read as a whole."""
    text = HEADER + CERTIFIED + 'r2,m1,activity,2020-02-03,,acsm_workshop,"Squats,15\r\n' + CLAIMED.replace("r2", "r3")
    refusal = unreadable(text.encode())
    assert (refusal.code, refusal.details) == ("malformed_csv", {"line": 3})


def test_a_cell_too_large_to_be_a_cell_is_refused_whole_as_malformed() -> None:
    refusal = unreadable((HEADER + "r1,m1,certification,2019-05-10," + "X" * 200_000 + ",,,\r\n").encode())
    assert (refusal.code, refusal.details) == ("malformed_csv", {"line": 2})


def test_more_rows_than_allowed_are_refused_whole_with_413() -> None:
    """http-api.md: "a `text/csv` body of at most 10,000 rows"; blank rows do not count."""
    rows = "".join(f"r{n},m{n},audit_selection,2023-01-16,,,,\r\n" for n in range(3))
    assert len(read_register((HEADER + rows + ",,,,,,,\r\n").encode(), max_rows=3).rows) == 3
    refusal = unreadable((HEADER + rows + "r9,m9,audit_selection,2023-01-16,,,,\r\n").encode(), max_rows=3)
    assert (refusal.code, refusal.status, refusal.details) == ("too_many_rows", 413, {"max_rows": 3})


# --- read as meant, and said so ----------------------------------------------------------


def test_a_plain_utf8_comma_file_assumes_nothing() -> None:
    file = read(HEADER + CERTIFIED + CLAIMED)
    assert file.assumed == []
    assert row_refusals(file) == [(2, None), (3, None)]


def test_columns_may_come_in_any_order() -> None:
    file = read("hours,title,category,date,fact,member_id,row_id\r\n"
                "15,Squats,acsm_workshop,2020-02-03,activity,m1,r2\r\n")
    command = file.rows[0].command
    assert isinstance(command, ClaimActivity)
    assert (command.claim.title, command.claim.hours, command.claim.completed_on) == (
        "Squats", Decimal(15), date(2020, 2, 3))


def test_a_byte_order_mark_is_read_as_utf8_and_reported() -> None:
    file = read_register(codecs.BOM_UTF8 + (HEADER + CERTIFIED).encode())
    assert file.assumed == ["the file is UTF-8 with a byte order mark"]
    assert file.rows[0].row_id == "r1"


def test_a_spreadsheets_unicode_text_is_read_as_utf16_with_tabs_and_reported() -> None:
    """A spreadsheet's "Unicode text" is UTF-16 with a byte order mark, separated by tabs."""
    text = (HEADER + CLAIMED).replace(",", "\t")
    file = read_register(text.encode("utf-16"))
    assert file.assumed[0] == 'the file is UTF-16 (a spreadsheet\'s "Unicode text")'
    assert file.assumed[1].startswith("the columns are separated by tabs")
    assert isinstance(file.rows[0].command, ClaimActivity)
    assert file.rows[0].command.claim.hours == 15


def test_semicolons_are_read_as_a_comma_locale_with_decimal_commas_and_reported() -> None:
    """A spreadsheet in a locale whose decimal mark is a comma writes `;` separators and "1,5" hours."""
    file = read("row_id;member_id;fact;date;category;title;hours;fee_paid\r\n"
                "r2;m1;activity;2020-02-03;acsm_workshop;Squats, lunges;1,5;\r\n"
                "r3;m1;renewal;2022-11-01;;;;45,00\r\n")
    assert file.assumed == ["the columns are separated by semicolons; decimal commas in hours, units, credit_hours, "
                            "fee_paid are read as decimal points"]
    claimed, renewed = (row.command for row in file.rows)
    assert isinstance(claimed, ClaimActivity)
    assert (claimed.claim.hours, claimed.claim.title) == (Decimal("1.5"), "Squats, lunges")
    assert renewed is not None
    assert renewed.fee_paid == Decimal("45.00")


def test_column_names_in_another_case_or_with_spaces_are_read_and_reported() -> None:
    file = read(" Row_ID ,MEMBER_ID,Fact,Date,Certification\r\nr1,m1,certification,2019-05-10,CPT\r\n")
    assert file.assumed == ["column names were read without regard to case or surrounding spaces"]
    assert file.rows[0].command == Certify("m1", "CPT", date(2019, 5, 10))


def test_blank_rows_are_skipped_and_counted_and_lines_stay_the_files() -> None:
    """`line` is the file's line, the header being line 1, blank rows and line breaks in cells counted."""
    file = read(HEADER + CERTIFIED + "\r\n,,,,,,,\r\n" + 'r2,m1,activity,2020-02-03,,acsm_workshop,"Two\nlines",3\r\n'
                + CLAIMED.replace("r2", "r3"))
    assert file.assumed == ["2 blank rows were skipped"]
    assert [(row.row_id, row.line) for row in file.rows] == [("r1", 2), ("r2", 5), ("r3", 7)]


# --- a row refused on its own ------------------------------------------------------------------


@pytest.mark.parametrize(("row", "code", "named"), [
    ("r1,m1,certification,2019-02-30,CPT,,,", "invalid_value", "date"),
    ("r1,m1,certification,,CPT,,,", "invalid_value", "date"),
    ("r1,m1,activity,2020-02-03,,acsm_workshop,Squats,ten", "invalid_value", "hours"),
    (",m1,certification,2019-05-10,CPT,,,", "invalid_value", "row_id"),
    ("r1,,certification,2019-05-10,CPT,,,", "invalid_value", "member_id"),
    ("r1,m1,payment,2019-05-10,,,,", "unknown_fact", "payment"),
    ("r1,m1,renewal,2022-11-01,,,,15", "unexpected_value", "hours"),
    ("r1,m1,certification,2019-05-10,CPT,,,,late", "extra_cells", "9 cells"),
])
def test_a_row_whose_cells_cannot_make_its_command_is_refused_on_its_own(row: str, code: str, named: str) -> None:
    """http-api.md: the CSV columns of each fact; a row that cannot be read is refused with its code, and the
    rows around it are still read."""
    file = read(HEADER + CERTIFIED.replace("r1", "r0") + row + "\r\n" + CLAIMED)
    assert row_refusals(file) == [(2, None), (3, code), (4, None)]
    refusal = file.rows[1].unreadable
    assert refusal is not None
    assert named in refusal.message


def test_a_recorded_at_without_its_offset_is_refused_as_ambiguous() -> None:
    """http-api.md: `recorded_at` (optional, ISO time with offset)."""
    file = read("row_id,member_id,fact,date,recorded_at\r\nr1,m1,renewal,2022-11-01,2022-11-02T10:00:00\r\n"
                "r2,m1,renewal,2022-11-01,2022-11-02T10:00:00+02:00\r\n")
    assert row_refusals(file) == [(2, "invalid_value"), (3, None)]
    assert "recorded_at" in str(file.rows[0].unreadable)


def test_documentation_rejecting_rows_needs_the_reason() -> None:
    file = read("row_id,member_id,fact,date,rejected_row_ids,reason\r\nd1,m1,documentation,2023-02-20,r2;r3,\r\n"
                "d2,m1,documentation,2023-02-20,r2; r3,no certificate\r\nd3,m1,documentation,2023-02-20,,\r\n")
    assert row_refusals(file) == [(2, "invalid_value"), (3, None), (4, None)]
    assert file.rows[1].command.rejected == (("r2", "no certificate"), ("r3", "no certificate"))  # type: ignore[union-attr]


def test_a_certification_rows_name_is_the_members_and_other_rows_may_repeat_it() -> None:
    """A register often repeats the member's name on every row; only a certification records it."""
    file = read("row_id,member_id,fact,date,certification,name\r\nr1,m1,certification,2019-05-10,CPT,Ada\r\n"
                "r2,m1,renewal,2022-11-01,,Ada\r\n")
    assert file.rows[0].command == Certify("m1", "CPT", date(2019, 5, 10), "Ada")
    assert row_refusals(file) == [(2, None), (3, None)]


def test_an_unreadable_row_is_reported_with_its_line_and_nothing_of_it_is_recorded(
        memory_service: CredentialService) -> None:
    """rules.md section 13: "A refused row is reported with its code and message and changes nothing; the
    other rows still apply"."""
    report = imported(memory_service, certification("r1", "m1", "2019-05-10"),
                      activity("r2", "m1", "2020-02-30"), renewal("r3", "m1", "2022-11-01", hours=3),
                      activity("r4", "m1", "2020-02-03", hours=45))
    assert refusals(report) == [("r2", "invalid_value"), ("r3", "unexpected_value")]
    assert [refusal.line for refusal in report.refused] == [3, 4]
    assert report.refused[0].message == "date: Not a date: expected YYYY-MM-DD."
    assert (report.rows, report.recorded) == (4, 2)
    assert [type(f).__name__ for f in memory_service.credential("m1").history] == [
        "CredentialOpened", "Certified", "ActivityClaimed"]


def test_a_register_builds_exactly_the_commands_the_api_builds() -> None:
    """The module's promise: an imported row and a posted request mean the same thing."""
    file = read(register(certification("r1", "m1", "2019-05-10", "HFS", name="Ada"),
                         activity("r2", "m1", "2020-02-03", None, "approved_provider", units="1.5", provider="NASM",
                                  title="Kettlebells", course_id="K-1")))
    assert file.rows[0].command == Certify("m1", "HFS", date(2019, 5, 10), "Ada")
    claimed = file.rows[1].command
    assert isinstance(claimed, ClaimActivity)
    assert (claimed.claim.category, claimed.claim.units, claimed.claim.provider, claimed.claim.course_id,
            claimed.claim.evidence) == ("approved_provider", Decimal("1.5"), "NASM", "K-1", "cec_certificate")
