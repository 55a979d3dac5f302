"""`credentials projections run|catch-up|rebuild|status`: the read models from the command line.

Each prints one JSON object (`run` logs instead, until stopped). The store is the service's
(the database URL setting); the read models live beside it (the report schema setting or
`--schema` on PostgreSQL, `--prefix` on SQLite).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from typing import Any

from application.service import CredentialService
from application.settings import DEFAULT_REPORT_SCHEMA, REPORT_SCHEMA, Settings
from projections.backends import keeps_read_models, open_read_models
from projections.projector import PAGE_SIZE, Projector
from projections.runner import supervise
from projections.store import DEFAULT_PREFIX


def register_projection_commands(commands: Any) -> None:
    projections = commands.add_parser("projections", help="read models for reports: follow, rebuild, status")
    actions = projections.add_subparsers(dest="projections_command", required=True)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--schema", default=None,
                       help=f"PostgreSQL schema (default: {REPORT_SCHEMA}, else {DEFAULT_REPORT_SCHEMA})")
    where.add_argument("--prefix", default=DEFAULT_PREFIX, help=f"SQLite table prefix (default {DEFAULT_PREFIX})")
    paging = argparse.ArgumentParser(add_help=False)
    paging.add_argument("--page-size", type=int, default=PAGE_SIZE, help="notifications per transaction")
    work = argparse.ArgumentParser(add_help=False, parents=[paging])
    work.add_argument("--parts", type=int, default=os.cpu_count() or 1,
                      help="processes building a rebuild (default: one per core)")

    # A follower that starts from zero rebuilds in its own process, so its heartbeat shows the progress.
    run = actions.add_parser("run", parents=[where, paging], help="follow the store continuously, supervised")
    run.add_argument("--stall-after", type=float, default=60.0,
                     help="seconds without progress, while behind, before the follower is restarted")
    run.add_argument("--idle-timeout", type=float, default=5.0,
                     help="seconds to wait for a notification before looking anyway")
    catch_up = actions.add_parser("catch-up", parents=[where, work], help="apply every new event, then stop")
    catch_up.add_argument("--pages-only", action="store_true",
                          help="from zero too, page by page (instead of a rebuild streaming the store)")
    actions.add_parser("rebuild", parents=[where, work], help="build afresh in shadow tables, then swap them in")
    actions.add_parser("status", parents=[where],
                       help="position, the store's max notification id, lag, and the policy book followed")


def run_projection_command(args: argparse.Namespace, settings: Settings) -> int:
    service = CredentialService(database_url=settings.database_url)
    if not keeps_read_models(service):
        service.close()
        print("credentials: read models need a PostgreSQL or SQLite store", file=sys.stderr)
        return 2
    location = {"report_schema": args.schema or settings.report_schema, "report_prefix": args.prefix}
    try:
        if args.projections_command == "run":
            return _run(service, location, args)
        models = open_read_models(service, **location)
        projector = Projector(service, models, page_size=getattr(args, "page_size", PAGE_SIZE),
                              build_parts=getattr(args, "parts", 1))
        try:
            report: dict[str, Any] = {}
            if args.projections_command == "catch-up":
                report["applied"] = projector.catch_up(stream_from_zero=not args.pages_only)
            elif args.projections_command == "rebuild":
                report["events"] = projector.rebuild()
            lag = projector.lag()
            report.update(projection=lag.projection, position=lag.position,
                          max_notification_id=lag.max_notification_id, lag=lag.lag,
                          current_policy=lag.current_policy, followable=lag.followable)
            print(json.dumps(report, indent=2))
        finally:
            projector.close()
            models.close()
    finally:
        service.close()
    return 0


def _run(service: CredentialService, location: dict[str, str], args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(processName)s %(levelname)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    supervise(service, location, stop, page_size=args.page_size, stall_after=args.stall_after,
              idle_timeout=args.idle_timeout)
    return 0
