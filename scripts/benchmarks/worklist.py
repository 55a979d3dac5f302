"""`python scripts/bench.py worklist`: who must act (GET /worklists/due) from the matters table,
beside a plain report from the same read models, checked against the replay; and a reminder run.

    python scripts/bench.py worklist                         # 20,000 members, PostgreSQL
    python scripts/bench.py worklist --members 5000          # quicker

The store is CREDENTIALS_DATABASE_URL, else postgresql://root@127.0.0.1:5432/bench_worklist (the
database is created if missing), in a fresh schema (or file) removed at the end unless --keep.

The store, built as the other sections build theirs: histories made by the real commands in
memory (histories.py: certification, claims through each cycle, renewals, some audits; tens of
events each), then cloned under new member ids and bulk-loaded (COPY on PostgreSQL). In a share
of the templates (--lapsed) staff then withdraw, by the real command, the last renewal (the cycle
it renewed owes one again: due, in grace, or lapsed) or an audit's review (the audit awaits its
proof, or the member is inactive for it), so that inactive members, grace periods and audits are
on the worklists beside renewals due. The read models are then filled from zero by a Projector
(`fill_s`; its `matter_rows`: one per matter and period of the member's fold, tens a member).

In one run, against the real server (`credentials serve`, --workers gunicorn workers), for each
of three days (today, the histories' last; the last mid-December, when the cycles of about a
third of the members end on Dec 31; and a day six years back), asked in turn --repeat times
(the medians):
  (a) GET /reports/status-counts?on=<day>: a plain report from the same read models, the baseline;
  (b) GET /worklists/due?on=<day>&within=<--within>, and as CSV (`Accept: text/csv`) for the
      mid-December; each in ms and as a ratio to (a) of the same day. Beside it, the same two
      questions asked in this process (TableQueries over the read models: the database's part
      and the rows made into items, without HTTP and serialization);
  (c) each day's worklist checked equal to the replay reference (`ReplayQueries.worklist`: every
      member's history, read from the store, folded for the day): on every member (about a
      second per 5,000 members and day, after reading the histories: 2 ms each), or with
      --check-members N on a random sample of N (the server's items of those members compared).
      The CSV is checked to list the JSON's items;
  (d) POST /reminders/runs for today, timed; then the same run again, which must issue none.
The last output line is JSON, with the targets: the worklist within 10 status-counts reports
and under 1 s, on every day.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from application.service import CredentialService
from benchmarks.histories import TODAY, Histories, load
from benchmarks.server import Client, Server
from benchmarks.target import (
    Target,
    read_models,
    report_schema,
    run_beside_the_server,
)
from benchmarks.workers import machine_figures, machine_row, ms, timed
from domain.credential import credential_id
from domain.errors import CredentialError
from domain.events import AuditReviewed, RenewalSubmitted
from projections.queries import TableQueries
from projections.replayed import ReplayQueries
from projections.store import ReadModels
from web.schemas import shared
from web.schemas.deadlines import WorklistDocument

DEFAULT_URL = "postgresql://root@127.0.0.1:5432/bench_worklist"
TARGETS = {"worklist_vs_status_counts": 10, "worklist_ms": 1000}
# The days asked: today, the latest mid-December on or before it, a day years back.
DAYS = {
    "today": TODAY,
    "mid_december": date(TODAY.year if date(TODAY.year, 12, 15) <= TODAY else TODAY.year - 1, 12, 15),
    "years_back": date(TODAY.year - 6, 10, 15),
}
CSV_DAY = "mid_december"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py worklist", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=20_000, help="members in the store (default 20,000)")
    parser.add_argument("--templates", type=int, default=60, help="distinct histories cloned (default 60)")
    parser.add_argument("--lapsed", type=float, default=0.3,
                        help="the share of the templates with a renewal or an audit's review withdrawn (default 0.3)")
    parser.add_argument("--within", type=int, default=90, help="the worklists' reach in days (default 90)")
    parser.add_argument("--workers", type=int, default=2, help="server (gunicorn) workers (default 2)")
    parser.add_argument("--repeat", type=int, default=5, help="times each request is made (default 5)")
    parser.add_argument("--check-members", type=int, default=None,
                        help="members whose worklist items are checked against the replay, each day (a random "
                             "sample; default: every member)")
    parser.add_argument("--no-reminders", action="store_true", help="skip (d), the reminder run")
    parser.add_argument("--parts", type=int, default=os.cpu_count() or 1,
                        help="processes filling the read models (default: cores)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schema or file and the server's log")
    return parser.parse_args(argv)


# --- the store ----------------------------------------------------------------------------------


def lapse(histories: Histories, member: str, rng: random.Random) -> int:
    """Withdraw the member's last renewal, or the review of its last audit (either, when it has
    both), recorded after its last fact; how many withdrawals were accepted."""
    history = histories.app.credential(member).history
    renewals = [f for f in history if isinstance(f, RenewalSubmitted)]
    reviews = [f for f in history if isinstance(f, AuditReviewed)]
    chosen = rng.choice([facts for facts in (renewals, reviews) if facts] or [[]])
    if not chosen:
        return 0
    histories.clock.set(TODAY - timedelta(days=2))
    try:
        histories.app.withdraw(member, chosen[-1].fact_id, "recorded in error")
    except CredentialError:
        return 0
    return 1


def templates(args: argparse.Namespace) -> tuple[Histories, int]:
    """The histories cloned; in a share of them a fact withdrawn (how many: the second value)."""
    histories = Histories(args.seed)
    histories.make("short", args.templates)
    rng, withdrawn = random.Random(args.seed), 0
    for index in range(round(args.templates * args.lapsed)):
        member = f"short-template-{index}"
        withdrawn += lapse(histories, member, rng)
        histories.clock.reset()
        histories.templates["short"][index] = list(histories.app.recorder.select_events(credential_id(member)))
    return histories, withdrawn


def generate(target: Target, service: CredentialService, args: argparse.Namespace) -> tuple[list[str], int]:
    histories, withdrawn = templates(args)
    members = [f"member-{i:07d}" for i in range(args.members)]
    load(target, service, histories, "short", members)
    return members, withdrawn


# --- against the server -------------------------------------------------------------------------


def worklist_path(day: date, within: int) -> str:
    return f"/worklists/due?{urlencode({'on': day.isoformat(), 'within': within})}"


def status_counts_path(day: date) -> str:
    return f"/reports/status-counts?{urlencode({'on': day.isoformat()})}"


def median_ms(samples: Sequence[float]) -> float:
    return ms(statistics.median(samples))


@contextmanager
def serving(args: argparse.Namespace, target: Target) -> Iterator[Client]:
    """The real server on the store, and a client of it; its log kept if the run fails."""
    server = Server(target.url, args.workers, report_schema(target))
    try:
        server.wait_healthy()
        client = server.client()
        yield client
        client.close()
    except BaseException:
        server.stop(keep_log=True)
        raise
    server.stop(keep_log=args.keep)


def ask(args: argparse.Namespace, client: Client) -> dict[str, Any]:
    """(a) and (b): the answers, and the seconds each took."""
    for _ in range(2 * args.workers):  # warm-up: each worker opens the read models
        client.call("GET", status_counts_path(TODAY))
        client.call("GET", worklist_path(TODAY, args.within))
    counts: dict[str, list[float]] = {label: [] for label in DAYS}
    worklists: dict[str, list[float]] = {label: [] for label in DAYS}
    answers: dict[str, bytes] = {}
    csv_times: list[float] = []
    for _ in range(args.repeat):  # the days and the two reports in turn, so drift hits all alike
        for label, day in DAYS.items():
            counts[label].append(timed(lambda d=day: client.call("GET", status_counts_path(d)))[1])
            answers[label], seconds = timed(lambda d=day: client.call("GET", worklist_path(d, args.within)))
            worklists[label].append(seconds)
        answers["csv"], seconds = timed(lambda: client.call(
            "GET", worklist_path(DAYS[CSV_DAY], args.within), accept="text/csv"))
        csv_times.append(seconds)
    return {"counts": counts, "worklists": worklists, "answers": answers, "csv": csv_times}


def remind(client: Client) -> dict[str, Any]:
    """(d): the reminder run for today, then the same run again."""
    body = {"as_of": TODAY.isoformat()}
    first, running = timed(lambda: client.call("POST", "/reminders/runs", body, expect=201))
    again, rerunning = timed(lambda: client.call("POST", "/reminders/runs", body, expect=201))
    issued, reissued = json.loads(first)["issued"], json.loads(again)["issued"]
    print(f"reminder run: {issued} issued in {running:.2f} s; the rerun: {reissued} in {rerunning:.2f} s", flush=True)
    return {"reminders_issued": issued, "reminder_run_ms": ms(running),
            "reminder_rerun_issued": reissued, "reminder_rerun_ms": ms(rerunning)}


def in_process(models: ReadModels, within: int, repeat: int) -> dict[str, dict[str, float]]:
    """The same questions asked of the read models in this process: median ms of each."""
    queries = TableQueries(models)
    found: dict[str, dict[str, float]] = {}
    for label, day in DAYS.items():
        counting = [timed(lambda d=day: queries.status_counts(d))[1] for _ in range(repeat)]
        listing = [timed(lambda d=day: queries.worklist(d, within))[1] for _ in range(repeat)]
        found[label] = {"status_counts_query_ms": median_ms(counting), "worklist_query_ms": median_ms(listing)}
    return found


# --- the replay reference -----------------------------------------------------------------------


def replayed_items(service: CredentialService, histories: dict[str, list[Any]], day: date,
                   within: int) -> list[dict[str, Any]]:
    """The reference worklist of `day` over `histories`, as the server writes its items."""
    reference = ReplayQueries(list(histories.values()), service.book()).worklist(day, within)
    items: list[dict[str, Any]] = shared(WorklistDocument).dump(reference)["items"]
    return items


def check(args: argparse.Namespace, service: CredentialService, members: Sequence[str],
          answers: dict[str, bytes]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """(c): each day's items from the server beside the replay's, on the members checked."""
    wanted = len(members) if args.check_members is None else min(args.check_members, len(members))
    sample = sorted(random.Random(args.seed).sample(list(members), wanted))
    histories, loading = timed(lambda: {member: service.credential(member).history for member in sample})
    by_day: dict[str, dict[str, Any]] = {}
    for label, day in DAYS.items():
        expected, replaying = timed(lambda d=day: replayed_items(service, histories, d, args.within))
        served = [item for item in json.loads(answers[label])["items"] if item["member_id"] in histories]
        by_day[label] = {"checked_members": len(histories), "replay_s": round(replaying, 2),
                         "matches_replay": served == expected}
        print(f"replay of {day} on {len(histories)} members: {len(expected)} items in {replaying:.1f} s; "
              f"equal to the server's: {served == expected}", flush=True)
    return by_day, {"checked_members": len(histories), "histories_read_s": round(loading, 1)}


def csv_lists_the_items(answers: dict[str, bytes]) -> bool:
    rows = list(csv.DictReader(io.StringIO(answers["csv"].decode())))
    items = json.loads(answers[CSV_DAY])["items"]
    key = ("member_id", "kind", "due_on")
    return [tuple(row[k] for k in key) for row in rows] == [tuple(item[k] for k in key) for item in items]


# --- the run ------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, target: Target, service: CredentialService) -> dict[str, Any]:
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    (members, withdrawn), generating = timed(lambda: generate(target, service, args))
    events, _ = target.counts(service)
    print(f"loaded {events} events of {len(members)} members in {generating:.1f} s", flush=True)
    with read_models(target, service, args.parts) as projector:
        _, filling = timed(projector.catch_up)
        matter_rows = projector.models.fetch("SELECT COUNT(*) FROM {matters}", {})[0][0]
        print(f"read models filled from zero in {filling:.1f} s ({matter_rows} matter rows)", flush=True)
        local = in_process(projector.models, args.within, args.repeat)
    with serving(args, target) as client:
        served = ask(args, client)
        # Checked before the reminder run, which adds a fact to some of the histories.
        checks, reading = check(args, service, members, served["answers"])
        reminders = {} if args.no_reminders else remind(client)
    days = []
    for label, day in DAYS.items():
        counting, listing = median_ms(served["counts"][label]), median_ms(served["worklists"][label])
        days.append({
            "day": label, "on": day.isoformat(),
            "items": len(json.loads(served["answers"][label])["items"]),
            "status_counts_ms": counting, "worklist_ms": listing,
            "worklist_vs_status_counts": round(listing / counting, 1),
            **local[label], **checks[label],
        })
    worst = max(days, key=lambda d: d["worklist_vs_status_counts"])
    slowest = max(days, key=lambda d: d["worklist_ms"])
    csv_ms = median_ms(served["csv"])
    csv_base = next(d for d in days if d["day"] == CSV_DAY)["status_counts_ms"]
    return {
        "backend": target.backend,
        "members": len(members),
        "events": events,
        "templates": args.templates,
        "template_withdrawals": withdrawn,
        "within": args.within,
        "repeat": args.repeat,
        "workers": args.workers,
        "generate_s": round(generating, 1),
        "fill_s": round(filling, 1),
        "matter_rows": matter_rows,
        "status_counts_ms": next(d for d in days if d["day"] == "today")["status_counts_ms"],
        "worklist_ms": slowest["worklist_ms"],
        "worklist_vs_status_counts": worst["worklist_vs_status_counts"],
        "worklist_csv_ms": csv_ms,
        "worklist_csv_vs_status_counts": round(csv_ms / csv_base, 1),
        "csv_lists_the_items": csv_lists_the_items(served["answers"]),
        "worklist_matches_replay": all(d["matches_replay"] for d in days),
        "check": (f"every member ({len(members)}), every day" if reading["checked_members"] == len(members)
                  else f"a random sample of {reading['checked_members']} of the {len(members)} members, every day"),
        **reading,
        "days": days,
        **reminders,
        "targets": TARGETS,
        "targets_met": all(d["worklist_vs_status_counts"] <= TARGETS["worklist_vs_status_counts"]
                           and d["worklist_ms"] <= TARGETS["worklist_ms"] for d in days),
        **machine_figures(load_before, began),
    }


def table(r: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, Any, str]] = []
    for d in r["days"]:
        rows.append((f"status-counts {d['day']}", f"{d['status_counts_ms']} ms",
                     f"on {d['on']}, the baseline; the query in-process {d['status_counts_query_ms']} ms"))
        rows.append((f"worklist {d['day']}", f"{d['worklist_ms']} ms",
                     f"{d['items']} items, {d['worklist_vs_status_counts']} status-counts; in-process "
                     f"{d['worklist_query_ms']} ms; equal to the replay on {d['checked_members']} members "
                     f"({d['replay_s']} s): {d['matches_replay']}"))
    rows.append((f"worklist {CSV_DAY} as CSV", f"{r['worklist_csv_ms']} ms",
                 f"{r['worklist_csv_vs_status_counts']} status-counts; lists the JSON's items: "
                 f"{r['csv_lists_the_items']}"))
    if "reminder_run_ms" in r:
        rows.append(("reminder run today", f"{r['reminder_run_ms']} ms",
                     f"{r['reminders_issued']} issued; the rerun: {r['reminder_rerun_issued']} issued in "
                     f"{r['reminder_rerun_ms']} ms"))
    target = TARGETS
    rows += [
        ("targets", "met" if r["targets_met"] else "NOT met",
         f"the worklist within {target['worklist_vs_status_counts']} status-counts and under "
         f"{target['worklist_ms']} ms on each day; worst {r['worklist_vs_status_counts']}x, slowest "
         f"{r['worklist_ms']} ms"),
        ("read models filled", f"{r['fill_s']} s", f"from zero, {r['matter_rows']} matter rows"),
        ("replay check", "passed" if r["worklist_matches_replay"] else "FAILED",
         f"on {r['check']}; their histories read in {r['histories_read_s']} s"),
        ("store", f"{r['events']} events", f"{r['members']} members, clones of {r['templates']} histories "
         f"({r['template_withdrawals']} with a fact withdrawn)"),
        machine_row(r),
    ]
    return [f"{name:<28} {value!s:>12}   {note}" for name, value, note in rows]


def main(argv: Sequence[str] | None = None) -> int:
    return run_beside_the_server(parse_args(argv), DEFAULT_URL, measure, table)

