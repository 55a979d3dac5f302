"""Per-request CPU of the Flask app, in-process (no server, no sockets): GET /health, GET
/members/{id}/status and POST /members/{id}/activities, each called as a plain WSGI request in
a loop (each kind --rounds times, the quickest kept: the machine is shared); `web_ms` is the
part spent outside the service call the handler makes. Optionally one kind under cProfile first,
with its top entries printed.

    .venv/bin/python scripts/profile_request.py                      # SQLite, in a temporary file
    .venv/bin/python scripts/profile_request.py --url postgresql://root@127.0.0.1:5432/web_test
    .venv/bin/python scripts/profile_request.py --profile status --top 25

A PostgreSQL run works in a fresh schema of its own, dropped at the end. The CPU figures are
the requesting thread's (not the connection pool's threads, nor PostgreSQL's own work);
`statements` counts the SQL statements a request sent through psycopg, its round trips.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import psycopg

from application.service import CredentialService
from application.settings import Settings
from web import create_app

TOKEN = "profile-token-0123456789abcdefghijkl"  # 32 characters at least, as every token
KINDS = ("health", "status", "post")
TODAY = datetime.now(UTC).date()


@contextmanager
def store(url: str | None) -> Iterator[str]:
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/profile.db"
        return
    schema = f"profile_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}?schema={schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def environ(method: str, path: str, body: bytes = b"") -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": "localhost",
    }


def requests(kind: str, members: list[str]) -> Callable[[int], dict[str, Any]]:
    def make(i: int) -> dict[str, Any]:
        member = members[i % len(members)]
        if kind == "health":
            return environ("GET", "/health")
        if kind == "status":
            return environ("GET", f"/members/{member}/status")
        body = {"category": "acsm_workshop", "title": f"Workshop {i}", "hours": 2,
                "completed_on": (TODAY - timedelta(days=i % 30)).isoformat()}
        return environ("POST", f"/members/{member}/activities", json.dumps(body).encode())
    return make


def call(app: Any, env: dict[str, Any]) -> str:
    status: list[str] = []
    body = b"".join(app(env, lambda s, h, e=None: status.append(s)))
    if not status[0].startswith(("200", "201")):
        raise SystemExit(f"{env['REQUEST_METHOD']} {env['PATH_INFO']}: {status[0]} {body[:300]!r}")
    return status[0]


def call_all(app: Any, envs: list[dict[str, Any]]) -> None:
    for env in envs:
        call(app, env)


@contextmanager
def service_time(service: CredentialService) -> Iterator[list[float]]:
    """CPU spent inside the service calls the three handlers make; the rest is the web layer's."""
    spent = [0.0]

    def timed(method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return method(*args, **kwargs)
            finally:
                spent[0] += time.thread_time() - start
        return call

    with mock.patch.object(service, "execute", timed(service.execute)), \
            mock.patch.object(service, "status", timed(service.status)), \
            mock.patch.object(service.recorder, "max_notification_id", timed(service.recorder.max_notification_id)):
        yield spent


@contextmanager
def counted_statements() -> Iterator[list[int]]:
    """Counts the statements sent through psycopg cursors (PostgreSQL only)."""
    count = [0]
    real_pg = psycopg.Cursor.execute

    def pg_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return real_pg(self, *args, **kwargs)

    with mock.patch.object(psycopg.Cursor, "execute", pg_execute):
        yield count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a PostgreSQL database (default: SQLite in a temporary file)")
    parser.add_argument("--requests", type=int, default=1000, help="requests of each kind (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds of each kind; the quickest is kept")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--profile", choices=KINDS, help="profile this kind and print the top entries")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    with store(args.url) as url:
        service = CredentialService(database_url=url)
        members = [f"m-{n}" for n in range(args.members)]
        for n, member in enumerate(members):
            service.certify(member, "CPT", TODAY - timedelta(days=400 + n % 300))
        app = create_app(Settings(database_url=url, tokens=f"staff:{TOKEN}"), service)
        figures: dict[str, Any] = {"backend": "postgres" if args.url else "sqlite"}
        for kind in KINDS:
            make = requests(kind, members)
            for i in range(min(50, args.requests)):  # warm: caches, connections, first-use imports
                call(app, make(10_000 + i))
            if kind == args.profile:
                profiler = cProfile.Profile()
                profiler.runcall(call_all, app, [make(i) for i in range(args.requests)])
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
                pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
            rounds = []  # (cpu, of which in the service, statements) per request; the least CPU is kept
            for r in range(args.rounds):
                envs = [make((r + 1) * 100_000 + i) for i in range(args.requests)]
                with counted_statements() as statements, service_time(service) as in_service:
                    start = time.thread_time()
                    call_all(app, envs)
                    cpu = time.thread_time() - start
                rounds.append((cpu / args.requests, in_service[0] / args.requests, statements[0] / args.requests))
            cpu, in_service_cpu, sent = min(rounds)
            figures[f"{kind}_cpu_ms"] = round(cpu * 1000, 3)
            figures[f"{kind}_web_ms"] = round((cpu - in_service_cpu) * 1000, 3)
            if args.url:
                figures[f"{kind}_statements"] = round(sent, 2)
        service.close()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
