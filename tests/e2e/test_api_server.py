"""End to end: a real `credentials serve` process (granian, several workers) on a free
port, spoken to over HTTP; and the read-your-writes promise across processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_support import CLI, REPORTER_TOKEN, Server, free_port, serving, start_server, stop


@pytest.fixture
def server(backend: str, tmp_path: Path) -> Iterator[Server]:
    with serving(backend, tmp_path / "server.log") as running:
        yield running


def test_a_real_server_serves_the_contract(server: Server, backend: str) -> None:
    status, headers, document = server.request("POST", "/members/e2e-1/certifications",
                                               {"certification": "CPT", "certified_on": "2024-03-01"})
    assert status == 201, document
    assert document["status"] == "active"
    assert headers["X-Request-Id"]
    status, _, claim = server.request("POST", "/members/e2e-1/activities", {
        "category": "acsm_workshop", "title": "W", "completed_on": "2025-01-10", "hours": 12.5})
    assert (status, claim["cecs_awarded"]) == (201, 12.5)
    # Read your writes, whichever worker answers: three workers, many reads.
    for _ in range(12):
        status, _, answer = server.request("GET", "/members/e2e-1/status")
        assert (status, answer["cycle"]["claimed_cecs"]) == (200, 12.5)
    # ... and from another process reading the same store: the CLI.
    cli = subprocess.run([*CLI, "status", "e2e-1"], env={**os.environ, "CREDENTIALS_DATABASE_URL": backend},
                         capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(cli.stdout)["status"] == "active"
    assert server.request("GET", "/members/e2e-1/status", token=None)[0] == 401
    assert server.request("POST", "/members/e2e-1/renewals", {"submitted_on": "2026-01-10"},
                          token=REPORTER_TOKEN)[0] == 403
    status, _, error = server.request("POST", "/members/e2e-1/activities", {"category": "cpr", "title": "CPR",
                                                                            "completed_on": "2025-01-10", "hours": 1})
    assert (status, error["error"]["code"]) == (422, "not_accepted_category")
    status, _, csv_text = server.request("GET", "/reports/cec-categories?year=2025", headers={"Accept": "text/csv"})
    assert (status, csv_text) == (200, "category,claims,members,cecs\r\nacsm_workshop,1,1,12.5\r\n")
    assert server.request("GET", "/openapi.json", token=None)[0] == 200


def test_a_real_server_under_simultaneous_claims(server: Server) -> None:
    assert server.request("POST", "/members/e2e-2/certifications",
                          {"certification": "CPT", "certified_on": "2024-03-01"})[0] == 201
    start = threading.Barrier(8)
    answers: list[tuple[int, Any]] = []

    def claim(index: int) -> None:
        start.wait()
        status, _, body = server.request("POST", "/members/e2e-2/activities", {
            "category": "acsm_workshop", "title": f"W{index}", "completed_on": "2025-01-10", "hours": 1})
        answers.append((status, body))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in answers} <= {201, 409}
    assert all(body["error"]["code"] == "concurrent_change" for status, body in answers if status == 409)
    accepted = sorted(body["activity_id"] for status, body in answers if status == 201)
    assert accepted  # one claim at least wins the race
    _, _, history = server.request("GET", "/members/e2e-2/history")
    assert sorted(e["data"]["activity_id"] for e in history["events"] if e["type"] == "ActivityClaimed") == accepted


def test_with_dev_and_no_tokens_serve_prints_a_development_token(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path}/dev.db", tmp_path / "dev.log", tokens=None, dev=True)
    try:
        printed = re.search(r"Authorization: Bearer (\S+)", server.log.read_text())
        assert printed is not None
        assert server.request("GET", "/reports/audits?year=2026", token=printed.group(1))[0] == 200
        assert server.request("GET", "/reports/audits?year=2026", token="staff")[0] == 401
    finally:
        stop(server)


def test_without_tokens_serve_refuses_to_start_unless_given_dev(tmp_path: Path) -> None:
    """issue 14: with no tokens the server started anyway, every protected request then refused."""
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    env.pop("CREDENTIALS_TOKENS", None)
    done = subprocess.run([*CLI, "serve", "--port", str(free_port())], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "CREDENTIALS_TOKENS is not set" in done.stderr
    assert "--dev" in done.stderr
    assert "Bearer" not in done.stderr


@pytest.mark.parametrize("tokens", ["staff:short-secret-x", f"staff:{'s' * 31}x,auditor:{'s' * 31}x",
                                    f"{'s' * 31}x:staff"])
def test_serve_refuses_a_short_repeated_or_swapped_token_without_printing_it(tmp_path: Path, tokens: str) -> None:
    """issue 14: `staff:a` was accepted, a token under two roles got the first, `token:role` printed the token."""
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "CREDENTIALS_TOKENS": tokens}
    done = subprocess.run([*CLI, "serve", "--dev", "--port", str(free_port())], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "CREDENTIALS_TOKENS entr" in done.stderr
    assert "short-secret" not in done.stderr
    assert "s" * 31 not in done.stderr


def test_serve_refuses_a_malformed_configuration(tmp_path: Path) -> None:
    for env in ({"CREDENTIALS_DATABASE_URL": "mysql://nope"},
                {"CREDENTIALS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "CREDENTIALS_TOKENS": "root:secret-x"}):
        done = subprocess.run([*CLI, "serve", "--port", str(free_port())], env={**os.environ, **env},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert "secret-x" not in done.stderr
