"""Reports for staff dashboards, each also as CSV (`Accept: text/csv`).

Computed from the event store on each request for now (projections.reports); the
read-model tables of a later issue will answer the same."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from projections import reports as compute
from projections.histories import member_histories
from web.auth import Permission
from web.endpoint import Operation, endpoint
from web.schemas.parameters import OnQuery, YearQuery
from web.schemas.reports import AuditsDocument, CecCategoriesDocument, RenewalsDueDocument, StatusCountsDocument
from web.services import service

reports = Blueprint("reports", __name__)


def report(rule: str, summary: str, answer: type, query: type, rows: str) -> Operation:
    return Operation("GET", rule, summary, "reports", answer, permission=Permission.REPORT, query=query,
                     csv_rows=rows)


@endpoint(reports, report("/reports/status-counts", "Members by status and level on a date",
                          StatusCountsDocument, OnQuery, "rows"))
def status_counts(query: dict[str, Any]) -> compute.StatusCounts:
    app = service()
    return compute.status_counts(member_histories(app), query["on"] or app.today(), app.policy)


@endpoint(reports, report("/reports/renewals-due", "Cycles ending in a year, by month, and how many renewed",
                          RenewalsDueDocument, YearQuery, "months"))
def renewals_due(query: dict[str, Any]) -> compute.RenewalsDue:
    app = service()
    return compute.renewals_due(member_histories(app), query["year"], app.today(), app.policy)


@endpoint(reports, report("/reports/audits", "Audits selected in a year, by state", AuditsDocument, YearQuery,
                          "by_state"))
def audits(query: dict[str, Any]) -> compute.AuditsReport:
    app = service()
    return compute.audits(member_histories(app), query["year"], app.today(), app.policy)


@endpoint(reports, report("/reports/cec-categories", "CECs claimed per category for activities completed in a year",
                          CecCategoriesDocument, YearQuery, "categories"))
def cec_categories(query: dict[str, Any]) -> compute.CecCategories:
    return compute.cec_categories(member_histories(service()), query["year"])
