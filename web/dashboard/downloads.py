"""The dashboard's reports as CSV files, downloaded with the page's session: the four reports the
overview shows (status counts on a day; renewals due, audits and the CEC mix of a year), each the
rows of its `/reports/*` answer in the API's own CSV columns (`csv_response`), so a spreadsheet
gets what the API's `Accept: text/csv` gives. A browser following a link cannot send the API's
bearer token; this is the same answer behind the session instead, as `due.csv` is for the Due page.

Each is an attachment named for what it holds, as the API names its files (`csv_filename`):
`status-counts-on-2026-11-28.csv`, `renewals-due-year-2026.csv`...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, url_for
from marshmallow import Schema

from web.auth import Permission
from web.dashboard import data
from web.dashboard.access import page
from web.dashboard.arguments import date_arg, year_arg
from web.dashboard.blueprint import dashboard
from web.endpoint import csv_response
from web.errors import ApiError
from web.schemas import shared
from web.schemas.reports import AuditsDocument, CecCategoriesDocument, RenewalsDueDocument, StatusCountsDocument


@dataclass(frozen=True)
class Download:
    """One report as a file: its answer's schema, the list that is the rows, and the report itself
    from the dashboard's four (asked for a day and a year)."""

    schema: type[Schema]
    rows: str
    dated: bool  # asked for a day (`on`); else for a year
    pick: Callable[[data.DashboardReports], Any]


DOWNLOADS = {
    "status-counts": Download(StatusCountsDocument, "rows", True, lambda r: r.status_counts),
    "renewals-due": Download(RenewalsDueDocument, "months", False, lambda r: r.renewals_due),
    "audits": Download(AuditsDocument, "by_state", False, lambda r: r.audits),
    "cec-categories": Download(CecCategoriesDocument, "categories", False, lambda r: r.cec_categories),
}


def report_link(name: str, on: date, year: int) -> str:
    """The download of report `name` as the overview asks it (`on` for the day's, `year` for the rest)."""
    if DOWNLOADS[name].dated:
        return url_for("dashboard.report_csv", name=name, on=on.isoformat())
    return url_for("dashboard.report_csv", name=name, year=year)


@dashboard.get("/dashboard/reports/<name>.csv")
@page(Permission.REPORT)
def report_csv(name: str) -> Response:
    download = DOWNLOADS.get(name)
    if download is None:
        raise ApiError(404, "not_found", f"no report {name!r}: one of {', '.join(DOWNLOADS)}")
    today = data.today()
    on = date_arg("on", today)
    year = year_arg("year", on.year)
    report = download.pick(data.dashboard_reports(on, year))
    asked = f"on-{on.isoformat()}" if download.dated else f"year-{year}"
    return csv_response(download.schema, download.rows, shared(download.schema).dump(report),
                        filename=f"{name}-{asked}.csv")
