"""Faults on PostgreSQL, end to end (issue 14, items 3 and 7): a real `credentials serve` on a private
cluster (tests/support/private_postgres.py, never the shared server) that is restarted, crashed and
stopped under write load, and a connection dropped between a commit and its reply.

Clients resend an unanswered claim under its Idempotency-Key (tests/support/fault_load.py); every
answer must be a 2xx, a 409 or a 503 `storage_unavailable` with Retry-After, no answered claim
lost, none recorded twice, and the server serving again within seconds of the database."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fault_load import Load, claim, lost_and_doubled, proper_503, recorded_titles, send
from private_postgres import PrivateCluster, make_cluster, postgres_bin
from reply_dropper import ReplyDropper
from server_support import CLI, STAFF_TOKEN, Server, start_server, stop

from application.service import CredentialService

pytestmark = pytest.mark.postgres
NAMES = itertools.count()


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    if postgres_bin() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no PostgreSQL server binaries: the fault suite cannot run")
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    made = make_cluster()
    yield made
    made.destroy()


@pytest.fixture
def database_url(cluster: PrivateCluster) -> str:
    if not cluster.is_running():
        cluster.start()
    name = f"faults_{os.getpid()}_{next(NAMES)}"
    cluster.psql(f"CREATE DATABASE {name}")
    return cluster.url(name)


def serve(url: str, tmp_path: Path) -> Iterator[Server]:
    running = start_server(url, tmp_path / "server.log", f"staff:{STAFF_TOKEN}")
    yield running
    stop(running)


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    yield from serve(database_url, tmp_path)


def port_of(server: Server) -> int:
    return int(server.base.rsplit(":", 1)[1])


@pytest.mark.parametrize("fault", ["restart", "crash"])
def test_writes_through_a_postgresql_outage_are_answered_properly_and_recorded_once_each(
        server: Server, cluster: PrivateCluster, fault: str) -> None:
    load = Load("127.0.0.1", port_of(server), STAFF_TOKEN, clients=4, prefix=fault).start()
    time.sleep(1.5)
    if fault == "restart":
        cluster.stop("fast")  # connections ended, transactions in flight rolled back
    else:
        cluster.kill()  # SIGKILL: the postmaster and every backend, as a crash
    time.sleep(3.0)
    cluster.start()
    back = time.monotonic()
    time.sleep(4.0)
    tally = load.stop()
    assert not tally.bad, tally.bad[:5]  # no 500, no 503 without its code or Retry-After
    assert any(t > back for t in tally.successes), (tally.statuses, tally.failures)
    assert lost_and_doubled(load) == ([], [])


def test_with_postgresql_down_requests_are_answered_503_and_served_again_within_seconds_of_its_return(
        server: Server, cluster: PrivateCluster) -> None:
    port = port_of(server)
    assert send("127.0.0.1", port, "POST", "/members/down-1/certifications", STAFF_TOKEN,
                {"certification": "CPT", "certified_on": "2024-03-01"})[0] == 201
    cluster.stop("fast")
    down_at = time.monotonic()
    answers = []
    # Down long enough for the pool's waits between its tries to grow past seconds (1, 2, 4, 8, 16 s...).
    while len(answers) < 2 or time.monotonic() - down_at < 20:
        began = time.monotonic()
        status, headers, body = send("127.0.0.1", port, "POST", "/members/down-1/activities", STAFF_TOKEN,
                                     claim("while down"), "while-down", timeout=60)
        answers.append((status, time.monotonic() - began))
        assert proper_503(status, headers, body), (status, headers, body)
        status, headers, body = send("127.0.0.1", port, "GET", "/members/down-1/status", STAFF_TOKEN, timeout=60)
        assert proper_503(status, headers, body), (status, headers, body)
    assert max(took for _, took in answers) < 30, answers  # a 503, in seconds: not a wait without end
    cluster.start()
    back = time.monotonic()
    # Served again: a run of answers in a row, so that every worker's connections (some lost in the
    # outage, each found out on its next use, with a 503) have been tried, not one request lucky.
    in_a_row = 0
    while in_a_row < 12:
        path = ("/members/down-1/status", "/members/down-1/history")[in_a_row % 2]
        status, _, _ = send("127.0.0.1", port, "GET", path, STAFF_TOKEN, timeout=60)
        in_a_row = in_a_row + 1 if status == 200 else 0
        assert time.monotonic() - back < 10, "not served again within 10 s of the database's return"
        if status != 200:
            time.sleep(0.2)
    status, _, _ = send("127.0.0.1", port, "POST", "/members/down-1/activities", STAFF_TOKEN,
                        claim("while down"), "while-down")
    assert status == 201
    assert recorded_titles("127.0.0.1", port, STAFF_TOKEN, "down-1") == {"while down": 1}


def test_a_claim_whose_reply_is_lost_after_its_commit_is_answered_and_recorded_once(
        database_url: str, tmp_path: Path) -> None:
    dropper = ReplyDropper(database_url)
    try:
        for server in serve(dropper.url, tmp_path):
            port = port_of(server)
            assert send("127.0.0.1", port, "POST", "/members/lost-1/certifications", STAFF_TOKEN,
                        {"certification": "CPT", "certified_on": "2024-03-01"})[0] == 201
            dropper.drop_reply_to(b"ActivityClaimed")
            status, headers, body = send("127.0.0.1", port, "POST", "/members/lost-1/activities", STAFF_TOKEN,
                                         claim("lost reply"), "lost-reply", timeout=60)
            assert len(dropper.terminated) == 1
            tries = 0
            while status != 201 and tries < 20:  # a 503 is allowed; the client sends it again under its key
                assert proper_503(status, headers, body) or status == 409, (status, body)
                time.sleep(0.5)
                status, headers, body = send("127.0.0.1", port, "POST", "/members/lost-1/activities",
                                             STAFF_TOKEN, claim("lost reply"), "lost-reply")
                tries += 1
            assert status == 201, body
            assert recorded_titles("127.0.0.1", port, STAFF_TOKEN, "lost-1") == {"lost reply": 1}
    finally:
        dropper.close()


def projections_status(env: dict[str, str]) -> dict[str, object] | None:
    """`credentials projections status`, or None while the store does not answer."""
    done = subprocess.run([*CLI, "projections", "status"], env=env, capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout) if done.returncode == 0 else None


def caught_up(env: dict[str, str], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        status = projections_status(env)
        if status is not None and status["lag"] == 0 and status["position"] > 0:
            return True
        time.sleep(0.5)
    return False


def test_the_follower_applies_what_was_recorded_after_postgresql_came_back_without_a_restart(
        database_url: str, cluster: PrivateCluster, tmp_path: Path) -> None:
    """`credentials projections run` outlives an outage of the database: once it answers again, the
    follower applies what was recorded meanwhile, and it is still the process that was started."""
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": database_url}
    service = CredentialService(database_url=database_url)
    service.certify("before-outage", "CPT", date(2024, 1, 5))
    service.close()
    log = (tmp_path / "follower.log").open("w")
    follower = subprocess.Popen([*CLI, "projections", "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert caught_up(env, 60), (tmp_path / "follower.log").read_text()[-3000:]
        cluster.stop("fast")
        time.sleep(4.0)
        cluster.start()
        service = CredentialService(database_url=database_url)
        service.certify("after-outage", "CPT", date(2024, 1, 5))
        position = service.recorder.max_notification_id()
        service.close()
        assert caught_up(env, 60), (tmp_path / "follower.log").read_text()[-3000:]
        assert (projections_status(env) or {})["position"] == position
        assert follower.poll() is None, (tmp_path / "follower.log").read_text()[-3000:]
    finally:
        follower.terminate()
        follower.wait(timeout=30)
        log.close()
