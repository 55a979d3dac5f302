"""`credentials export FILE.ndjson | restore FILE.ndjson | backup FILE`: the whole store, out and back.

`export` writes every stored event (`application.store_transfer`) to FILE, or to stdout for
`-`; a file is written under a temporary name and renamed when complete. `restore` loads such a
file into an empty store, then rebuilds the read models beside it (the report schema setting on
PostgreSQL, the `reports_` tables on SQLite), since they are computed from the events and were
not in the file. `backup` copies a SQLite store while the server runs (`application.store_backup`).
Each prints one JSON object on stdout (stderr when the export itself goes to stdout); a refusal is
one line on stderr and exit status 2, with nothing recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from application.service import CredentialService
from application.settings import Settings
from application.store_backup import BackupRefused, backup_sqlite
from application.store_transfer import TransferError, export_store, restore_store
from projections.backends import keeps_read_models, open_read_models
from projections.projector import Projector
from projections.store import DEFAULT_PREFIX

COMMANDS = frozenset({"export", "restore", "backup"})
STDOUT = "-"


def register_store_commands(commands: Any) -> None:
    export = commands.add_parser("export", help="write every stored event to an NDJSON file (- for stdout)")
    export.add_argument("file", help="FILE.ndjson, or - for stdout")
    restore = commands.add_parser("restore", help="load an export into an empty store, then rebuild the read models")
    restore.add_argument("file", help="FILE.ndjson written by `credentials export`")
    restore.add_argument("--parts", type=int, default=os.cpu_count() or 1,
                         help="processes rebuilding the read models (default: one per core)")
    backup = commands.add_parser("backup", help="copy a SQLite store while the server runs (PostgreSQL: pg_dump)")
    backup.add_argument("file", help="the copy to write; must not exist")


def run_store_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.command == "backup":
            report = backup_sqlite(settings.database_url, Path(args.file))
            _print({"backup": str(report.destination), "of": str(report.source), "bytes": report.bytes})
            return 0
        service = CredentialService(database_url=settings.database_url)
        try:
            if args.command == "export":
                return _export(service, args.file)
            return _restore(service, Path(args.file), settings, args.parts)
        finally:
            service.close()
    except (TransferError, BackupRefused) as refused:
        print(f"credentials: {refused}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"credentials: {error}", file=sys.stderr)
        return 2


def _print(report: dict[str, Any], to: TextIO | None = None) -> None:
    print(json.dumps(report, indent=2), file=to or sys.stdout)


def _export(service: CredentialService, file: str) -> int:
    if file == STDOUT:
        report = export_store(service, sys.stdout)
        sys.stdout.flush()
        _print({"exported": report.events, "aggregates": report.aggregates, "to": STDOUT}, sys.stderr)
        return 0
    destination = Path(file)
    handle, partial = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".partial",
                                       dir=destination.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            report = export_store(service, out)
        os.replace(partial, destination)
    finally:
        Path(partial).unlink(missing_ok=True)
    _print({"exported": report.events, "aggregates": report.aggregates, "to": str(destination)})
    return 0


def _restore(service: CredentialService, source: Path, settings: Settings, parts: int) -> int:
    if str(source) == STDOUT:
        print("credentials: restore reads its file twice (checked whole, then loaded): give a file, not -",
              file=sys.stderr)
        return 2
    report = restore_store(service, source)
    answer: dict[str, Any] = {"restored": report.events, "aggregates": report.aggregates}
    if keeps_read_models(service):
        try:
            answer["read_models_rebuilt_from"] = _rebuild_read_models(service, settings, parts)
        except Exception as error:  # the events are restored all the same; say so, and what to run
            answer["read_models"] = f"not rebuilt ({error}): run `credentials projections rebuild`"
            _print(answer)
            return 1
    _print(answer)
    return 0


def _rebuild_read_models(service: CredentialService, settings: Settings, parts: int) -> int:
    # Rebuilt, not followed: tables left beside a store emptied before the restore describe other events.
    models = open_read_models(service, report_schema=settings.report_schema, report_prefix=DEFAULT_PREFIX)
    projector = Projector(service, models, build_parts=max(parts, 1))
    try:
        return projector.rebuild()
    finally:
        projector.close()
        models.close()
