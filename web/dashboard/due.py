"""The Due page: who must act, and by when. The worklist of /worklists/due for a day and a number
of days ahead, most urgent first (the worklist's own order), by kind of matter and by level, each
row linking to the member; and the same rows as CSV, downloaded with the page's session (the
API's CSV wants a bearer token, which a browser following a link cannot send).

Its question is the query string, read here (`asked`) and written here (`due_link`), so the quick
links ("this week"), the form, the pages and the download all ask the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import NamedTuple
from urllib.parse import urlencode

from flask import Response, render_template, url_for

from domain.matters import MATTER_KINDS
from projections.answers import Worklist, WorklistItem
from web.auth import Permission
from web.dashboard import data
from web.dashboard.access import page
from web.dashboard.arguments import choice_arg, count_arg, date_arg, page_arg
from web.dashboard.blueprint import dashboard
from web.dashboard.wording import MATTERS, matter
from web.endpoint import csv_response
from web.schemas import shared
from web.schemas.deadlines import MAX_WITHIN, WorklistDocument

PAGE_SIZE = 100
UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
WITHIN = 90  # the API's default too: a quarter ahead
# The quick questions a newcomer starts from: who to chase this week, then further ahead.
QUICK = ((7, "This week"), (30, "Next 30 days"), (90, "Next 90 days"))
ON, DAYS, KIND, LEVEL, PAGE = "on", "within", "kind", "level", "page"


class KindCount(NamedTuple):
    kind: str
    label: str
    count: int  # how many of the list (at the level asked) are of the kind
    link: str  # the list of only those


class QuickLink(NamedTuple):
    days: int
    label: str
    link: str
    current: bool  # the page asks exactly this


@dataclass(frozen=True)
class DueQuestion:
    on: date
    within: int
    kind: str | None  # one of MATTER_KINDS; None: any
    level: str | None  # a certification code; None: any

    @property
    def until(self) -> date:
        return self.on + timedelta(days=self.within)


def asked(today: date) -> DueQuestion:
    """The question the query string asks (today and 90 days by default); a 400 for a bad part."""
    return DueQuestion(date_arg(ON, today), count_arg(DAYS, WITHIN, MAX_WITHIN), choice_arg(KIND, MATTER_KINDS),
                       choice_arg(LEVEL, data.levels()))


def due_link(question: DueQuestion, today: date, page_number: int = 1, endpoint: str = "dashboard.due") -> str:
    """The page (or, with `endpoint`, the download) asking `question`: what `asked` reads back."""
    args = {ON: None if question.on == today else question.on.isoformat(),
            DAYS: None if question.within == WITHIN else str(question.within),
            KIND: question.kind, LEVEL: question.level, PAGE: str(page_number) if page_number > 1 else None}
    query = urlencode({name: value for name, value in args.items() if value})
    return url_for(endpoint) + (f"?{query}" if query else "")


def of_kind(items: list[WorklistItem], kind: str | None) -> list[WorklistItem]:
    return [item for item in items if kind is None or item.kind == kind]


def description(question: DueQuestion) -> str:
    """What the list holds, in words."""
    what = f"“{matter(question.kind)}” matters" if question.kind else "Matters"
    level = f" of members at level {question.level}" if question.level else ""
    return (f"{what}{level} due from {question.on} through {question.until} ({question.within} days), and every "
            f"one of a member inactive on {question.on}, whenever due: the most urgent first.")


@dashboard.get("/dashboard/due")
@page(Permission.READ)
def due() -> str:
    today = data.today()
    question = asked(today)
    number = page_arg(PAGE)
    at_level = data.due(question.on, question.within, question.level)
    items = of_kind(at_level, question.kind)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    kinds = [KindCount(kind, matter(kind), len(of_kind(at_level, kind)), due_link(replace(question, kind=kind), today))
             for kind in MATTER_KINDS]
    offset = (number - 1) * PAGE_SIZE
    return render_template(
        "dashboard/due.html", question=question, today=today, items=items[offset:offset + PAGE_SIZE], offset=offset,
        total=len(items), description=description(question), page=number, pages=pages, kinds=kinds,
        matters=MATTERS, levels=data.levels(), max_within=MAX_WITHIN,
        quick=[QuickLink(days, label, due_link(DueQuestion(question.on, days, None, None), today),
                         question == DueQuestion(question.on, days, None, None) and number == 1)
               for days, label in QUICK],
        any_kind=due_link(replace(question, kind=None), today),
        csv_link=due_link(question, today, endpoint="dashboard.due_csv"),
        member_on=None if question.on == today else question.on,
        previous=due_link(question, today, number - 1) if number > 1 else None,
        next=due_link(question, today, number + 1) if number < pages else None,
    )


@dashboard.get("/dashboard/due.csv")
@page(Permission.READ)
def due_csv() -> Response:
    """Every row the page lists over all its pages, in the API's CSV columns."""
    question = asked(data.today())
    at_level = data.due(question.on, question.within, question.level)
    listed = Worklist(question.on, question.within, of_kind(at_level, question.kind))
    response = csv_response(WorklistDocument, "items", shared(WorklistDocument).dump(listed))
    parts = ["due", question.on.isoformat(), f"{question.within}d", question.kind, question.level]
    name = "-".join(part for part in parts if part)
    # A level is a code of the policy book: kept to safe characters all the same, in a header.
    response.headers["Content-Disposition"] = f'attachment; filename="{UNSAFE.sub("_", name)}.csv"'
    return response
