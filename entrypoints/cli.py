"""The `credentials` console command."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence

from eventsourcing.persistence import InterfaceError, OperationalError

from application.commands import DrawAuditSample
from application.service import CredentialService
from application.settings import Settings, SettingsError
from domain.credential import CLI
from domain.errors import CredentialError
from entrypoints.arguments import day, moment, rate
from entrypoints.demo import run_demo_command
from entrypoints.import_command import register_import_command, run_import_command
from entrypoints.policy_commands import BadFile, register_policy_commands, run_policy_command
from entrypoints.projection_commands import register_projection_commands, run_projection_command
from entrypoints.reminder_command import register_reminder_command, run_reminder_command
from entrypoints.store_commands import COMMANDS as STORE_COMMANDS
from entrypoints.store_commands import register_store_commands, run_store_command

# The exit status of a command whose reader went away (`credentials demo | head -1`): a shell's
# for a process ended by SIGPIPE, which Python turns into BrokenPipeError instead.
OUTPUT_CLOSED = 128 + signal.SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="credentials", description="Credential lifecycle service.")
    commands = parser.add_subparsers(dest="command", required=True)

    sweep = commands.add_parser("sweep", help="record every MarkedInactive and Invalidated due up to a date")
    sweep.add_argument("--as-of", type=day, default=None, help="YYYY-MM-DD (default: today)")

    audits = commands.add_parser("audits", help="audit selection")
    audit_commands = audits.add_subparsers(dest="audit_command", required=True)
    select = audit_commands.add_parser("select", help="draw the yearly audit sample")
    select.add_argument("--renewal-year", type=int, required=True)
    select.add_argument("--rate", type=rate, required=True)
    select.add_argument("--seed", required=True)
    select.add_argument("--selected-on", type=day, default=None, help="YYYY-MM-DD (default: today)")

    status = commands.add_parser("status", help="a member's status on a date, as known at a time")
    status.add_argument("member_id")
    status.add_argument("--on", type=day, default=None)
    status.add_argument("--known-at", type=moment, default=None)

    commands.add_parser("demo", help="load the demo members into an empty store (never into one with other members)")

    serve = commands.add_parser("serve", help="serve the HTTP API (granian)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None,
                       help="worker processes (default: CREDENTIALS_WORKERS, else 1 per core)")
    serve.add_argument("--dev", action="store_true",
                       help="for development: without CREDENTIALS_TOKENS, make a staff token for this run and "
                            "print it (without --dev, serving with no tokens is refused)")

    register_projection_commands(commands)
    register_policy_commands(commands)
    register_reminder_command(commands)
    register_store_commands(commands)
    register_import_command(commands)
    return parser


def run(args: argparse.Namespace, app: CredentialService) -> dict[str, object]:
    if args.command == "sweep":
        report = app.sweep(args.as_of or app.today())
        return {"as_of": report.as_of.isoformat(), "members": report.members, "recorded": report.recorded}
    if args.command == "audits":
        selection = app.execute(DrawAuditSample(args.renewal_year, args.rate, args.seed, args.selected_on),
                                recorded_by=CLI)
        return {
            "renewal_year": selection.renewal_year,
            "rate": str(selection.rate),
            "seed": selection.seed,
            "selected_on": selection.selected_on.isoformat(),
            "levels": [{"level": lv.level, "candidates": lv.candidates, "selected": lv.selected}
                       for lv in selection.levels],
            "recorded": selection.recorded,
        }
    if args.command == "policy":
        return run_policy_command(args, app)
    if args.command == "status":
        answer = app.status(args.member_id, args.on, args.known_at)
        return {"member_id": args.member_id, "on": answer.on.isoformat(), "status": answer.status.value,
                "reason": answer.reason}
    raise ValueError(f"no handler for the command {args.command!r}")


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.server import ServeError, serve  # granian and Flask only for this command
    from web.auth import TokenConfigError

    try:
        serve(settings, args.host, args.port, args.workers, dev=args.dev)
    except (TokenConfigError, ServeError) as error:
        print(f"credentials: {error}", file=sys.stderr)
        return 2
    return 0


# The store does not answer (down, restarting, unreachable): "try again later" (EX_TEMPFAIL), with a
# message instead of a traceback. Running the command again once it answers is safe: a command is
# recorded exactly once, an import row once by its row id.
STORE_UNAVAILABLE = 75


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_environment()  # the one reading of the environment
    except SettingsError as error:
        print(f"credentials: {error}", file=sys.stderr)
        return 2
    try:
        code = _dispatch(args, settings)
        sys.stdout.flush()  # here, not at exit, so that a reader gone is met below
        return code
    except (OperationalError, InterfaceError) as error:
        print(f"credentials: the event store does not answer ({error}); run the command again once it does",
              file=sys.stderr)
        return STORE_UNAVAILABLE
    except BrokenPipeError:
        # What is still buffered goes nowhere, rather than failing again at exit with a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OUTPUT_CLOSED


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "projections":
        return run_projection_command(args, settings)
    if args.command == "reminders":
        return run_reminder_command(args, settings)
    if args.command in STORE_COMMANDS:
        return run_store_command(args, settings)
    if args.command == "import":
        return run_import_command(args, settings)
    try:
        app = CredentialService(database_url=settings.database_url)
        if args.command == "demo":  # words for a newcomer, not JSON
            return run_demo_command(app)
        print(json.dumps(run(args, app), indent=2))
    except BadFile as bad:
        print("\n".join(bad.lines()), file=sys.stderr)
        return 2
    except CredentialError as error:
        print(json.dumps({"error": {"code": error.code, "message": error.message, "details": error.details}},
                         default=str), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
