"""`credentials import FILE.csv [--dry-run]`: bring a register in (rules.md section 13).

On a terminal it shows a progress bar (rows/s, rows refused so far, time left), then the refused
rows as a table and a summary; when its output is not a terminal it prints one line of JSON, the
same report `POST /imports` answers. A file that cannot be read as a whole is refused before
anything is recorded (exit 2). Refused rows do not make the command fail: they are the report
(exit 0).

Interrupting it (Ctrl-C, a kill, a crash) is safe: members are recorded in whole batches, and
running the same command again records exactly what is missing. On PostgreSQL it judges members
in one process per core (`entrypoints.parallel_import`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from application.imports import ImportReport, RegisterRow
from application.service import CredentialService
from application.settings import Settings
from application.storage import storage_from_url
from entrypoints.parallel_import import Advance, WorkerFailed, import_in_parallel
from web.routes.imports import import_document
from web.schemas import shared
from web.schemas.imports import ImportDocument
from web.schemas.register import RegisterFile, UnreadableRegister, read_register

INTERRUPTED = 130
# Below this many rows, starting processes costs more than it saves.
SMALL_REGISTER = 2_000


def register_import_command(commands: Any) -> None:
    command = commands.add_parser("import", help="import a register (CSV): every row judged like the API's command")
    command.add_argument("file", type=Path, help="the register, a CSV file with a header (see the README)")
    command.add_argument("--dry-run", action="store_true", help="judge every row and report, record nothing")
    command.add_argument("--workers", type=int, default=None,
                         help="processes judging members at once (default: one per core on PostgreSQL, one on "
                              "SQLite, whose writers take turns)")


def run_import_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        data = args.file.read_bytes()
        # Checked whole first; with several processes each builds only its share of the rows.
        workers = args.workers or _default_workers(settings)
        register = read_register(data, members=None if workers == 1 else (lambda _member: False))
    except OSError as error:
        print(f"credentials import: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except UnreadableRegister as error:
        print(f"credentials import: {args.file} cannot be imported ({error.code}): {error.message}", file=sys.stderr)
        return 2
    if workers < 1:
        print("credentials import: --workers must be at least 1", file=sys.stderr)
        return 2
    console = Console(stderr=True)

    def run(advance: Advance | None) -> ImportReport:
        if workers > 1 and register.count >= SMALL_REGISTER:
            return import_in_parallel(settings.database_url, data, workers, dry_run=args.dry_run, advance=advance)
        rows = register.rows if workers == 1 else read_register(data).rows
        return _import_here(settings, rows, args.dry_run, advance)

    try:
        if console.is_terminal:
            report = _with_progress_bar(run, register.count, args.dry_run, console)
            _show(report, register, console)
        else:
            report = run(None)
        if not sys.stdout.isatty():  # on a terminal the table and summary above say it; piped, the JSON
            print(json.dumps(shared(ImportDocument).dump(import_document(report, register))))
    except KeyboardInterrupt:
        print("credentials import: interrupted; every member is recorded whole or not at all, so running the "
              "same command again finishes the import", file=sys.stderr)
        return INTERRUPTED
    except WorkerFailed as failure:
        print(f"credentials import: an import process failed; what it recorded is whole per member, so running "
              f"the same command again finishes the import:\n{failure}", file=sys.stderr)
        return 1
    return 0


def _default_workers(settings: Settings) -> int:
    return (os.cpu_count() or 1) if storage_from_url(settings.database_url).is_postgres else 1


def _import_here(settings: Settings, rows: list[RegisterRow], dry_run: bool, advance: Advance | None) -> ImportReport:
    service = CredentialService(database_url=settings.database_url)
    try:
        def progress(report: ImportReport) -> None:
            if advance is not None:
                advance(report.judged, len(report.refused))

        return service.import_register(rows, dry_run=dry_run, progress=progress)
    finally:
        service.close()


def _with_progress_bar(run: Callable[[Advance | None], ImportReport], total: int, dry_run: bool,
                       console: Console) -> ImportReport:
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} rows/s"),
               TextColumn("[red]{task.fields[refused]} refused"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task: TaskID = bar.add_task("judging" if dry_run else "importing", total=total, rate="-", refused=0)

        def advance(done: int, refused: int) -> None:
            speed = bar.tasks[0].speed
            bar.update(task, completed=done, refused=refused, rate=f"{speed:,.0f}" if speed else "-")

        report = run(advance)
        bar.update(task, completed=total)
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
