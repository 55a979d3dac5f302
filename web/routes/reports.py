"""Reports for staff dashboards, each also as CSV (`Accept: text/csv`).

Answered from the read-model tables, brought up to date with every write first
(projections.reading); the yearly reports count what is known today."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from projections.answers import AuditsReport, CecCategories, RenewalsDue, StatusCounts
from web.auth import Permission
from web.endpoint import Operation, endpoint
from web.schemas.parameters import OnQuery, YearQuery
from web.schemas.reports import AuditsDocument, CecCategoriesDocument, RenewalsDueDocument, StatusCountsDocument
from web.services import answer_reports, service

reports = Blueprint("reports", __name__)


def report(rule: str, summary: str, answer: type, query: type, rows: str) -> Operation:
    return Operation("GET", rule, summary, "reports", answer, permission=Permission.REPORT, query=query,
                     csv_rows=rows)


@endpoint(reports, report("/reports/status-counts", "Members by status and level on a date",
                          StatusCountsDocument, OnQuery, "rows"))
def status_counts(query: dict[str, Any]) -> StatusCounts:
    on = query["on"] or service().today()
    return answer_reports(lambda queries: queries.status_counts(on))


@endpoint(reports, report("/reports/renewals-due", "Cycles ending in a year, by month, and how many renewed",
                          RenewalsDueDocument, YearQuery, "months"))
def renewals_due(query: dict[str, Any]) -> RenewalsDue:
    as_of = service().today()
    return answer_reports(lambda queries: queries.renewals_due(query["year"], as_of))


@endpoint(reports, report("/reports/audits", "Audits selected in a year, by state", AuditsDocument, YearQuery,
                          "by_state"))
def audits(query: dict[str, Any]) -> AuditsReport:
    as_of = service().today()
    return answer_reports(lambda queries: queries.audits(query["year"], as_of))


@endpoint(reports, report("/reports/cec-categories", "CECs claimed per category for activities completed in a year",
                          CecCategoriesDocument, YearQuery, "categories"))
def cec_categories(query: dict[str, Any]) -> CecCategories:
    return answer_reports(lambda queries: queries.cec_categories(query["year"]))
