"""`python scripts/bench.py servers`: web servers side by side behind the same app, in one run.

    CREDENTIALS_DATABASE_URL=postgresql://root@127.0.0.1:5432/bench python scripts/bench.py servers

Each candidate serves the app of `entrypoints.server.worker_app` (the `web.create_app` factory,
built in each worker after the fork, with the same access log) on a free port of 127.0.0.1:
  gunicorn-sync     gunicorn's sync workers (what `credentials serve` ran before): --workers W'
                    processes, W' = 2 per core + 1, one request at a time each
  gunicorn-gthread  gunicorn's threaded workers: --workers W processes of --threads T
  granian-wsgi      granian's WSGI interface: W processes of T blocking threads
  waitress          one process of W x T threads, its own asyncore loop reading the requests
  serve             `credentials serve` as shipped: its front door judging each request's head,
                    then granian (RSGI) reading each body on the worker's event loop, then the
                    app in W processes of T threads
For each, the phases of `bench.py http` (on one store, loaded once): warm-up, GET /health alone
(and its floor: the p50 of one request at a time), GET status alone, POST activities taking turns
with raw single-row INSERT+COMMIT transactions (ratio against that raw baseline of the same run),
GET status p99 while writers post; then the slow-client test: --slow clients sending one header
line every --slow-interval s and as many announcing a body and sending a byte of it as often
(all holding their connections), while /health is asked every 0.1 s; the longest /health wait,
and how many slow clients the server dropped within --slow-seconds. The last line is JSON, each
candidate's figures with the ratios and targets of the issue.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from application.service import CredentialService
from application.settings import Settings
from benchmarks import http_api
from benchmarks.histories import Histories, load
from benchmarks.server import Server
from benchmarks.target import Target, report_schema
from benchmarks.workers import RawJob, Workers, machine_figures, machine_row, ms, percentile
from entrypoints.server import default_threads, default_workers, prepare_store, with_tokens, worker_app

SCRIPTS = Path(__file__).resolve().parents[1]
CANDIDATES = ("gunicorn-sync", "gunicorn-gthread", "granian-wsgi", "waitress", "serve")
TARGETS = {"http_command_ratio": 0.3, "get_status_p99_ms": 10, "slow_health_max_ms": 100}


# --- the candidates, each started as `python -m benchmarks.servers KIND ...` -----------------


def launch(kind: str, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the app with the candidate `kind` until SIGTERM (in the benchmark's subprocess)."""
    settings = with_tokens(Settings.from_environment())
    prepare_store(settings)
    if kind.startswith("gunicorn"):
        from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

        class Gunicorn(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                if kind == "gunicorn-gthread":
                    self.cfg.set("worker_class", "gthread")
                    self.cfg.set("threads", threads)
                self.cfg.set("timeout", 60)
                self.cfg.set("control_socket_disable", True)

            def load(self) -> Any:
                return worker_app(settings)

        Gunicorn().run()
    elif kind == "granian-wsgi":
        from granian.constants import HTTPModes, Interfaces
        from granian.server import Server as Granian

        def loader(target: str) -> Any:
            return worker_app(settings)

        Granian("app", address=host, port=port, interface=Interfaces.WSGI, workers=workers,
                blocking_threads=threads, http=HTTPModes.http1).serve(target_loader=loader)
    elif kind == "waitress":
        import waitress  # type: ignore[import-untyped]

        waitress.serve(worker_app(settings), host=host, port=port, threads=workers * threads, _quiet=True)
    else:
        raise SystemExit(f"unknown server {kind!r}")


def start(kind: str, target: Target, workers: int, threads: int) -> Server:
    schema = report_schema(target)
    if kind == "serve":
        return Server(target.url, workers, schema, env={"CREDENTIALS_THREADS": str(threads)})
    if kind == "gunicorn-sync":
        workers = 2 * (os.cpu_count() or 1) + 1
    env = {"PYTHONPATH": os.pathsep.join([str(SCRIPTS), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    return Server(target.url, workers, schema, env=env, processes=0 if kind == "waitress" else workers,
                  command=lambda host, port: [sys.executable, "-m", "benchmarks.servers", kind, host, str(port),
                                              str(workers), str(threads)])


# --- slow clients ------------------------------------------------------------------------------


class SlowClients:
    """`count` connections holding the server: each sends a request's head one header line every
    `interval` s (`head`), or a whole head announcing a body then one byte of it as often (`body`),
    until stopped or dropped by the server."""

    def __init__(self, port: int, token: str, count: int, kind: str, interval: float) -> None:
        self.stopped = threading.Event()
        self.dropped: list[float] = []
        self.began = time.monotonic()
        self.threads = [threading.Thread(target=self._run, args=(port, token, kind, interval), daemon=True)
                        for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def _run(self, port: int, token: str, kind: str, interval: float) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            try:
                if kind == "head":
                    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    step = b"X-Slow: 1\r\n"
                else:
                    sock.sendall(f"POST /members/slow/activities HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                                 f"Content-Length: 100000\r\n\r\n".encode())
                    step = b" "
                sock.settimeout(interval)
                while not self.stopped.is_set():
                    try:  # waiting the interval out; an answer (408) or the close ends it at once
                        sock.recv(4096)
                        break
                    except TimeoutError:
                        sock.sendall(step)
            except OSError:
                pass
            if not self.stopped.is_set():
                self.dropped.append(time.monotonic() - self.began)

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join()


def health_wait(port: int, cap: float) -> float:
    """Seconds a fresh connection waits for GET /health (`cap` when no answer came by then)."""
    began = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=cap) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            if not sock.recv(1024).startswith(b"HTTP/1.1 200"):
                return cap
    except OSError:
        return cap
    return time.perf_counter() - began


def slow_client_test(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    heads = SlowClients(server.port, server.token, args.slow, "head", args.slow_interval)
    bodies = SlowClients(server.port, server.token, args.slow, "body", args.slow_interval)
    waits = []
    time.sleep(min(1.0, args.slow_interval))  # they hold their connections, some of the head or body sent
    deadline = time.monotonic() + args.slow_seconds
    while time.monotonic() < deadline:
        waits.append(health_wait(server.port, cap=5.0))
        time.sleep(0.1)
    heads.stop()
    bodies.stop()
    return {"slow_health_max_ms": ms(max(waits)), "slow_health_p50_ms": ms(percentile(waits, 0.5)),
            "slow_clients_dropped": len(heads.dropped) + len(bodies.dropped), "slow_clients": 2 * args.slow}


# --- the run -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py servers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None, help="default: CREDENTIALS_DATABASE_URL (PostgreSQL expected)")
    parser.add_argument("--servers", default=",".join(CANDIDATES), help=f"of {', '.join(CANDIDATES)} (default all)")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help=f"worker processes (default one per core: {default_workers()}; "
                             "gunicorn-sync: 2 per core + 1)")
    parser.add_argument("--threads", type=int, default=default_threads(),
                        help=f"threads of each worker (default {default_threads()})")
    parser.add_argument("--connections", type=int, default=4, help="client connections, and raw (default 4)")
    parser.add_argument("--readers", type=int, default=1,
                        help="connections reading statuses while the others post (default 1)")
    parser.add_argument("--seconds", type=float, default=4, help="seconds of each phase (default 4)")
    parser.add_argument("--rounds", type=int, default=2, help="raw and command phases take turns (default 2)")
    parser.add_argument("--warmup", type=float, default=4, help="seconds of status reads first (default 4)")
    parser.add_argument("--members", type=int, default=300, help="members read and written (default 300)")
    parser.add_argument("--slow", type=int, default=10, help="slow clients of each kind (default 10)")
    parser.add_argument("--slow-interval", type=float, default=2.0,
                        help="seconds between a slow client's sends (default 2)")
    parser.add_argument("--slow-seconds", type=float, default=14,
                        help="seconds /health is asked while they hold on (default 14: past the 10 s timeouts)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schema and the servers' logs")
    args = parser.parse_args(argv)
    args.servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    if unknown := set(args.servers) - set(CANDIDATES):
        parser.error(f"unknown servers {sorted(unknown)}")
    return args


def measure(args: argparse.Namespace, target: Target, service: CredentialService,
            log: Callable[[str], None]) -> dict[str, Any]:
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    histories = Histories(args.seed)
    histories.make("short", 40)
    members = [f"m-{i:07d}" for i in range(args.members)]
    load(target, service, histories, "short", members)
    log(f"{target.backend}: {target.url}  ({args.members} members loaded in {time.perf_counter() - began:.1f}s)")
    raw = Workers("thread", args.connections, RawJob, target.raw_table(), histories.templates["short"][0][-1])
    figures: dict[str, dict[str, Any]] = {}
    try:
        for kind in args.servers:
            log(f"{kind}:")
            server = start(kind, target, args.workers, args.threads)
            result = http_api.run_server(args, target, members, raw, log, server=server,
                                         more=lambda running: slow_client_test(args, running))
            result.pop("commands_recorded")
            figures[kind] = {key: value for key, value in result.items() if not key.startswith("cpu_")}
            figures[kind]["cpu_ms_per_command"] = result["cpu_ms_per_command"].get("server")
            log(f"  slow clients: /health waited {result['slow_health_max_ms']} ms at most; "
                f"{result['slow_clients_dropped']} of {result['slow_clients']} dropped")
    finally:
        raw.close()
    return {
        "backend": target.backend,
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "seconds": args.seconds,
        "servers": figures,
        "targets": TARGETS,
        "targets_met": {kind: met(f) for kind, f in figures.items()},
        **machine_figures(load_before, began),
    }


def met(figures: dict[str, Any]) -> dict[str, bool]:
    return {"http_command_ratio": figures["http_command_ratio"] >= TARGETS["http_command_ratio"],
            "get_status_p99_ms": figures["get_status_p99_ms"] <= TARGETS["get_status_p99_ms"],
            "slow_health_max_ms": figures["slow_health_max_ms"] <= TARGETS["slow_health_max_ms"],
            "slow_clients_dropped": figures["slow_clients_dropped"] == figures["slow_clients"]}


def table(r: dict[str, Any]) -> list[str]:
    rows = [f"{'server':<17} {'POST/s':>7} {'raw/s':>7} {'ratio':>6} {'status p99':>10} {'health/s':>8} "
            f"{'floor ms':>8} {'slow wait ms':>12} {'dropped':>8} {'CPU ms/POST':>11}"]
    for kind, f in r["servers"].items():
        rows.append(f"{kind:<17} {f['http_command_per_s']:>7} {f['raw_txn_per_s']:>7} {f['http_command_ratio']:>6} "
                    f"{f['get_status_p99_ms']:>10} {f['health_per_s']:>8} {f['health_floor_ms']:>8} "
                    f"{f['slow_health_max_ms']:>12} {f['slow_clients_dropped']:>4}/{f['slow_clients']:<3} "
                    f"{f['cpu_ms_per_command']!s:>11}")
    rows.append(f"targets: ratio >= {TARGETS['http_command_ratio']}, status p99 under writes <= "
                f"{TARGETS['get_status_p99_ms']} ms, /health wait beside slow clients <= "
                f"{TARGETS['slow_health_max_ms']} ms, every slow client dropped")
    name, value, note = machine_row(r)
    rows.append(f"{name}: {value}, {note}; {r['workers']} workers x {r['threads']} threads")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    return http_api.run_section(parse_args(argv), measure, table)


if __name__ == "__main__":
    kind, host, port, workers, threads = sys.argv[1:6]
    launch(kind, host, int(port), int(workers), int(threads))
