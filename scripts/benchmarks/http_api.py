"""`python scripts/bench.py http`: the API over HTTP against the real server, beside raw inserts.

    CREDENTIALS_DATABASE_URL=postgresql://root@127.0.0.1:5432/bench python scripts/bench.py http

Members with realistic histories (tens of events each) are loaded into a fresh schema; then
`credentials serve --workers W` (its front door and granian, as in production) is started on a free
port of 127.0.0.1 with a staff token of its own, and --connections client connections (threads
of this process, one request at a time each) speak to it. In one run it measures:
  (a) GET /members/{id}/status alone: answers/s and latency, after a warm-up of the same; and
      GET /health alone (one trivial query a request: the ceiling of the web stack here), and
      its floor: the p50 of one request at a time on one connection (health_floor_ms);
  (b) POST /members/{id}/activities: 201s/s, beside raw single-row INSERT+COMMIT transactions/s
      from as many connections into a table shaped like the events table, the two taking turns
      --rounds times; and their ratio, http_command_ratio;
  (c) GET status latency under that write load: the writers go on posting while --readers
      more connections read statuses (get_status_p50_ms, get_status_p99_ms);
  (d) GET /members/{id}/history of a member with about 3,000 events (the whole history, one
      page): the p50 of --history-reads requests after a first one, beside the raw read of its
      events from the events table on one connection (history_ms, raw_history_select_ms);
  (e) where the machine's CPU went per request of each kind, and per raw transaction: the
      server (master and workers), the clients (this process), PostgreSQL (the
      backends of this database and the server's own processes), and the rest (`other`: other
      work on the machine; large when something else runs beside the benchmark).
Server workers, clients and PostgreSQL share the machine's cores. The schema is removed at
the end (and the report schema of its own that the server made) unless --keep, which also
keeps the server's log. The last output line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from application.service import CredentialService
from benchmarks.histories import TODAY, Histories, load
from benchmarks.server import Client, Server, cpu_per_operation, cpu_snapshot
from benchmarks.target import Target, database_url, report_schema
from benchmarks.workers import (
    Metered,
    Phase,
    RawJob,
    Workers,
    alternate,
    in_threads,
    machine_figures,
    machine_row,
    ms,
    percentile,
    timed_loop,
)
from domain.credential import credential_id
from entrypoints.server import default_workers

TARGETS = {"http_command_ratio": 0.3, "get_status_p99_ms": 10, "history_ms": 150}


class ApiJob:
    """One client connection making one kind of request (`post`: a workshop completed in the last
    month, claimed; `status`: today's, as known now; `health`), for random members."""

    def __init__(self, server: Server, members: Sequence[str], seed: int, kind: str, index: int) -> None:
        self.client: Client = server.client()
        self.members, self.kind = members, kind
        self.rng = random.Random(f"{seed}-{kind}-{index}")

    def request(self) -> None:
        member = self.rng.choice(self.members)
        if self.kind == "post":
            completed = TODAY - timedelta(days=self.rng.randint(0, 30))
            self.client.call("POST", f"/members/{member}/activities", {
                "category": "acsm_workshop", "title": f"Bench workshop {self.rng.randint(1, 999)}",
                "completed_on": completed.isoformat(), "hours": self.rng.randint(1, 8)}, expect=201)
        elif self.kind == "status":
            self.client.call("GET", f"/members/{member}/status")
        else:
            self.client.call("GET", "/health")

    def run(self, seconds: float) -> Phase:
        return timed_loop(seconds, self.request)

    def close(self) -> None:
        self.client.close()


def health_floor(server: Server, requests: int = 200) -> float:
    """The latency of a bare request: the p50 of GET /health sent one after another on one connection
    (milliseconds), nothing else asked of the server meanwhile."""
    client, latencies = server.client(), []
    try:
        for _ in range(requests):
            began = time.perf_counter()
            client.call("GET", "/health")
            latencies.append(time.perf_counter() - began)
    finally:
        client.close()
    return ms(percentile(latencies, 0.5))


def history_figures(server: Server, target: Target, service: CredentialService, member: str,
                    reads: int) -> dict[str, Any]:
    """The history of a member of about 3,000 events over HTTP, beside the raw read of its events."""
    client, latencies = server.client(), []
    try:
        body = client.call("GET", f"/members/{member}/history")  # its first read: the history loaded, cached
        for _ in range(reads):
            began = time.perf_counter()
            client.call("GET", f"/members/{member}/history")
            latencies.append(time.perf_counter() - began)
    finally:
        client.close()
    raw = []
    postgres = target.backend == "postgres"
    query = (f"SELECT * FROM {target.events_table(service)} WHERE originator_id = {'%s' if postgres else '?'} "
             "ORDER BY originator_version")
    originator = credential_id(member) if postgres else credential_id(member).hex
    with target.connect() as conn:
        for _ in range(reads):
            began = time.perf_counter()
            rows = conn.execute(query, (originator,)).fetchall()
            raw.append(time.perf_counter() - began)
    return {"history_ms": ms(percentile(latencies, 0.5)), "history_events": len(rows),
            "history_entries": len(json.loads(body)["events"]),
            "raw_history_select_ms": ms(percentile(raw, 0.5))}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py http", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None, help="default: CREDENTIALS_DATABASE_URL (PostgreSQL expected)")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help=f"server workers (default: one per core = {default_workers()})")
    parser.add_argument("--connections", type=int, default=4,
                        help="client connections, and raw connections (default 4)")
    parser.add_argument("--readers", type=int, default=1,
                        help="connections reading statuses while the others post (default 1)")
    parser.add_argument("--seconds", type=float, default=15,
                        help="seconds of each phase: status alone, commands, raw, mixed; /health a third (default 15)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate raw and command phases this many times (default 3)")
    parser.add_argument("--warmup", type=float, default=30,
                        help="seconds of status reads first, so that each worker has most members cached (default 30)")
    parser.add_argument("--members", type=int, default=1000, help="members read and written (default 1000)")
    parser.add_argument("--history-reads", type=int, default=20,
                        help="reads of the history of a member of about 3,000 events (default 20)")
    parser.add_argument("--history-years", type=int, default=20,
                        help="years of that member's history, about 150 events each (default 20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schema and the server's log")
    return parser.parse_args(argv)


def run_server(args: argparse.Namespace, target: Target, members: Sequence[str],
               raw_workers: Workers, log: Callable[[str], None], server: Server | None = None,
               more: Callable[[Server], dict[str, Any]] | None = None) -> dict[str, Any]:
    """The phases against a running server (`credentials serve` unless `server` is given), then `more`
    of them if given; the figures (and those of `more`)."""
    server = server or Server(target.url, args.workers, report_schema(target))
    pools: list[Workers] = []
    added: dict[str, Any] = {}

    def metered(kind: str, count: int) -> Metered:
        pools.append(Workers("thread", count, ApiJob, server, members, args.seed, kind))
        return Metered(pools[-1], partial(cpu_snapshot, server.process.pid, target.database))

    try:
        server.wait_healthy()
        log(f"  server: {args.workers} workers on 127.0.0.1:{server.port}, pids {server.worker_pids()}")
        health, readers, writers = (metered(kind, args.connections) for kind in ("health", "status", "post"))
        raw, extra = Metered(raw_workers, readers.snapshot), metered("status", args.readers)
        warm = readers.workers.run(args.warmup)
        log(f"  warm-up: {len(warm.latencies)} status reads, p50 {warm.p50_ms()} ms, p99 {warm.p99_ms()} ms")
        health_alone = health_floor(server)
        pings = health.run(args.seconds / 3)
        gets = readers.run(args.seconds)
        log(f"  alone: {len(pings.latencies)} /health, {len(gets.latencies)} status reads; "
            f"{pings.errors + gets.errors} failed {pings.first_error or gets.first_error}".rstrip())
        raw_phase, posts = alternate(args.rounds, args.seconds, raw, writers)
        log(f"  raw: {len(raw_phase.latencies)} in {raw_phase.elapsed:.1f}s; commands: {len(posts.latencies)} in "
            f"{posts.elapsed:.1f}s, {posts.errors} refused or failed {posts.first_error}".rstrip())
        mixed_posts, mixed_gets = in_threads([partial(writers.workers.run, args.seconds),
                                              partial(extra.workers.run, args.seconds)])
        log(f"  mixed: {len(mixed_posts.latencies)} commands and {len(mixed_gets.latencies)} status reads in "
            f"{mixed_posts.elapsed:.1f}s, {mixed_posts.errors + mixed_gets.errors} failed "
            f"{mixed_posts.first_error or mixed_gets.first_error}".rstrip())
        if more is not None:
            added = more(server)
    except BaseException:
        server.stop(keep_log=True)
        raise
    finally:
        for pool in pools:
            pool.close()
    server.stop(keep_log=args.keep)
    return {
        "http_command_per_s": round(posts.rate, 1),
        "raw_txn_per_s": round(raw_phase.rate, 1),
        "http_command_ratio": round(posts.rate / raw_phase.rate, 3),
        "get_status_per_s": round(gets.rate, 1),
        "get_status_p50_ms": mixed_gets.p50_ms(),
        "get_status_p99_ms": mixed_gets.p99_ms(),
        "get_status_alone_p50_ms": gets.p50_ms(),
        "get_status_alone_p99_ms": gets.p99_ms(),
        "get_status_under_load_reads": len(mixed_gets.latencies),
        "http_command_p50_ms": posts.p50_ms(),
        "http_command_p99_ms": posts.p99_ms(),
        "http_command_per_s_mixed": round(mixed_posts.rate, 1),
        "health_per_s": round(pings.rate, 1),
        "health_floor_ms": health_alone,
        "http_errors": sum(p.errors for p in (pings, gets, posts, mixed_posts, mixed_gets)),
        "raw_p50_ms": raw_phase.p50_ms(),
        "cpu_ms_per_command": cpu_per_operation(writers.used, len(posts.latencies)),
        "cpu_ms_per_status": cpu_per_operation(readers.used, len(gets.latencies)),
        "cpu_ms_per_health": cpu_per_operation(health.used, len(pings.latencies)),
        "cpu_ms_per_raw_txn": cpu_per_operation(raw.used, len(raw_phase.latencies)),
        "commands_recorded": len(posts.latencies) + len(mixed_posts.latencies),
        **added,
    }


def measure(args: argparse.Namespace, target: Target, service: CredentialService,
            log: Callable[[str], None]) -> dict[str, Any]:
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    histories = Histories(args.seed)
    histories.make("short", 40)
    histories.make("huge", 1, years=args.history_years)
    members = [f"m-{i:07d}" for i in range(args.members)]
    load(target, service, histories, "short", members)
    load(target, service, histories, "huge", ["long-history"])
    events_before, _ = target.counts(service)
    log(f"{target.backend}: {target.url}  ({events_before} events of {args.members} members made and loaded in "
        f"{time.perf_counter() - began:.1f}s)")
    raw = Workers("thread", args.connections, RawJob, target.raw_table(), histories.templates["short"][0][-1])
    try:
        figures = run_server(args, target, members, raw, log, more=lambda server: history_figures(
            server, target, service, "long-history", args.history_reads))
    finally:
        raw.close()
    events_after, _ = target.counts(service)
    recorded = figures.pop("commands_recorded")
    return {
        "backend": target.backend,
        "workers": args.workers,
        "connections": args.connections,
        "readers": args.readers,
        "seconds": args.seconds,
        **figures,
        # No lost or doubled events: each 201 recorded exactly one.
        "command_events_match": events_after - events_before == recorded,
        "members": args.members,
        "events": events_after,
        "targets": TARGETS,
        **machine_figures(load_before, began),
    }


def table(r: dict[str, Any]) -> list[str]:
    def cpu(shares: dict[str, float]) -> str:
        return ", ".join(f"{k} {v}" for k, v in shares.items() if k != "busy") + f" (machine {shares.get('busy')})"

    rows = [
        ("POST activities/s (201s)", r["http_command_per_s"],
         f"p50 {r['http_command_p50_ms']} ms, p99 {r['http_command_p99_ms']} ms"),
        ("raw INSERT+COMMIT txn/s", r["raw_txn_per_s"], f"p50 {r['raw_p50_ms']} ms"),
        ("http_command_ratio", r["http_command_ratio"],
         f"target >= {TARGETS['http_command_ratio']}; {r['connections']} connections, {r['workers']} server workers"),
        ("GET status/s alone", r["get_status_per_s"],
         f"p50 {r['get_status_alone_p50_ms']} ms, p99 {r['get_status_alone_p99_ms']} ms"),
        ("GET status under write load", f"p99 {r['get_status_p99_ms']} ms",
         f"p50 {r['get_status_p50_ms']} ms, target p99 <= {TARGETS['get_status_p99_ms']} ms; "
         f"{r['readers']} reader beside {r['http_command_per_s_mixed']} POST/s"),
        ("GET /health/s alone", r["health_per_s"], "the web stack's ceiling: one trivial query a request"),
        (f"GET history, {r['history_events']} events", f"{r['history_ms']} ms",
         f"p50; target < {TARGETS['history_ms']} ms; raw SELECT of its events {r['raw_history_select_ms']} ms"),
        ("CPU ms per POST", "", cpu(r["cpu_ms_per_command"])),
        ("CPU ms per GET status", "", cpu(r["cpu_ms_per_status"])),
        ("CPU ms per GET /health", "", cpu(r["cpu_ms_per_health"])),
        ("CPU ms per raw txn", "", cpu(r["cpu_ms_per_raw_txn"])),
        ("store", f"{r['events']} events", f"{r['members']} members; events match 201s: {r['command_events_match']}"),
        machine_row(r),
    ]
    return [f"{name:<30} {value!s:>14}   {note}" for name, value, note in rows]


def run_section(args: argparse.Namespace, measure: Callable[..., dict[str, Any]],
                table: Callable[[dict[str, Any]], list[str]]) -> int:
    """A section that starts servers on the run's own schema (or file) of CREDENTIALS_DATABASE_URL:
    `measure`, then the schema and the report schema the server made removed (unless --keep), its
    table and its JSON."""
    target = Target(database_url(args.url), args.keep)
    if target.backend != "postgres":
        print("note: not PostgreSQL; SQLite takes one writer at a time", flush=True)
    service = CredentialService({"POSTGRES_POOL_SIZE": "1"}, database_url=target.url)
    try:
        result = measure(args, target, service, lambda line: print(line, flush=True))
    finally:
        service.close()
        if target.backend == "postgres" and not args.keep:
            target.drop_schema(report_schema(target))  # made by the server beside our store
        target.cleanup()
    for line in table(result):
        print(line)
    print(json.dumps(result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_section(parse_args(argv), measure, table)
