"""A reminder run over the members who can be owed a reminder, found in the read models.

Every reminder is of a matter still open on the run's day (`domain.reminders`): one due within
`reminder_reach` days of it (the longest reach of any schedule, or of an audit's proof window from
its selection), or any matter of a member inactive that day. The worklist for that reach lists
exactly those members, so a run reads one range of the matters table instead of every member's
history, and loads only the members it may have to remind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from application.reminder_runs import ReminderRun
from application.service import CredentialService
from domain.reminders import reminder_reach
from projections.answers import ReportQueries

T = TypeVar("T")
AskReports = Callable[[Callable[[ReportQueries], T]], T]


def run_reminders(service: CredentialService, ask: AskReports[list[str]], as_of: date,
                  idempotency_key: str | None = None) -> ReminderRun:
    """Issue every reminder due on `as_of` (see `CredentialService.issue_reminders`); `ask`
    asks the read models, brought up to date first."""
    reach = reminder_reach(service.book())
    candidates = ask(lambda queries: sorted({item.member_id for item in queries.worklist(as_of, reach).items}))
    return service.issue_reminders(as_of, candidates, idempotency_key)
