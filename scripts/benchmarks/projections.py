"""`python scripts/bench.py projections`: the read models' catch-up, rebuild and follow throughput.

    python scripts/bench.py projections                      # 1,000,000 events (the targets'), PostgreSQL
    python scripts/bench.py projections --events 200000      # quicker
    CREDENTIALS_DATABASE_URL=sqlite:///bench.db python scripts/bench.py projections --events 200000

The store is CREDENTIALS_DATABASE_URL, else postgresql://root@127.0.0.1:5432/bench_projections
(the database is created if missing); everything lives in a fresh schema (or file), removed
at the end unless --keep. Histories are made by the real commands (histories.py's
templates: certification, claims through each cycle, renewals, some audits; most members
with tens of events, some with about 300), then cloned under new member ids and bulk-loaded.

In one run it measures, on the same events table:
  (a) the raw scan rate: every row read by psycopg (a server-side binary cursor), nothing done;
  (b) catch-up from zero, as `credentials projections catch-up` does it: the store streamed in
      member order by --parts processes, every member folded once, rows copied into shadow
      tables, indexed, swapped in;
  (c) a rebuild of the same store over live tables (the time the target is set for);
  (d) following: --burst new claims for random members (recorded now, completed yesterday)
      appended, then applied page by page, twice: first by the follower fresh from the rebuild
      (nothing cached: each touched member read and recomputed from its whole history), then,
      another burst, by the same follower, which kept the members it wrote
      (`projections.member_cache`: those it meets again continue from their kept history, rows
      written by difference). Both rates count new events, not the events read; the target is
      compared with the second, a follower's steady state.
Each figure is printed beside the raw scan rate and the target; the last output line is JSON,
with the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.persistence import StoredEvent

from application.service import CredentialService
from benchmarks.histories import Histories, load
from benchmarks.target import Target, own_database
from benchmarks.workers import machine_figures, timed
from domain.credential import credential_id
from domain.events import ActivityClaimed
from projections.backends import open_read_models
from projections.projector import Projector

DEFAULT_URL = "postgresql://root@127.0.0.1:5432/bench_projections"
LONG_SHARE = 0.2  # of the events, in members with about 300 events each
# The (PostgreSQL, 2 cores): catch-up from zero and rebuild of 1M events, following bursts of
# claims on random members.
TARGETS = {"catch_up_events_per_s": 40_000, "rebuild_1m_s": 25, "follow_new_events_per_s": 5_000}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py projections", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the store (default 1,000,000)")
    parser.add_argument("--burst", type=int, default=10_000, help="new events applied by following (default 10,000)")
    parser.add_argument("--parts", type=int, default=os.cpu_count() or 1, help="rebuild processes (default: cores)")
    parser.add_argument("--page-size", type=int, default=10_000, help="notifications per page when following")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schema or file")
    return parser.parse_args(argv)


def generate(target: Target, service: CredentialService, events: int, seed: int) -> dict[str, int]:
    """Load about `events` events; returns each member's last version."""
    histories = Histories(seed)
    histories.make("short", 24)
    histories.make("long", 4)
    sizes = {kind: sum(map(len, t)) / len(t) for kind, t in histories.templates.items() if t}
    counts = {"long": round(events * LONG_SHARE / sizes["long"])}
    counts["short"] = round((events - counts["long"] * sizes["long"]) / sizes["short"])
    versions: dict[str, int] = {}
    for kind, count in counts.items():
        members = [f"{kind}-{index:07d}" for index in range(count)]
        load(target, service, histories, kind, members)
        templates = histories.templates[kind]
        versions.update((m, len(templates[i % len(templates)])) for i, m in enumerate(members))
    return versions


def raw_scan(target: Target, service: CredentialService) -> tuple[int, float]:
    query = f"SELECT originator_id, originator_version, topic, state FROM {target.events_table(service)}"
    began = time.perf_counter()
    rows = 0
    with target.connect() as conn:
        cursor = conn.cursor(name="raw", binary=True) if target.backend == "postgres" else conn.cursor()
        if target.backend == "postgres":
            cursor.itersize = 20_000
        cursor.execute(query)
        for _row in cursor:
            rows += 1
    return rows, time.perf_counter() - began


def burst(service: CredentialService, versions: dict[str, int], count: int, seed: int) -> None:
    """`count` new claims, each the next fact of a random member, recorded 100 per transaction: as
    staff record them, now (after every fact the member has), completed yesterday, each its own
    activity."""
    rng = random.Random(seed)
    sample = next(e for e in service.recorder.select_notifications(1, 1000) if e.topic == ActivityClaimed.TOPIC)
    transcoder = service.mapper.transcoder
    claim = transcoder.decode(sample.state)
    now = datetime.now(UTC)
    members = list(versions)
    batch: list[StoredEvent] = []
    for index in range(count):
        member = rng.choice(members)
        versions[member] += 1
        claim.update(timestamp=now + timedelta(microseconds=index), effective_on=now.date() - timedelta(days=1),
                     activity_id=uuid.UUID(int=rng.getrandbits(128)).hex, request_hash=None)
        batch.append(StoredEvent(credential_id(member), versions[member], sample.topic, transcoder.encode(claim)))
        if len(batch) == 100:
            service.recorder.insert_events(batch)
            batch = []
    service.recorder.insert_events(batch)


