"""The staff pages: the dashboard of reports, the member search and a member's page.

Forms are GETs (they change nothing), so every view is a link staff can bookmark or share.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from domain.events import ActivityClaimed
from web.auth import Permission
from web.dashboard import data, figures
from web.dashboard.access import page
from web.dashboard.blueprint import dashboard
from web.dashboard.wording import fact_details, moment_input
from web.errors import ApiError
from web.fields import EARLIEST, LATEST

SEARCH_LIMIT = 50
AHEAD = timedelta(days=365)  # the status band runs to about a year after today


def _invalid(name: str, message: str) -> ApiError:
    return ApiError(400, "invalid_input", f"{name}: {message}", {name: [message]})


def _date_arg(name: str, default: date) -> date:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _invalid(name, f"{text!r} is not a date YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise _invalid(name, f"dates must be between {EARLIEST} and {LATEST}")
    return day


def _year_arg(name: str, default: int) -> int:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or not EARLIEST.year <= int(text) <= LATEST.year:
        raise _invalid(name, f"{text!r} is not a year between {EARLIEST.year} and {LATEST.year}")
    return int(text)


def _time_arg(name: str) -> datetime | None:
    """An ISO time; without an offset it is UTC, as the form's datetime-local input says."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(name, f"{text!r} is not a time YYYY-MM-DDTHH:MM[:SS][+HH:MM]") from None
    if not EARLIEST.year <= moment.year <= LATEST.year:
        raise _invalid(name, f"times must be in the years {EARLIEST.year} to {LATEST.year}")
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
    today = data.today()
    on = _date_arg("on", today)
    known_at = _time_arg("known_at")
    horizon = max(today, on) + AHEAD
    record = data.member(member_id, on, known_at, horizon)
    periods = figures.status_periods(record.transitions)
    titles = {f.activity_id: f.title for f in (e.fact for e in record.history) if isinstance(f, ActivityClaimed)}
    events: list[dict[str, Any]] = [{
        "entry": entry,
        "details": fact_details(entry.fact, titles),
        "known": entry.fact.timestamp <= record.known_at,
        "replay_link": url_for("dashboard.member", member_id=member_id, on=entry.fact.effective_on.isoformat(),
                               known_at=entry.fact.timestamp.isoformat()),
    } for entry in record.history]
    return render_template(
        "dashboard/member.html", record=record, status=record.status, today=today, on=on,
        known_at_asked=known_at, known_at_value=moment_input(known_at), events=events, periods=periods,
        band=figures.status_history_chart(periods, horizon, today, on),
    )
