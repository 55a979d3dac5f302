"""`python scripts/bench.py import`: bringing a register in (rules.md section 13) by the bulk path,
beside a raw COPY of as many rows, and the read models catching up after it.

    python scripts/bench.py import                       # 15,000 members, about 300,000 rows (2.5 min)
    python scripts/bench.py import --members 50000       # the issue's size: about 1,000,000 rows
    python scripts/bench.py import --members 1000 --profile   # and where the import's time goes

The store is CREDENTIALS_DATABASE_URL, else postgresql://root@127.0.0.1:5432/bench_import (the
database is created if missing), in a fresh schema (or file) removed at the end unless --keep.
What matters is the rate per row: a register's size only multiplies it.

In one run:
  (a) a register of --members members written by scripts/make_register.py (realistic histories,
      about 20 rows a member, and its 15 rows that must be refused) to a temporary file;
  (b) the import as `credentials import FILE` does it: the file read into commands by
      `read_register`, then `CredentialService.import_register` (the bulk path: each member's rows
      judged in memory, the facts of 200 members written in one transaction) into the fresh store,
      in one process per core on PostgreSQL (`--workers`; `entrypoints.parallel_import`), one on
      SQLite; rows/s of each phase and of both (`import_rows_per_s`, held to the target);
  (c) the raw baseline in the same run: as many rows, event-sized (cycling through real stored
      events), written into a scratch table shaped like the events table in one transaction: by
      COPY on PostgreSQL, by executemany INSERT on SQLite; the ratio import/raw;
  (d) the read models catching up on everything the import recorded, from zero, as `credentials
      projections catch-up` does it (--parts processes): seconds and events/s.
With --profile, each phase of (b) runs under cProfile (its figures then include the profiler's
overhead) and its top --profile-lines functions by cumulative time are printed. The last output
line is JSON, the targets included.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from make_register import UNTIL, write

from application.imports import ImportReport
from application.service import CredentialService
from benchmarks.target import RawSpec, Target, read_models, run_beside_the_server
from benchmarks.workers import machine_figures, machine_row, timed
from entrypoints.parallel_import import import_in_parallel
from web.schemas.register import read_register

DEFAULT_URL = "postgresql://root@127.0.0.1:5432/bench_import"
TARGETS = {"import_rows_per_s": 20_000}  # on PostgreSQL
SAMPLE_EVENTS = 1000  # real stored events the raw baseline cycles through
T = TypeVar("T")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py import", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=15_000,
                        help="members in the register (default 15,000: about 300,000 rows; 50,000 make ~1,000,000)")
    parser.add_argument("--parts", type=int, default=os.cpu_count() or 1,
                        help="processes filling the read models (default: cores)")
    parser.add_argument("--workers", type=int, default=None,
                        help="import processes, as `credentials import --workers` (default: as it chooses, one per "
                             "core on PostgreSQL, one on SQLite); the phases are timed apart only with one")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true", help="profile the import (reading and importing)")
    parser.add_argument("--profile-lines", type=int, default=25, help="functions the profile lists (default 25)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schema or file, and the register")
    return parser.parse_args(argv)


def profiled(args: argparse.Namespace, what: str, action: Callable[[], T]) -> T:
    """`action()`, under cProfile when asked (its top functions by cumulative time printed)."""
    if not args.profile:
        return action()
    profile = cProfile.Profile()
    result = profile.runcall(action)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.profile_lines)
    print(f"--- profile of {what} (its times include cProfile's overhead)\n{out.getvalue()}", flush=True)
    return result


def import_file(args: argparse.Namespace, target: Target, service: CredentialService,
                path: Path) -> tuple[ImportReport, float, float]:
    """(b): the report, and the seconds reading and importing took (with several processes, reading
    is only the whole-file check the parent makes, and each process reads its share as it imports)."""
    data = path.read_bytes()
    workers = args.workers = args.workers or ((os.cpu_count() or 1) if target.backend == "postgres" else 1)
    if args.profile:
        workers = args.workers = 1
    if workers > 1:
        checked, reading = timed(lambda: read_register(data, members=lambda _member: False))
        print(f"checked {checked.count:,} rows in {reading:.1f} s; importing in {workers} processes", flush=True)
        report, importing = timed(lambda: import_in_parallel(target.url, data, workers, dry_run=False))
        return report, reading, importing
    register, reading = timed(lambda: profiled(args, "reading the file (read_register)", lambda: read_register(data)))
    print(f"read {len(register.rows):,} rows in {reading:.1f} s", flush=True)

    tenths_shown = 0

    def progress(report: ImportReport) -> None:
        nonlocal tenths_shown
        done = report.judged
        if done * 10 // report.rows > tenths_shown:
            tenths_shown = done * 10 // report.rows
            print(f"  {done:,} of {report.rows:,} rows judged and recorded", flush=True)

    report, importing = timed(lambda: profiled(args, "judging and recording (import_register)",
                                               lambda: service.import_register(register.rows, progress=progress)))
    return report, reading, importing


def sample_events(target: Target, service: CredentialService) -> list[tuple[str, bytes]]:
    """Real stored events (topic and state), to give the raw rows their sizes."""
    query = f"SELECT topic, state FROM {target.events_table(service)} ORDER BY originator_id LIMIT {SAMPLE_EVENTS}"
    with target.connect() as conn:
        return [(topic, bytes(state)) for topic, state in conn.execute(query).fetchall()]


def raw_rows(count: int, samples: list[tuple[str, bytes]], text_ids: bool) -> Iterator[tuple[Any, ...]]:
    """`count` rows shaped like events: a member's id and version, one sample event's topic and state."""
    member, version = uuid.uuid4(), 0
    for index in range(count):
        version += 1
        if version > 20:  # members of about 20 events, as the register's
            member, version = uuid.uuid4(), 1
        topic, state = samples[index % len(samples)]
        yield member.hex if text_ids else member, version, topic, state


def raw_write(spec: RawSpec, count: int, samples: list[tuple[str, bytes]]) -> float:
    """(c): the seconds it takes to write `count` event-sized rows in one transaction."""
    began = time.perf_counter()
    if spec.backend == "postgres":
        columns = "originator_id, originator_version, topic, state"
        with psycopg.connect(spec.dsn) as conn:
            with conn.cursor().copy(f"COPY {spec.table} ({columns}) FROM STDIN") as copy:
                for row in raw_rows(count, samples, text_ids=False):
                    copy.write_row(row)
            conn.commit()
    else:
        lite = sqlite3.connect(spec.dsn, isolation_level=None)
        try:
            lite.execute("BEGIN")
            lite.executemany(spec.insert, raw_rows(count, samples, text_ids=True))
            lite.execute("COMMIT")
        finally:
            lite.close()
    return time.perf_counter() - began


def measure(args: argparse.Namespace, target: Target, service: CredentialService) -> dict[str, Any]:
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-register-") as folder:
        path = Path(folder) / "register.csv"
        (rows, must_refuse), generating = timed(lambda: write(path, args.members, args.seed, UNTIL))
        print(f"register of {rows:,} rows for {args.members:,} members written in {generating:.1f} s "
              f"({path.stat().st_size / 1e6:.1f} MB)", flush=True)
        report, reading, importing = import_file(args, target, service, path)
        if args.keep:
            kept = Path(f"{target.path if target.backend == 'sqlite' else target.schema}.register.csv")
            kept.write_bytes(path.read_bytes())
            print(f"kept the register: {kept}", flush=True)
    events, members = target.counts(service)
    print(f"imported {report.recorded:,} rows ({len(report.refused)} refused) as {events:,} events of "
          f"{members:,} members in {importing:.1f} s", flush=True)
    raw = raw_write(target.raw_table(), rows, sample_events(target, service))
    print(f"raw: {rows:,} rows in {raw:.2f} s", flush=True)
    with read_models(target, service, args.parts) as projector:
        caught_up, catching_up = timed(projector.catch_up)
        lag = projector.lag().lag
    print(f"read models caught up on {caught_up:,} events in {catching_up:.1f} s", flush=True)
    import_rate = rows / (reading + importing)
    return {
        "backend": target.backend,
        "members": args.members,
        "members_recorded": members,
        "rows": rows,
        "recorded": report.recorded,
        "refused": len(report.refused),
        "refused_as_made": sorted(f.row_id for f in must_refuse) == sorted(r.row_id for r in report.refused),
        "events": events,
        "generate_s": round(generating, 1),
        "generate_rows_per_s": round(rows / generating),
        "read_s": round(reading, 2),
        "read_rows_per_s": round(rows / reading),
        "judge_record_s": round(importing, 2),
        "judge_record_rows_per_s": round(rows / importing),
        "import_s": round(reading + importing, 2),
        "import_rows_per_s": round(import_rate),
        "raw_s": round(raw, 3),
        "raw_rows_per_s": round(rows / raw),
        "import_vs_raw": round(import_rate / (rows / raw), 4),
        "catch_up_s": round(catching_up, 1),
        "catch_up_events_per_s": round(caught_up / catching_up),
        "lag_after": lag,
        "parts": args.parts,
        "workers": args.workers,
        "targets": TARGETS,
        "targets_met": import_rate >= TARGETS["import_rows_per_s"],
        **machine_figures(load_before, began),
    }


def table(r: dict[str, Any]) -> list[str]:
    raw_how = "COPY, one transaction" if r["backend"] == "postgres" else "executemany INSERT, one transaction"
    rows = [
        ("register", f"{r['rows']:,} rows", f"{r['members']:,} members; written in {r['generate_s']} s "
         f"({r['generate_rows_per_s']:,} rows/s)"),
        ("import rows/s", f"{r['import_rows_per_s']:,}", f"read and judged and recorded in {r['import_s']} s: "
         f"{r['recorded']:,} recorded as {r['events']:,} events, {r['refused']} refused (as made: "
         f"{r['refused_as_made']})"),
        ("  reading", f"{r['read_rows_per_s']:,}", f"read_register, {r['read_s']} s" if r["workers"] == 1 else
         f"the whole-file check (read_register building no row), {r['read_s']} s"),
        ("  judging, recording", f"{r['judge_record_rows_per_s']:,}", f"import_register, {r['judge_record_s']} s"
         if r["workers"] == 1 else f"{r['workers']} processes each reading and importing its share of the members, "
         f"{r['judge_record_s']} s"),
        ("raw rows/s", f"{r['raw_rows_per_s']:,}", f"{raw_how}, {r['raw_s']} s"),
        ("import / raw", f"{r['import_vs_raw']}", ""),
        ("target", "met" if r["targets_met"] else "NOT met",
         f">= {TARGETS['import_rows_per_s']:,} rows/s imported (on PostgreSQL)"),
        ("read models catch-up", f"{r['catch_up_s']} s", f"{r['catch_up_events_per_s']:,} events/s, "
         f"{r['parts']} processes; lag after: {r['lag_after']}"),
        machine_row(r),
    ]
    return [f"{name:<24} {value!s:>14}   {note}" for name, value, note in rows]


def main(argv: Sequence[str] | None = None) -> int:
    return run_beside_the_server(parse_args(argv), DEFAULT_URL, measure, table)
