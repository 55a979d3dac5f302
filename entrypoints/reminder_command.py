"""`credentials reminders --as-of DATE`: issue the reminders due on a day, from cron.

Safe to run every day, beside the server, in two processes at once, and again after a crash:
each reminder is recorded once (see `application.reminder_runs`). The members to look at come
from the read models (brought up to date first); when they are too far behind to catch up
inline, every member is looked at instead, which gives the same reminders, only more slowly.
Prints one JSON object: the day, how many reminders were issued, and each one.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from application.reminder_runs import ReminderRun
from application.service import CredentialService
from application.settings import Settings
from domain.errors import CredentialError
from entrypoints.arguments import day
from projections.reading import ReadModelsBehind, ReportReader
from projections.reminding import run_reminders


def register_reminder_command(commands: Any) -> None:
    reminders = commands.add_parser("reminders", help="issue the reminders due on a day (safe to rerun)")
    reminders.add_argument("--as-of", type=day, default=None, help="YYYY-MM-DD, at most today (default: today)")


def run_reminder_command(args: argparse.Namespace, settings: Settings) -> int:
    service = CredentialService(database_url=settings.database_url)
    reader = ReportReader(service, report_schema=settings.report_schema)
    try:
        as_of = args.as_of or service.today()
        try:
            run = run_reminders(service, reader.answer, as_of)
        except ReadModelsBehind:
            run = service.issue_reminders(as_of)
        print(json.dumps(summary(run), indent=2))
    except CredentialError as error:
        print(json.dumps({"error": {"code": error.code, "message": error.message, "details": error.details}},
                         default=str), file=sys.stderr)
        return 1
    finally:
        reader.close()
        service.close()
    return 0


def summary(run: ReminderRun) -> dict[str, Any]:
    return {
        "as_of": run.as_of.isoformat(),
        "members": run.members,
        "issued": len(run.reminders),
        "reminders": [{"reminder_id": r.reminder.reminder_id, "member_id": r.member_id, "kind": r.reminder.kind,
                       "due_on": r.reminder.due_on.isoformat()} for r in run.reminders],
    }