def measure(args: argparse.Namespace, target: Target, service: CredentialService) -> dict[str, Any]:
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    versions, generating = timed(lambda: generate(target, service, args.events, args.seed))
    events = service.recorder.max_notification_id()
    print(f"loaded {events} events of {len(versions)} members in {generating:.1f} s", flush=True)
    scanned, scanning = raw_scan(target, service)
    print(f"raw scan: {scanned} rows in {scanning:.2f} s", flush=True)

    location = {"report_schema": f"{getattr(target, 'schema', 'bench')}_reports", "report_prefix": "bench_reports_"}
    models = open_read_models(service, **location)
    projector = Projector(service, models, page_size=args.page_size, build_parts=args.parts)
    try:
        caught_up, catching_up = timed(projector.catch_up)
        print(f"catch-up from zero: {caught_up} events in {catching_up:.2f} s", flush=True)
        rebuilt, rebuilding = timed(projector.rebuild)
        print(f"rebuild: {rebuilt} events in {rebuilding:.2f} s", flush=True)
        burst(service, versions, args.burst, args.seed)
        cold, cold_following = timed(lambda: projector.catch_up(stream_from_zero=False))
        print(f"following, nothing cached: {cold} new events in {cold_following:.2f} s", flush=True)
        hits_before = projector.cache.hits, projector.cache.misses
        burst(service, versions, args.burst, args.seed + 1)
        followed, following = timed(lambda: projector.catch_up(stream_from_zero=False))
        hits = projector.cache.hits - hits_before[0], projector.cache.misses - hits_before[1]
        print(f"following, members cached: {followed} new events in {following:.2f} s "
              f"({hits[0]} members continued from the cache, {hits[1]} read whole)", flush=True)
        lag = projector.lag()
    finally:
        projector.close()
        models.close()
    raw = scanned / scanning
    catch_up_rate, follow_rate = caught_up / catching_up, followed / following
    cold_rate = cold / cold_following
    # Each figure beside the raw scan of the same table in the same run: the ratio is what carries
    # over between machines and loads; the targets are the (PostgreSQL, 2 cores, 1M events).
    print(f"catch-up {catch_up_rate:,.0f} events/s = {catch_up_rate / raw:.3f} x raw scan {raw:,.0f} rows/s "
          f"(target {TARGETS['catch_up_events_per_s']:,})", flush=True)
    print(f"rebuild {rebuilding:.2f} s for {rebuilt} events, {rebuilt / rebuilding:,.0f} events/s "
          f"(target {TARGETS['rebuild_1m_s']} s for 1M: {rebuilding * 1_000_000 / max(rebuilt, 1):.1f} s at this rate)",
          flush=True)
    print(f"following, nothing cached {cold_rate:,.0f} new events/s = {cold_rate / raw:.4f} x raw scan", flush=True)
    print(f"following, members cached {follow_rate:,.0f} new events/s = {follow_rate / raw:.4f} x raw scan "
          f"(target {TARGETS['follow_new_events_per_s']:,})", flush=True)
    return {
        "backend": target.backend,
        "events": events,
        "members": len(versions),
        "parts": args.parts,
        "generate_s": round(generating, 1),
        "raw_scan_rows_per_s": round(raw),
        "catch_up_events_per_s": round(catch_up_rate),
        "catch_up_vs_raw_scan": round(catch_up_rate / raw, 3),
        "rebuild_s": round(rebuilding, 2),
        "rebuild_events_per_s": round(rebuilt / rebuilding),
        "rebuild_vs_raw_scan": round(rebuilt / rebuilding / raw, 3),
        "rebuild_1m_s_at_this_rate": round(rebuilding * 1_000_000 / max(rebuilt, 1), 1),
        "follow_new_events": followed,
        "follow_new_events_per_s": round(follow_rate),
        "follow_vs_raw_scan": round(follow_rate / raw, 4),
        "follow_members_cached": hits[0],
        "follow_members_read_whole": hits[1],
        "follow_uncached_new_events": cold,
        "follow_uncached_new_events_per_s": round(cold_rate),
        "lag_after": lag.lag,
        "targets": TARGETS,
        "targets_met": {"catch_up_events_per_s": catch_up_rate >= TARGETS["catch_up_events_per_s"],
                        "rebuild_1m_s": rebuilding * 1_000_000 / max(rebuilt, 1) <= TARGETS["rebuild_1m_s"],
                        "follow_new_events_per_s": follow_rate >= TARGETS["follow_new_events_per_s"]},
        **machine_figures(load_before, began),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    target = Target(own_database(DEFAULT_URL), args.keep)
    service = CredentialService(database_url=target.url)
    try:
        result = measure(args, target, service)
    finally:
        service.close()
        if target.backend == "postgres" and not args.keep:
            target.drop_schema(f"{target.schema}_reports")
        target.cleanup()
    print(json.dumps(result))
    return 0
