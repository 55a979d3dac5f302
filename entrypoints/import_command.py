"""`credentials import FILE.csv [--dry-run]`: bring a register in (rules.md section 13).

On a terminal it shows a progress bar (rows/s, rows refused so far, time left), then the refused
rows as a table and a summary; otherwise it prints one line of JSON, the same report `POST /imports`
answers. A file that cannot be read as a whole is refused before anything is recorded (exit 2).
Refused rows do not make the command fail: they are the report (exit 0).

Interrupting it (Ctrl-C, a kill, a crash) is safe: members are recorded in whole batches, and
running the same command again records exactly what is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from application.imports import ImportReport
from application.service import CredentialService
from application.settings import Settings
from web.routes.imports import import_document
from web.schemas import shared
from web.schemas.imports import ImportDocument
from web.schemas.register import RegisterFile, UnreadableRegister, read_register

INTERRUPTED = 130


def register_import_command(commands: Any) -> None:
    command = commands.add_parser("import", help="import a register (CSV): every row judged like the API's command")
    command.add_argument("file", type=Path, help="the register, a CSV file with a header (see the README)")
    command.add_argument("--dry-run", action="store_true", help="judge every row and report, record nothing")


def run_import_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        register = read_register(args.file.read_bytes())
    except OSError as error:
        print(f"credentials import: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except UnreadableRegister as error:
        print(f"credentials import: {args.file} cannot be imported ({error.code}): {error.message}", file=sys.stderr)
        return 2
    service = CredentialService(database_url=settings.database_url)
    console = Console(stderr=True)
    try:
        if console.is_terminal:
            report = _with_progress_bar(service, register, args.dry_run, console)
            _show(report, register, console)
        else:
            report = service.import_register(register.rows, dry_run=args.dry_run)
        print(json.dumps(shared(ImportDocument).dump(import_document(report, register))))
    except KeyboardInterrupt:
        print("credentials import: interrupted; every member is recorded whole or not at all, so running the "
              "same command again finishes the import", file=sys.stderr)
        return INTERRUPTED
    finally:
        service.close()
    return 0


def _with_progress_bar(service: CredentialService, register: RegisterFile, dry_run: bool,
                       console: Console) -> ImportReport:
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} rows/s"),
               TextColumn("[red]{task.fields[refused]} refused"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task: TaskID = bar.add_task("judging" if dry_run else "importing", total=len(register.rows),
                                    rate="-", refused=0)

        def advance(report: ImportReport) -> None:
            done = report.recorded + report.already_imported + len(report.refused)
            speed = bar.tasks[0].speed
            bar.update(task, completed=done, refused=len(report.refused),
                       rate=f"{speed:,.0f}" if speed else "-")

        report = service.import_register(register.rows, dry_run=dry_run, progress=advance)
        bar.update(task, completed=len(register.rows))
    return report


def _show(report: ImportReport, register: RegisterFile, console: Console) -> None:
    for note in register.assumed:
        console.print(f"[yellow]assumed:[/] {note}")
    if report.refused:
        table = Table("line", "row_id", "code", "why", title=f"{len(report.refused)} rows refused (nothing of "
                                                                "them was recorded)")
        for refusal in report.refused:
            table.add_row(str(refusal.line), refusal.row_id, refusal.code, refusal.message)
        console.print(table)
    verb = "would be recorded" if report.dry_run else "recorded"
    console.print(f"{report.rows:,} rows for {report.members:,} members: {report.recorded:,} {verb}, "
                  f"{report.already_imported:,} already imported, {len(report.refused):,} refused")
