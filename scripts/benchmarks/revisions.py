"""`python scripts/bench.py revisions`: the store-wide revisions report over a month of recorded
time, from the read models' table, beside the replay it is held to and a status read.

    python scripts/bench.py revisions                        # 20,000 members (the issue's), PostgreSQL
    python scripts/bench.py revisions --members 2000         # quicker

The store is CREDENTIALS_DATABASE_URL, else postgresql://root@127.0.0.1:5432/bench_revisions (the
database is created if missing), in a fresh schema (or file) removed at the end unless --keep.

The store, built fast: histories made by the real commands in memory (histories.py: certification,
claims through each cycle, renewals, some audits; tens of events each), recorded on their business
day, then cloned under new member ids and bulk-loaded (COPY on PostgreSQL), as the other sections
do. A fraction of the members (--revised) are clones of histories whose last month holds what
staff correct, recorded by the real commands too: a claim completed months before, recorded late;
the last renewal of an ended cycle withdrawn; the last claim amended. The read models are then
filled from zero (the revisions table with the rest: `fill_s`).

In one run, against the real server (`credentials serve`, --workers gunicorn workers):
  (a) GET /members/{id}/status for random members, one request at a time: the baseline;
  (b) GET /reports/revisions?recorded_from=<a month ago>&recorded_to=<tomorrow>: the store-wide
      report of that month, from the table (--repeat times, the median);
  (c) the replay reference over the same window, `service.revisions_recorded` in this process
      (every member's history read and compared at each moment that may revise; one cold pass),
      checked equal to the report row for row;
and each as a ratio to the status read. Then (d), a policy version adopted with a past effective
date (three months of grace from 2015): the time the read models take to follow it by themselves
(every member recomputed and swapped in, as a rebuild does, with the revision it made to every
member: two more folds each), beside the time a rebuild of the same store then takes.
The last output line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from application.service import CredentialService
from benchmarks.histories import TODAY, Histories, SetClock, load
from benchmarks.server import Client, Server
from benchmarks.target import (
    Target,
    read_models,
    report_schema,
    run_beside_the_server,
)
from benchmarks.workers import machine_figures, machine_row, ms, percentile, timed
from domain.credential import credential_id
from domain.errors import CredentialError
from domain.events import ActivityClaimed, RenewalSubmitted
from domain.rules import ActivityClaim
from projections.answers import revision_rows, revisions_of
from web.schemas import shared
from web.schemas.reports import RevisionsReportDocument

DEFAULT_URL = "postgresql://root@127.0.0.1:5432/bench_revisions"
MONTH_START = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC) - timedelta(days=30)
MONTH_END = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC) + timedelta(days=1)
TEMPLATES = 24  # of each kind: on time, and revised in the last month


class OnTimeClock(SetClock):
    """Recorded times on the business day itself, so the histories revise nothing of themselves."""

    def set(self, day: date) -> None:
        self.now = max(self.now, datetime(day.year, day.month, day.day, 9, tzinfo=UTC))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py revisions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=20_000, help="members in the store (default 20,000)")
    parser.add_argument("--revised", type=float, default=0.05,
                        help="the fraction of them with late facts and corrections in the month (default 0.05)")
    parser.add_argument("--workers", type=int, default=2, help="server (gunicorn) workers (default 2)")
    parser.add_argument("--status-reads", type=int, default=300, help="status reads for the baseline (default 300)")
    parser.add_argument("--repeat", type=int, default=5, help="times the report is asked (default 5)")
    parser.add_argument("--parts", type=int, default=os.cpu_count() or 1,
                        help="processes filling the read models (default: cores)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schema or file")
    return parser.parse_args(argv)


def month_day(rng: random.Random) -> date:
    return (MONTH_START + timedelta(days=rng.randint(1, 29))).date()


def revise(app: CredentialService, clock: SetClock, member: str, rng: random.Random) -> int:
    """What staff record in the last month for `member`: a late claim, the last renewal of an ended
    cycle withdrawn, the last claim amended; each at a time of the month (never before the
    member's last fact). Returns how many were accepted (a refused one is simply not recorded)."""
    history = app.credential(member).history
    renewals = [f for f in history if isinstance(f, RenewalSubmitted) and f.effective_on.year < TODAY.year - 1]
    workshops = [f for f in history if isinstance(f, ActivityClaimed) and f.category == "acsm_workshop"]
    completed = TODAY - timedelta(days=rng.randint(60, 400))
    commands: list[Callable[[], object]] = [lambda: app.claim_activity(member, ActivityClaim(
        "acsm_workshop", f"Workshop on {completed}, reported late", completed, hours=Decimal(6)))]
    if renewals:
        commands.append(lambda: app.withdraw(member, renewals[-1].fact_id, "recorded on the wrong member"))
    if workshops:
        last = workshops[-1]
        commands.append(lambda: app.amend_activity(member, last.activity_id, ActivityClaim(
            last.category, last.title, last.effective_on, hours=Decimal(1)), "hours typed wrongly"))
    accepted = 0
    for command in commands:
        clock.set(month_day(rng))
        try:
            command()
            accepted += 1
        except CredentialError:
            continue
    return accepted


def templates(seed: int) -> tuple[Histories, int]:
    """Histories recorded on time, and as many revised in the month; and the corrections made."""
    histories = Histories(seed)
    histories.clock = OnTimeClock()
    histories.app = CredentialService(database_url="memory://", clock=histories.clock)
    histories.make("short", TEMPLATES)
    histories.templates["revised"] = []
    histories.make("revised", TEMPLATES)
    rng, corrections = random.Random(seed), 0
    for index in range(TEMPLATES):
        member = f"revised-template-{index}"
        corrections += revise(histories.app, histories.clock, member, rng)
        histories.templates["revised"][index] = list(histories.app.recorder.select_events(credential_id(member)))
    return histories, corrections


def generate(target: Target, service: CredentialService, args: argparse.Namespace) -> tuple[list[str], int]:
    """Load the members; returns their ids and the corrections of the revised templates."""
    histories, corrections = templates(args.seed)
    revised = round(args.members * args.revised)
    kinds = {"revised": [f"revised-{i:07d}" for i in range(revised)],
             "short": [f"member-{i:07d}" for i in range(args.members - revised)]}
    for kind, members in kinds.items():
        load(target, service, histories, kind, members)
    return [m for members in kinds.values() for m in members], corrections


def status_reads(client: Client, members: Sequence[str], count: int, seed: int) -> list[float]:
    """The latency of each of `count` status reads (today's, as known now) of random members."""
    rng = random.Random(seed)
    latencies = []
    for _ in range(count):
        path = f"/members/{rng.choice(members)}/status"
        began = time.perf_counter()
        client.call("GET", path)
        latencies.append(time.perf_counter() - began)
    return latencies


def replayed(service: CredentialService) -> list[dict[str, Any]]:
    """The reference over the month (every member replayed), as the report writes its rows."""
    rows = [row for member, revision in service.revisions_recorded(MONTH_START, MONTH_END)
            for row in revision_rows(member, revision)]
    document: dict[str, list[dict[str, Any]]] = shared(RevisionsReportDocument).dump(
        revisions_of(MONTH_START, MONTH_END, rows))
    return document["rows"]


def measure(args: argparse.Namespace, target: Target, service: CredentialService) -> dict[str, Any]:
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    (members, corrections), generating = timed(lambda: generate(target, service, args))
    events, _ = target.counts(service)
    print(f"loaded {events} events of {len(members)} members in {generating:.1f} s", flush=True)
    with read_models(target, service, args.parts) as projector:
        models = projector.models
        _, filling = timed(projector.catch_up)
        revision_count = models.fetch("SELECT COUNT(*) FROM {revisions}", {})[0][0]
        print(f"read models filled from zero in {filling:.1f} s ({revision_count} revision rows)", flush=True)
        figures = serve_and_replay(args, target, service, members)
        service.adopt_policy_version("bench-grace", date(2015, 1, 1), {"grace_months": 3})
        _, following = timed(lambda: projector.catch_up(stream_from_zero=False))
        policy_rows = models.fetch("SELECT COUNT(DISTINCT member_id) FROM {revisions} "
                                    "WHERE cause_type = 'PolicyVersionAdopted'", {})
        print(f"followed a policy version in {following:.1f} s ({policy_rows[0][0]} members revised)", flush=True)
        lag = projector.lag()
        _, rebuilding = timed(projector.rebuild)
        print(f"rebuilt after it in {rebuilding:.1f} s", flush=True)
    return {
        "backend": target.backend,
        "members": len(members),
        "revised_members": sum(1 for m in members if m.startswith("revised-")),
        "events": events,
        "window": [MONTH_START.isoformat(), MONTH_END.isoformat()],
        "generate_s": round(generating, 1),
        "fill_s": round(filling, 1),
        "revision_rows": revision_count,
        "template_corrections": corrections,
        **figures,
        "policy_follow_s": round(following, 1),
        "rebuild_after_policy_s": round(rebuilding, 1),
        "policy_revised_members": policy_rows[0][0],
        "lag_after": lag.lag,
        **machine_figures(load_before, began),
    }


def serve_and_replay(args: argparse.Namespace, target: Target, service: CredentialService,
                     members: Sequence[str]) -> dict[str, Any]:
    """(a) to (c): the status reads and the report from the real server, then the replay."""

    server = Server(target.url, args.workers, report_schema(target))
    try:
        server.wait_healthy()
        client = server.client()
        status_reads(client, members, min(50, args.status_reads), args.seed + 1)  # warm-up
        status = status_reads(client, members, args.status_reads, args.seed)
        window = urlencode({"recorded_from": MONTH_START.isoformat(), "recorded_to": MONTH_END.isoformat()})
        answers = [timed(lambda: client.call("GET", f"/reports/revisions?{window}")) for _ in range(args.repeat)]
        client.close()
    except BaseException:
        server.stop(keep_log=True)
        raise
    server.stop(keep_log=args.keep)
    report_rows = json.loads(answers[-1][0])["rows"]
    report_s = statistics.median(seconds for _, seconds in answers)
    print(f"report: {len(report_rows)} rows, median {report_s * 1000:.1f} ms of {args.repeat}", flush=True)
    reference, replaying = timed(lambda: replayed(service))
    print(f"replay reference: {len(reference)} rows in {replaying:.1f} s", flush=True)
    status_s = statistics.median(status)
    return {
        "report_rows": len(report_rows),
        "report_matches_replay": report_rows == reference,
        "status_p50_ms": ms(status_s),
        "status_p99_ms": ms(percentile(status, 0.99)),
        "report_ms": ms(report_s),
        "replay_s": round(replaying, 2),
        "report_vs_status": round(report_s / status_s, 1),
        "replay_vs_status": round(replaying / status_s, 1),
        "replay_vs_report": round(replaying / report_s, 1),
    }


def table(r: dict[str, Any]) -> list[str]:
    rows = [
        ("GET status (baseline)", f"{r['status_p50_ms']} ms", f"p50 of single reads; p99 {r['status_p99_ms']} ms"),
        ("GET /reports/revisions", f"{r['report_ms']} ms",
         f"{r['report_rows']} rows of a month, from the table; {r['report_vs_status']} status reads"),
        ("replay reference", f"{r['replay_s']} s", f"{r['replay_vs_status']} status reads, "
         f"{r['replay_vs_report']} reports; equal to the report: {r['report_matches_replay']}"),
        ("read models filled", f"{r['fill_s']} s", f"from zero, {r['revision_rows']} revision rows in all"),
        ("policy version followed", f"{r['policy_follow_s']} s",
         f"every member recomputed and swapped in; {r['policy_revised_members']} revised by it; "
         f"a rebuild then: {r['rebuild_after_policy_s']} s"),
        ("store", f"{r['events']} events", f"{r['members']} members, {r['revised_members']} revised in the month"),
        machine_row(r),
    ]
    return [f"{name:<26} {value!s:>14}   {note}" for name, value, note in rows]


def main(argv: Sequence[str] | None = None) -> int:
    return run_beside_the_server(parse_args(argv), DEFAULT_URL, measure, table)
