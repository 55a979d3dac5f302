"""The staff pages: the dashboard of reports, the member search and a member's page (its
status, the status over time, how the story changed as facts were recorded, the revisions and
every recorded fact, with the staff's correction forms).

The forms that ask something are GETs, so every view is a link staff can bookmark or share;
those that change something post to their own routes (`corrections`, `policy_page`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from application.service import HistoryEntry
from domain.events import ActivityClaimed
from web.auth import Permission
from web.dashboard import data, figures
from web.dashboard.access import page
from web.dashboard.blueprint import Refusal, dashboard
from web.dashboard.forms import invalid, new_submission_key
from web.dashboard.wording import (
    Facts,
    fact_details,
    fact_kind,
    moment_details,
    moment_input,
    moment_label,
    voided_note,
)
from web.fields import EARLIEST, LATEST

SEARCH_LIMIT = 50
AHEAD = timedelta(days=365)  # the status band runs to about a year after today


def _date_arg(name: str, default: date) -> date:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise invalid(name, f"{text!r} is not a date YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise invalid(name, f"dates must be between {EARLIEST} and {LATEST}")
    return day


def _year_arg(name: str, default: int) -> int:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or not EARLIEST.year <= int(text) <= LATEST.year:
        raise invalid(name, f"{text!r} is not a year between {EARLIEST.year} and {LATEST.year}")
    return int(text)


def time_arg(name: str) -> datetime | None:
    """An ISO time; without an offset it is UTC, as the form's datetime-local input says."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid(name, f"{text!r} is not a time YYYY-MM-DDTHH:MM[:SS][+HH:MM]") from None
    if not EARLIEST.year <= moment.year <= LATEST.year:
        raise invalid(name, f"times must be in the years {EARLIEST.year} to {LATEST.year}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dashboard.get("/dashboard")
@page(Permission.REPORT)
def overview() -> str:
    today = data.today()
    on = _date_arg("on", today)
    year = _year_arg("year", on.year)
    reports = data.dashboard_reports(on, year)
    charts = {
        "status": figures.status_chart(reports.status_counts),
        "renewals": figures.renewals_chart(reports.renewals_due),
        "audits": figures.audits_chart(reports.audits),
        "cecs": figures.cec_chart(reports.cec_categories),
    }
    return render_template("dashboard/overview.html", today=today, on=on, year=year, reports=reports,
                           charts=charts, level_tones=figures.level_tones(reports.status_counts))


@dashboard.get("/dashboard/members")
@page(Permission.READ)
def member_search() -> str | BaseResponse:
    text = request.args.get("q", "").strip()
    if text and data.is_member(text):
        return redirect(url_for("dashboard.member", member_id=text), 303)
    found = data.members_matching(text, SEARCH_LIMIT + 1)
    return render_template("dashboard/members.html", q=text, members=found[:SEARCH_LIMIT],
                           more=len(found) > SEARCH_LIMIT)


@dashboard.get("/dashboard/members/<member_id>")
@page(Permission.READ)
def member(member_id: str) -> str:
    return member_page(member_id)[0]


def member_page(member_id: str, refusal: Refusal | None = None) -> tuple[str, int]:
    """The member page and its status: 200, or a refused correction's status with the refusal
    shown beside the withdrawal form (which keeps what was typed)."""
    today = data.today()
    on = _date_arg("on", today)
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
        story=figures.member_story(record.moments, facts, today, record.known_at),
        moments=[{"moment": m, "label": moment_label(m), "details": moment_details(m, facts)} for m in record.moments],
        withdrawable=[(e.fact_id, _withdrawable_label(e, facts)) for e in data.withdrawable(record)],
        refusal=refusal, typed=request.form if refusal else {}, submission_key=new_submission_key(),
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
