"""The staff pages: the dashboard of reports (each bar a link to the members behind it, listed by
`member_list`) and a member's page (its status, what is needed, the reminders sent, the status
over time, how the story changed as facts were recorded, the revisions and every recorded fact,
with the staff's correction forms and the what-if form of `what_if_page`).

The forms that ask something are GETs, so every view is a link staff can bookmark or share;
those that change something post to their own routes (`corrections`, `policy_page`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template, request, url_for

from application.service import HistoryEntry
from domain.events import ActivityClaimed, Evidence
from web.auth import Permission
from web.dashboard import data, figures
from web.dashboard.access import page
from web.dashboard.arguments import date_arg, time_arg, year_arg
from web.dashboard.blueprint import Refusal, dashboard
from web.dashboard.charts import NARROW_BAND_WIDTH
from web.dashboard.downloads import DOWNLOADS, report_link
from web.dashboard.forms import new_submission_key
from web.dashboard.member_list import list_link
from web.dashboard.what_if_page import what_if_defaults
from web.dashboard.wording import (
    Facts,
    fact_details,
    fact_kind,
    moment_details,
    moment_input,
    moment_label,
    voided_note,
)

AHEAD = timedelta(days=365)  # the status band runs to about a year after today


@dashboard.get("/dashboard")
@page(Permission.REPORT)
def overview() -> str:
    today = data.today()
    on = date_arg("on", today)
    year = year_arg("year", on.year)
    reports = data.dashboard_reports(on, year)
    # Each bar (or part of one) links to the members list behind it (no script: a plain link).
    charts = {
        "status": figures.status_chart(reports.status_counts, list_link),
        "renewals": figures.renewals_chart(reports.renewals_due, list_link),
        "audits": figures.audits_chart(reports.audits, list_link),
        "cecs": figures.cec_chart(reports.cec_categories),
    }
    downloads = {name: report_link(name, on, year) for name in DOWNLOADS}
    return render_template("dashboard/overview.html", today=today, on=on, year=year, reports=reports,
                           charts=charts, level_tones=figures.level_tones(reports.status_counts), downloads=downloads)


@dashboard.get("/dashboard/members/<member_id>")
@page(Permission.READ)
def member(member_id: str) -> str:
    return member_page(member_id)[0]


def member_page(member_id: str, refusal: Refusal | None = None) -> tuple[str, int]:
    """The member page and its status: 200, or a refused correction's status with the refusal
    shown beside the withdrawal form (which keeps what was typed)."""
    today = data.today()
    on = date_arg("on", today)
    known_at = time_arg("known_at")
    horizon = max(today, on) + AHEAD
    record = data.member(member_id, on, known_at, horizon)
    periods = figures.status_periods(record.transitions)
    facts = Facts.of(record.facts)
    events: list[dict[str, Any]] = [{
        "entry": entry,
        "kind": fact_kind(entry.type),
        "details": fact_details(entry.fact, facts),
        "voided": voided_note(facts.by_id[entry.withdrawn_by]) if entry.withdrawn_by else None,
        "known": entry.fact.timestamp <= record.known_at,
        "replay_link": url_for("dashboard.member", member_id=member_id, on=entry.fact.effective_on.isoformat(),
                               known_at=entry.fact.timestamp.isoformat()),
        "amend_link": _amend_link(record, entry),
    } for entry in record.history]
    page_html = render_template(
        "dashboard/member.html", record=record, status=record.status, today=today, on=on,
        known_at_asked=known_at, known_at_value=moment_input(known_at), events=events, periods=periods,
        band=figures.status_history_chart(periods, horizon, today, on),
        narrow_band=figures.status_history_chart(periods, horizon, today, on, name="status-history-narrow",
                                                 width=NARROW_BAND_WIDTH),
        story=figures.member_story(record.moments, facts, today, record.known_at),
        moments=[{"moment": m, "label": moment_label(m), "details": moment_details(m, facts)} for m in record.moments],
        withdrawable=[(e.fact_id, _withdrawable_label(e, facts)) for e in data.withdrawable(record)],
        refusal=refusal, typed=request.form if refusal else {}, submission_key=new_submission_key(),
        reminders=data.reminders(record.facts), statement_on=None if on == today else on,
        what_if_values=what_if_defaults(today), categories=data.category_choices(),
        evidence=[e.value for e in Evidence],
    )
    return page_html, refusal.status if refusal else 200


def _withdrawable_label(entry: HistoryEntry, facts: Facts) -> str:
    # A superseded claim can still be withdrawn (which takes the activity away): say it is superseded.
    superseded = f" (superseded by fact {entry.withdrawn_by})" if entry.withdrawn_by else ""
    return f"fact {entry.fact_id} · {fact_kind(entry.type)}{superseded}: {fact_details(entry.fact, facts)}"


def _amend_link(record: data.MemberRecord, entry: HistoryEntry) -> str | None:
    """Only the claim or amendment that holds an activity's content now can be amended."""
    fact = entry.fact
    if not isinstance(fact, ActivityClaimed):
        return None
    standing = record.activity(fact.activity_id)
    if standing is None or standing.fact_id != fact.fact_id:
        return None
    return url_for("dashboard.amendment", member_id=record.member_id, activity_id=fact.activity_id)
