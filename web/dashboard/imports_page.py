"""The imports page, for staff: a register (a CSV file) brought in from the browser, exactly as
`POST /imports` brings it in (rules.md section 13).

The form posts the file (multipart) with a "dry run" box, checked until staff uncheck it. The file
is read by the API's own reader (`web.routes.imports.readable`: the same 10,000 rows and size
limit) and imported by `service.import_register`; the page answers with the import's report: the
rows, recorded (or that would be), already imported, refused, the members named, what was assumed
reading the file, and each refused row with its line, row_id, code and message, its member linked
when the member exists. A file that cannot be read as a whole is shown beside the form with its
code and message, at the API's status, and nothing of it is judged or recorded.

The report is the POST's own answer (there is nothing to redirect to): sending it again is
harmless, since each row is recorded under `import:<row_id>` and an import of the same rows
records nothing new. Without script a page cannot keep a chosen file, so after a dry run the form
comes back with the box unchecked: choosing the same file again records what was judged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from application.imports import ImportReport
from web.auth import Permission
from web.dashboard import data
from web.dashboard.access import form, page
from web.dashboard.blueprint import REFUSALS, Refusal, dashboard, refusal_of
from web.dashboard.forms import invalid
from web.errors import ApiError
from web.routes.imports import MAX_IMPORT_BYTES, MAX_ROWS, readable
from web.schemas.register import RegisterFile
from web.services import service

PAGE = "/dashboard/imports"
FILE_FIELD, DRY_RUN_FIELD = "register", "dry_run"
# Room beside the file for the form's other fields and the multipart boundaries.
FORM_OVERHEAD = 64 * 1024
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class RefusedRow:
    line: int
    row_id: str
    member_id: str
    member_exists: bool
    code: str
    message: str


@dataclass(frozen=True)
class ImportResult:
    report: ImportReport
    assumed: list[str]
    refused: list[RefusedRow]
    file_name: str


def _upload_sized(view: Callable[..., Any]) -> Callable[..., Any]:
    """The API's body limit for the import, set before the guard reads the form (the app's is 1 MiB);
    a file over it is refused beside the form. The guard reads the form only once it has admitted
    the role, so only staff ever get that far."""
    @functools.wraps(view)
    def sized(**values: Any) -> Any:
        request.max_content_length = MAX_IMPORT_BYTES + FORM_OVERHEAD
        try:
            return view(**values)
        except RequestEntityTooLarge:
            too_large = ApiError(413, "body_too_large", f"the file is larger than {MAX_IMPORT_BYTES // MEGABYTE} MB;"
                                 " send it in parts or use `credentials import`", {"max_bytes": MAX_IMPORT_BYTES})
            return imports_page(refusal=refusal_of(too_large))  # the form could not be read: its box is unknown

    return sized


@dashboard.get(PAGE)
@page(Permission.IMPORT)
def imports() -> tuple[str, int]:
    return imports_page()


@dashboard.post(PAGE)
@_upload_sized
@form(Permission.IMPORT)
def import_file() -> tuple[str, int]:
    dry_run = request.form.get(DRY_RUN_FIELD) == "true"
    try:
        upload = request.files.get(FILE_FIELD)
        if upload is None or not upload.filename:
            raise invalid(FILE_FIELD, "choose the register's CSV file")
        file_name, register = upload.filename, readable(upload.read())
        report = service().import_register(register.rows, dry_run=dry_run)
    except REFUSALS as error:
        return imports_page(refusal=refusal_of(error), dry_run=dry_run)
    return imports_page(result=_result(report, register, file_name))


def imports_page(result: ImportResult | None = None, refusal: Refusal | None = None,
                 dry_run: bool = True) -> tuple[str, int]:
    """The form (its box checked, but unchecked after a dry run's report: the next step is the
    import), with the last upload's report or refusal."""
    checked = dry_run if result is None else not result.report.dry_run
    page_html = render_template("dashboard/imports.html", result=result, refusal=refusal, dry_run_checked=checked,
                                max_rows=MAX_ROWS, max_megabytes=MAX_IMPORT_BYTES // MEGABYTE)
    return page_html, refusal.status if refusal else 200


def _result(report: ImportReport, register: RegisterFile, file_name: str) -> ImportResult:
    """The report with each refused row's member (rows are named by their line: a row unreadable
    enough may have no row_id) and whether that member exists now, to link to."""
    member_of = {row.line: row.member_id for row in register.rows}
    named = {member_of.get(refusal.line, "") for refusal in report.refused} - {""}
    existing = {member_id for member_id in named if data.is_member(member_id)}
    refused = [RefusedRow(r.line, r.row_id, member_of.get(r.line, ""), member_of.get(r.line, "") in existing,
                          r.code, r.message) for r in report.refused]
    return ImportResult(report, register.assumed, refused, file_name)
