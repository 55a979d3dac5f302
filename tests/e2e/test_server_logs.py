"""End to end: what a real `credentials serve` process (granian) writes to its output, the
access log of every request and the workers' own log, never shows a token."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_support import STAFF_TOKEN, Server, start_server, stop
from werkzeug.datastructures import Headers

REPORTER_TOKEN = "e2e-reporter-secret-5c1d-0123456789ab"
GUESSED_TOKEN = "e2e-guessed-secret-93ab"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    # The access log does not depend on the store, so SQLite alone will do.
    running = start_server(f"sqlite:///{tmp_path}/logs.db", tmp_path / "server.log",
                           f"staff:{STAFF_TOKEN},reporter:{REPORTER_TOKEN}")
    yield running
    stop(running)


def form_post(server: Server, path: str, fields: dict[str, str]) -> tuple[int, Headers]:
    """A browser's form submission, its redirect not followed."""
    address = urllib.parse.urlsplit(server.base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("POST", path, urllib.parse.urlencode(fields),
                           {"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        return response.status, Headers(response.getheaders())
    finally:
        connection.close()


def test_the_access_log_shows_every_request_and_never_a_token(server: Server) -> None:
    """Decision: tokens never reach the logs."""
    sent: list[tuple[str, str, int, str]] = []  # method, path, status, request id

    def send(method: str, path: str, expected: int, body: object = None, token: str = STAFF_TOKEN) -> None:
        status, headers, answer = server.request(method, path, body, token)
        assert status == expected, answer
        sent.append((method, path, status, headers["X-Request-Id"]))

    send("POST", "/members/log-1/certifications", 201, body={"certification": "CPT", "certified_on": "2024-03-01"})
    send("GET", "/members/log-1/status?on=2025-01-01", 200)
    send("GET", "/reports/audits?year=2026", 200, token=REPORTER_TOKEN)
    send("POST", "/members/log-1/renewals", 403, body={"submitted_on": "2026-01-10"}, token=REPORTER_TOKEN)
    send("GET", "/members/log-1/history", 401, token=GUESSED_TOKEN)
    send("GET", "/dashboard", 200)  # the dashboard takes the bearer header too
    # The dashboard's login form carries the token in the body of a POST.
    status, headers = form_post(server, "/dashboard/login", {"token": STAFF_TOKEN})
    assert (status, headers["Location"]) == (303, "/dashboard")
    sent.append(("POST", "/dashboard/login", status, headers["X-Request-Id"]))
    status, headers = form_post(server, "/dashboard/login", {"token": GUESSED_TOKEN})
    assert status == 401
    sent.append(("POST", "/dashboard/login", status, headers["X-Request-Id"]))
    stop(server)  # every worker has written and flushed its log
    assert server.process.returncode == 0
    log = server.log.read_text()

    # The log exists: each request has its access-log line, with its request line and status.
    lines = log.splitlines()
    for method, path, status, request_id in sent:
        logged = [line for line in lines if line.endswith(f"request_id={request_id}")]
        assert len(logged) == 1, (request_id, log)
        assert f'"{method} {path.split("?")[0]} HTTP/1.1" {status} ' in logged[0], logged[0]  # no query
    # ... and no token is anywhere in it: not the ones accepted, not the one refused.
    for token in (STAFF_TOKEN, REPORTER_TOKEN, GUESSED_TOKEN):
        assert token not in log, token
