"""Bringing a register in: `POST /imports` (rules.md section 13), a CSV body of at most 10,000 rows.

A file that cannot be read as a whole is refused (400) before any row is judged; otherwise the
answer is the import's report, every refused row with its line and the rule's code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from application.imports import ImportReport
from web.auth import Permission
from web.endpoint import CSV, Operation, endpoint
from web.errors import ApiError
from web.schemas.imports import ImportDocument, ImportQuery
from web.schemas.register import RegisterFile, UnreadableRegister, read_register
from web.services import service

MAX_ROWS = 10_000
# 10,000 rows of every column filled, with room to spare.
MAX_IMPORT_BYTES = 16 * 1024 * 1024

imports = Blueprint("imports", __name__)


@endpoint(imports, Operation(
    "POST", "/imports", "Import a register (CSV)", "imports", ImportDocument, 200, Permission.IMPORT,
    query=ImportQuery, raw_body=CSV, body_limit=MAX_IMPORT_BYTES,
    description="Each row is judged like the command it stands for, as of its business date; a member's rows "
                "apply in business-date order. Refused rows change nothing and are listed; the rest are recorded "
                "(in a dry run, only judged). Importing the same rows again records nothing new. A file that "
                "cannot be read as a whole (missing or unknown columns, a duplicate row_id, not UTF-8) is "
                f"refused with 400, more than {MAX_ROWS:,} rows with 413, before anything is recorded.",
))
def import_register(query: dict[str, Any], body: bytes) -> dict[str, Any]:
    register = readable(body)
    return import_document(service().import_register(register.rows, dry_run=query["dry_run"]), register)


def readable(body: bytes) -> RegisterFile:
    try:
        return read_register(body, MAX_ROWS)
    except UnreadableRegister as error:
        raise ApiError(error.status, error.code, error.message, error.details) from None


def import_document(report: ImportReport, register: RegisterFile) -> dict[str, Any]:
    return {**vars(report), "assumed": register.assumed}
