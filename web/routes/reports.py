"""Reports for staff dashboards, each also as CSV (`?format=csv`, or `Accept: text/csv`).

Answered from the read-model tables, brought up to date with every write first
(projections.reading); the yearly reports count what is known today, the revisions report
what was recorded in a window of recorded time."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from projections.answers import AuditsReport, CecCategories, RenewalsDue, RevisionsReport, StatusCounts
from web.auth import Permission
from web.endpoint import Operation, endpoint
from web.schemas.parameters import OnQuery, YearQuery
from web.schemas.reports import (
    AuditsDocument,
    CecCategoriesDocument,
    RecordedWindowQuery,
    RenewalsDueDocument,
    RevisionsReportDocument,
    StatusCountsDocument,
)
from web.services import answer_reports, service

reports = Blueprint("reports", __name__)


def report(rule: str, summary: str, answer: type, query: type, rows: str, description: str = "") -> Operation:
    return Operation("GET", rule, summary, "reports", answer, permission=Permission.REPORT, query=query,
                     csv_rows=rows, description=description)


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


@endpoint(reports, report(
    "/reports/revisions", "Every revision recorded in a window of recorded time, span by span",
    RevisionsReportDocument, RecordedWindowQuery, "rows",
    "Each change a recorded fact (or a policy version) made to the status or level of business dates before "
    "the day it was recorded (rules.md section 10), one row per span, member by member. The window runs from "
    "`recorded_from` (inclusive) to `recorded_to` (exclusive); either may be left out."))
def revisions(query: dict[str, Any]) -> RevisionsReport:
    return answer_reports(lambda queries: queries.revisions(query["recorded_from"], query["recorded_to"]))
