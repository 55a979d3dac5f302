"""The members list: each member's status and level on a date, by member id, PAGE_SIZE at a
time; found by id or name, by status and level, or as the members a bar of the dashboard counts
(the audits selected in a year in a state; the cycles ending in a month, renewed or not).

Its question is the query string, read here (`asked`) and written here (`list_args`), so the link
on a bar asks exactly what the bar counts, and the form and the pages keep every part of it. The
list comes from the reports' tables, as the counts do (`ReportQueries.member_list`).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from domain.states import AuditState, Status
from projections.answers import NO_LEVEL, AuditsSelected, CyclesEnding, MemberFilter, MemberList, Renewal
from web.auth import Permission
from web.dashboard import data
from web.dashboard.access import page
from web.dashboard.arguments import choice_arg, date_arg, month_arg, page_arg, text_arg, year_arg
from web.dashboard.blueprint import dashboard
from web.dashboard.forms import invalid
from web.dashboard.wording import MONTHS, RENEWALS, humanize

PAGE_SIZE = 50
# The query string's names. `level=none` asks for members with no level (the charts' "no level").
TEXT, STATUS, LEVEL, ON, PAGE = "q", "status", "level", "on", "page"
AUDITS, AUDIT_STATE, CYCLES, RENEWAL = "audits_selected", "audit_state", "cycles_ending", "renewal"
NO_LEVEL_ARG = "none"
FORM_ARGS = (TEXT, STATUS, LEVEL, ON)  # the form's own fields; it carries the others as they are


@dashboard.get("/dashboard/members")
@page(Permission.READ)
def member_search() -> str | BaseResponse:
    text = text_arg(TEXT)
    if text and data.is_member(text):
        return redirect(url_for("dashboard.member", member_id=text), 303)
    today = data.today()
    on, wanted, number = date_arg(ON, today), asked(text), page_arg(PAGE)
    found = data.member_list(on, wanted, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-found.total // PAGE_SIZE))
    args = list_args(on, wanted)
    return render_template(
        "dashboard/members.html", found=found, q=text, today=today, page=number, pages=pages,
        description=description(found), counted_heading=_counted_heading(wanted),
        statuses=[status.value for status in Status], levels=data.levels(), no_level=NO_LEVEL_ARG,
        chosen_level=args.get(LEVEL, ""), kept={name: value for name, value in args.items() if name not in FORM_ARGS},
        previous=list_link(on, wanted, number - 1) if number > 1 else None,
        next=list_link(on, wanted, number + 1) if number < pages else None,
    )


def asked(text: str) -> MemberFilter:
    """The members the query string asks for (`text` already read); a 400 for a malformed part."""
    level = text_arg(LEVEL)
    return MemberFilter(
        status=choice_arg(STATUS, [status.value for status in Status]),
        level=None if not level else NO_LEVEL if level == NO_LEVEL_ARG else level,
        text=text,
        counted=_counted(),
    )


def _counted() -> AuditsSelected | CyclesEnding | None:
    year = year_arg(AUDITS, None)
    state = choice_arg(AUDIT_STATE, [state.value for state in AuditState])
    month = month_arg(CYCLES)
    renewal = choice_arg(RENEWAL, [renewal.value for renewal in Renewal])
    if year is not None and month is not None:
        raise invalid(CYCLES, f"a list is of audits ({AUDITS}) or of cycles ({CYCLES}), not both")
    if state is not None and year is None:
        raise invalid(AUDIT_STATE, f"needs {AUDITS}, the year the audits were selected")
    if renewal is not None and month is None:
        raise invalid(RENEWAL, f"needs {CYCLES}, the month YYYY-MM the cycles end")
    if year is not None:
        return AuditsSelected(year, state)
    if month is not None:
        return CyclesEnding(*month, renewal)
    return None


def list_args(on: date, wanted: MemberFilter, page_number: int = 1) -> dict[str, str]:
    """The query string asking for `wanted` on `on` (its page `page_number`): what `asked` reads."""
    level = NO_LEVEL_ARG if wanted.level == NO_LEVEL else wanted.level
    args: dict[str, str | None] = {TEXT: wanted.text, STATUS: wanted.status, LEVEL: level, ON: on.isoformat()}
    counted = wanted.counted
    if isinstance(counted, AuditsSelected):
        args |= {AUDITS: str(counted.year), AUDIT_STATE: counted.state}
    elif isinstance(counted, CyclesEnding):
        args |= {CYCLES: f"{counted.year:04d}-{counted.month:02d}", RENEWAL: counted.renewal}
    if page_number > 1:
        args[PAGE] = str(page_number)
    return {name: value for name, value in args.items() if value}


def list_link(on: date, wanted: MemberFilter, page_number: int = 1) -> str:
    """The members list of `wanted` on `on`: the link a bar of the dashboard carries."""
    query = urlencode(list_args(on, wanted, page_number))
    return url_for("dashboard.member_search") + (f"?{query}" if query else "")


def description(found: MemberList) -> str:
    """What the list holds, in words: "Active members at level CPT, whose cycle ends in ..."."""
    wanted, on = found.wanted, found.on
    clauses = []
    if wanted.level is not None:
        clauses.append("with no level" if wanted.level == NO_LEVEL else f"at level {wanted.level}")
    if wanted.text:
        clauses.append(f"whose id or name contains “{wanted.text}”")
    counted = wanted.counted
    if isinstance(counted, AuditsSelected):
        state = humanize(counted.state).lower() if counted.state else "in any state"
        clauses.append(f"with an audit selected in {counted.year}, {state} on {on}")
    elif isinstance(counted, CyclesEnding):
        renewal = RENEWALS[counted.renewal] if counted.renewal else "renewed or not"
        clauses.append(f"whose cycle ends in {MONTHS[counted.month - 1]} {counted.year}, {renewal} as known on {on}")
    who = f"{humanize(wanted.status)} members" if wanted.status else "Members"
    return f"{' '.join([who, ', '.join(clauses)]).strip()}: their status and level on {on}, by member id."


def _counted_heading(wanted: MemberFilter) -> str | None:
    """The heading of the column saying what a report counted of each, if it is that list."""
    if isinstance(wanted.counted, AuditsSelected):
        return "Audit selected"
    if isinstance(wanted.counted, CyclesEnding):
        return "Cycle ends"
    return None
