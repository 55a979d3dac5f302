"""`python scripts/bench.py` (the default section): the service's write and read paths in-process.

    CREDENTIALS_DATABASE_URL=postgresql://root@127.0.0.1:5432/bench python scripts/bench.py
    python scripts/bench.py                       # SQLite, beside the project's default file

In one run it measures:
  (a) `claim_activity` commands/s from --connections workers, beside raw single-row
      INSERT+COMMIT transactions/s from as many workers, each with its own connection, into a
      scratch table shaped like the events table; and their ratio. Each command worker is what
      a gunicorn sync worker is in production (credentials/server.py): its own service, so its
      own aggregate cache and one pooled connection, serving one request at a time. On
      PostgreSQL each worker is a process of its own by default, as gunicorn's are;
      `--workers thread` runs them as threads of this process instead (threads share one
      core's worth of Python, processes do not). SQLite takes one writer at a time, so there
      they are threads;
  (b) what a claim costs by the length of the member's history: claims alternate between members
      with tens of events and members with about 3,000, each completed on a random day of the
      last month, in one service that has served each member before (its kept replays, as a
      running worker has them); the ratio of their mean times;
  (c) `status(member, on=random date)` latency for members with 300 events, on the small
      store and again after many more members are added (reads must not slow with the store);
  (d) the size of the store it ran on.
Everything lives in a fresh schema (PostgreSQL; the database is created if missing) or a
fresh file (SQLite), removed at the end unless --keep. The last output line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import StoredEvent

from application.service import CredentialService
from benchmarks.histories import FIRST_DAY, TODAY, Histories, load
from benchmarks.target import Target, database_url
from benchmarks.workers import (
    Phase,
    RawJob,
    Workers,
    alternate,
    machine_figures,
    machine_row,
    ms,
    percentile,
    timed_loop,
)
from domain.rules import ActivityClaim

TARGETS = {"command_ratio": 0.5, "claim_cost_ratio": 1.3, "asof_p99_ms": 3}

# A sync worker handles one request at a time, so one connection is all its pool needs.
WORKER_ENV = {"POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "0"}


class CommandJob:
    """Claims activities for random members, completed in the last month, through its own service."""

    def __init__(self, url: str, members: Sequence[str], seed: int, index: int) -> None:
        self.service = CredentialService(WORKER_ENV, database_url=url)
        self.members = members
        self.rng = random.Random(seed * 1000 + index)
        for member in members:  # a worker that has been running has these cached
            self.service.credential(member)

    def claim(self) -> None:
        member = self.rng.choice(self.members)
        completed = TODAY - timedelta(days=self.rng.randint(0, 30))
        self.service.claim_activity(member, ActivityClaim(
            "acsm_workshop", "Bench workshop", completed, hours=Decimal(self.rng.randint(1, 8))))

    def run(self, seconds: float) -> Phase:
        return timed_loop(seconds, self.claim)

    def close(self) -> None:
        self.service.close()


def claim_costs(service: CredentialService, short: Sequence[str], huge: Sequence[str], claims: int,
                rng: random.Random) -> tuple[list[float], list[float]]:
    """Seconds per claim for members of each length, alternating so that drift hits both; each
    member served once first, as a running worker has served it."""
    def claim(member: str) -> float:
        completed = TODAY - timedelta(days=rng.randint(0, 30))
        began = time.perf_counter()
        service.claim_activity(member, ActivityClaim("acsm_workshop", "Bench workshop", completed,
                                                     hours=Decimal(rng.randint(1, 8))))
        return time.perf_counter() - began

    for member in (*short, *huge):
        claim(member)
    costs: tuple[list[float], list[float]] = ([], [])
    for _ in range(claims):
        costs[0].append(claim(rng.choice(short)))
        costs[1].append(claim(rng.choice(huge)))
    return costs


def status_latencies(service: CredentialService, members: Sequence[str], samples: int,
                     rng: random.Random) -> list[float]:
    """`status` of random members on random dates since their histories began, known now."""
    span = (TODAY - FIRST_DAY).days
    latencies = []
    for _ in range(samples):
        member, on = rng.choice(members), FIRST_DAY + timedelta(days=rng.randint(0, span))
        began = time.perf_counter()
        service.status(member, on=on, known_at=None)
        latencies.append(time.perf_counter() - began)
    return latencies


def cold_latencies(url: str, members: Sequence[str]) -> list[float]:
    """First read of each member by a new service: nothing cached, every event loaded."""
    service = CredentialService(WORKER_ENV, database_url=url)
    try:
        service.status(members[0])  # opens the pool; not a read to time
        latencies = []
        for member in members[1:]:
            began = time.perf_counter()
            service.status(member)
            latencies.append(time.perf_counter() - began)
        return latencies
    finally:
        service.close()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None, help="default: CREDENTIALS_DATABASE_URL, else the project's SQLite")
    parser.add_argument("--connections", type=int, default=4, help="workers, each with one connection (default 4)")
    parser.add_argument("--workers", choices=("thread", "process"), default=None,
                        help="run each worker as a thread of this process, or as its own process "
                             "(default: process on PostgreSQL, thread on SQLite)")
    parser.add_argument("--seconds", type=float, default=12,
                        help="time for commands, and again for raw inserts, in all (default 12)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate raw and command phases this many times, so drift hits both (default 3)")
    parser.add_argument("--members", type=int, default=1000, help="members the commands go to (default 1000)")
    parser.add_argument("--asof-members", type=int, default=20, help="members with 300 events (default 20)")
    parser.add_argument("--cost-members", type=int, default=40,
                        help="members of each length the claim costs are measured on (default 40)")
    parser.add_argument("--cost-claims", type=int, default=400,
                        help="claims timed for each length (default 400)")
    parser.add_argument("--cost-years", type=int, default=20,
                        help="years of history of the long members, about 150 events each (default 20)")
    parser.add_argument("--more-members", type=int, default=20000,
                        help="members added before the second status measurement (default 20000)")
    parser.add_argument("--samples", type=int, default=2000, help="status calls per measurement (default 2000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schema or file")
    return parser.parse_args(argv)


def throughput(args: argparse.Namespace, target: Target, members: Sequence[str],
               sample: StoredEvent) -> tuple[Phase, Phase]:
    raw_workers = Workers(args.workers, args.connections, RawJob, target.raw_table(), sample)
    command_workers = Workers(args.workers, args.connections, CommandJob, target.url, members, args.seed)
    try:
        return alternate(args.rounds, args.seconds, raw_workers, command_workers)
    finally:
        raw_workers.close()
        command_workers.close()


def measure(args: argparse.Namespace, target: Target, service: CredentialService,
            log: Callable[[str], None]) -> dict[str, Any]:
    rng = random.Random(args.seed)
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    histories = Histories(args.seed)
    histories.make("short", 40)
    histories.make("long", 4)
    histories.make("huge", 1, years=args.cost_years)
    members = [f"m-{i:07d}" for i in range(args.members)]
    asof_members = [f"h-{i:05d}" for i in range(args.asof_members)]
    load(target, service, histories, "short", members)
    load(target, service, histories, "long", asof_members)
    small_events, small_members = target.counts(service)
    log(f"{target.backend}: {target.url}  ({small_events} events made and loaded in "
        f"{time.perf_counter() - began:.1f}s)")

    raw, commands = throughput(args, target, members, histories.templates["short"][0][-1])
    events_after, _ = target.counts(service)
    log(f"  raw: {len(raw.latencies)} in {raw.elapsed:.1f}s; commands: {len(commands.latencies)} in "
        f"{commands.elapsed:.1f}s, {commands.errors} refused or failed {commands.first_error}".rstrip())

    short, huge = [f"p-{i:05d}" for i in range(args.cost_members)], [f"q-{i:05d}" for i in range(args.cost_members)]
    load(target, service, histories, "short", short)
    load(target, service, histories, "huge", huge)
    short_costs, huge_costs = claim_costs(service, short, huge, args.cost_claims, rng)
    log(f"  claim costs: {len(short_costs)} claims on members of {len(histories.templates['short'][0])} events "
        f"and as many of {len(histories.templates['huge'][0])}")

    for member in asof_members:  # cached, as in a running service
        service.credential(member)
    small = status_latencies(service, asof_members, args.samples, rng)
    small_cold = cold_latencies(target.url, asof_members)
    loading, events_before_more = time.perf_counter(), target.counts(service)[0]
    load(target, service, histories, "short", [f"x-{i:07d}" for i in range(args.more_members)])
    loading = time.perf_counter() - loading
    large_events, large_members = target.counts(service)
    log(f"  added {args.more_members} members ({large_events - events_before_more} events) in {loading:.1f}s")
    large = status_latencies(service, asof_members, args.samples, rng)
    large_cold = cold_latencies(target.url, asof_members)
    return {
        "backend": target.backend,
        "connections": args.connections,
        "workers": args.workers,
        "seconds": args.seconds,
        "command_per_s": round(commands.rate, 1),
        "raw_txn_per_s": round(raw.rate, 1),
        "command_ratio": round(commands.rate / raw.rate, 3),
        "command_p50_ms": commands.p50_ms(),
        "command_p99_ms": commands.p99_ms(),
        "command_errors": commands.errors,
        # No lost or doubled events: each successful command recorded exactly one.
        "command_events_match": events_after - small_events == len(commands.latencies),
        "command_worker_cpu_ms": round(commands.cpu_ms(), 3),
        "raw_p50_ms": raw.p50_ms(),
        "raw_worker_cpu_ms": round(raw.cpu_ms(), 3),
        "claim_short_mean_ms": ms(sum(short_costs) / len(short_costs)),
        "claim_huge_mean_ms": ms(sum(huge_costs) / len(huge_costs)),
        "claim_short_p99_ms": ms(percentile(short_costs, 0.99)),
        "claim_huge_p99_ms": ms(percentile(huge_costs, 0.99)),
        "claim_cost_ratio": round(sum(huge_costs) / sum(short_costs), 3),
        "claim_cost_events": [len(histories.templates["short"][0]), len(histories.templates["huge"][0])],
        "asof_p50_ms": ms(percentile(small, 0.5)),
        "asof_p99_ms": ms(percentile(small, 0.99)),
        "asof_uncached_p50_ms": ms(percentile(small_cold, 0.5)),
        "asof_large_p50_ms": ms(percentile(large, 0.5)),
        "asof_large_p99_ms": ms(percentile(large, 0.99)),
        "asof_large_uncached_p50_ms": ms(percentile(large_cold, 0.5)),
        "asof_history_events": min(len(t) for t in histories.templates["long"]),
        "targets": TARGETS,
        "events_small": small_events,
        "members_small": small_members,
        "events": large_events,
        "members": large_members,
        **machine_figures(load_before, began),
    }


def table(r: dict[str, Any]) -> list[str]:
    rows = [
        ("claim_activity commands/s", r["command_per_s"],
         f"p50 {r['command_p50_ms']} ms, p99 {r['command_p99_ms']} ms, "
         f"worker CPU {r['command_worker_cpu_ms']} ms each"),
        ("raw INSERT+COMMIT txn/s", r["raw_txn_per_s"],
         f"p50 {r['raw_p50_ms']} ms, worker CPU {r['raw_worker_cpu_ms']} ms each"),
        ("command_ratio", r["command_ratio"],
         f"target >= {TARGETS['command_ratio']}; {r['connections']} {r['workers']} workers, {r['seconds']:g}s each"),
        (f"claim, {r['claim_cost_events'][1]} events / {r['claim_cost_events'][0]}", r["claim_cost_ratio"],
         f"target <= {TARGETS['claim_cost_ratio']}; means {r['claim_huge_mean_ms']} / {r['claim_short_mean_ms']} ms, "
         f"p99 {r['claim_huge_p99_ms']} / {r['claim_short_p99_ms']} ms"),
        (f"status as-of, {r['members_small']} members", f"p50 {r['asof_p50_ms']} ms",
         f"p99 {r['asof_p99_ms']} ms (target <= {TARGETS['asof_p99_ms']}); "
         f"uncached p50 {r['asof_uncached_p50_ms']} ms"),
        (f"status as-of, {r['members']} members", f"p50 {r['asof_large_p50_ms']} ms",
         f"p99 {r['asof_large_p99_ms']} ms; uncached p50 {r['asof_large_uncached_p50_ms']} ms"),
        ("store", f"{r['events']} events", f"{r['members']} members (small store: {r['events_small']} events)"),
        machine_row(r),
    ]
    return [f"{name:<34} {value!s:>16}   {note}" for name, value, note in rows]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    target = Target(database_url(args.url), args.keep)
    args.workers = args.workers or ("process" if target.backend == "postgres" else "thread")
    if args.workers == "process" and target.backend == "sqlite":
        raise SystemExit("--workers process needs PostgreSQL: SQLite takes one writer at a time")
    service = CredentialService(WORKER_ENV, database_url=target.url)
    try:
        result = measure(args, target, service, print)
    finally:
        service.close()
        target.cleanup()
    for line in table(result):
        print(line)
    print(json.dumps(result))
    return 0
