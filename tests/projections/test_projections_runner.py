"""Following the store: killed and resumed, supervised, and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date

import pytest
from projections_revised import SHORT_GRACE
from projections_support import generated, insert, interleaved, populate, snapshot

from application.service import CredentialService
from projections.lag import Lag
from projections.projector import Projector
from projections.runner import Supervisor, supervise
from projections.store import ReadModels

pytest_plugins = ["projections_fixtures"]


def projections_cli(backend: str, location: dict[str, str], *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "entrypoints.cli", "projections", *args,
               "--schema", location["report_schema"], "--prefix", location["report_prefix"]]
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": backend}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen[str]) -> dict[str, int]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    answer: dict[str, int] = json.loads(out)
    return answer


def test_a_catch_up_killed_at_a_random_point_and_resumed_leaves_the_tables_a_rebuild_makes(
        backend: str, service: CredentialService, models: ReadModels, location: dict[str, str]) -> None:
    populate(service, 200, seed=5)  # the histories other tests use: generated once
    total = service.recorder.max_notification_id()
    follower = projections_cli(backend, location, "catch-up", "--pages-only", "--page-size", "150")
    while models.position() == 0 and follower.poll() is None:
        time.sleep(0.02)
    time.sleep(random.uniform(0, 0.4))
    follower.send_signal(signal.SIGKILL)
    follower.wait()
    killed_at = models.position()
    assert 0 < killed_at < total, "killed while pages were being applied"

    assert finished(projections_cli(backend, location, "catch-up", "--pages-only"))["position"] == total
    resumed = snapshot(models)
    assert finished(projections_cli(backend, location, "rebuild", "--parts", "1"))["events"] == total
    assert snapshot(models) == resumed


def test_status_shows_the_position_the_store_and_the_lag(
        backend: str, service: CredentialService, projector: Projector, location: dict[str, str]) -> None:
    populate(service, 200, seed=5)
    projector.catch_up()
    position = service.recorder.max_notification_id()
    more = interleaved(generated(20, 29, 20, prefix="late"), random.Random(29))
    insert(service, more)
    status = finished(projections_cli(backend, location, "status"))
    assert status == {"projection": "member_reports", "position": position,
                      "max_notification_id": position + len(more), "lag": len(more), "current_policy": True,
                      "followable": True}
    caught_up = finished(projections_cli(backend, location, "catch-up"))
    assert (caught_up["applied"], caught_up["lag"]) == (len(more), 0)


def test_the_supervised_follower_applies_facts_as_they_are_recorded(
        service: CredentialService, models: ReadModels, location: dict[str, str]) -> None:
    stop = threading.Event()
    # A long idle timeout: on PostgreSQL, only the recorder's notification can wake the follower in time.
    runner = threading.Thread(target=supervise, args=(service, location, stop),
                              kwargs={"page_size": 100, "stall_after": 60, "idle_timeout": 30})
    runner.start()
    try:
        service.certify("follower-test", "CPT", date(2024, 3, 1))
        wait_for_position(models, service.recorder.max_notification_id(), seconds=20)  # the follower is up
        service.certify("later", "EP-C", date(2025, 3, 1))
        wait_for_position(models, service.recorder.max_notification_id(), seconds=5)
        rows = models.fetch("SELECT member_id, status, level FROM {current_status} ORDER BY member_id", {})
        assert rows == [("follower-test", "active", "CPT"), ("later", "active", "EP-C")]
    finally:
        stop.set()
        runner.join(timeout=30)
    assert not runner.is_alive()


def test_the_supervised_follower_follows_a_policy_adoption_by_itself(
        service: CredentialService, models: ReadModels, location: dict[str, str]) -> None:
    """rules.md section 9: a version adopted with a past effective date changes the reports from its
    adoption on, with no one running a rebuild."""
    stop = threading.Event()
    runner = threading.Thread(target=supervise, args=(service, location, stop),
                              kwargs={"page_size": 100, "stall_after": 60, "idle_timeout": 30})
    runner.start()
    lapsed_on = ("SELECT status FROM {status_periods} "
                 "WHERE valid_from <= %(on)s AND (valid_to IS NULL OR valid_to > %(on)s)")
    try:
        service.certify("m-lapsed", "CPT", date(2019, 5, 10))  # cycle to 2022-12-31, never renewed
        wait_for_position(models, service.recorder.max_notification_id(), seconds=20)
        assert models.fetch(lapsed_on, {"on": date(2023, 5, 1)}) == [("inactive",)]  # six months of grace
        service.adopt_policy_version(*SHORT_GRACE)
        wait_for_position(models, service.recorder.max_notification_id(), seconds=10)
        assert models.fetch(lapsed_on, {"on": date(2023, 5, 1)}) == [("invalid",)]  # three
    finally:
        stop.set()
        runner.join(timeout=30)
    assert not runner.is_alive()


def wait_for_position(models: ReadModels, target: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while models.position() < target and time.monotonic() < deadline:
        time.sleep(0.05)
    assert models.position() == target


def test_a_stalled_follower_is_logged_and_restarted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    context = multiprocessing.get_context("fork")
    started = []

    def hung_follower() -> multiprocessing.process.BaseProcess:
        worker = context.Process(target=time.sleep, args=(60,), daemon=True)
        worker.start()
        started.append(worker)
        return worker

    behind = Lag("member_reports", position=5, max_notification_id=10)  # and never moving
    supervisor = Supervisor(hung_follower, lambda: behind, lambda: 0.0, stall_after=0.5, check_every=0.05)
    stop = threading.Event()
    threading.Timer(1.8, stop.set).start()
    supervisor.run(stop)
    assert supervisor.restarts >= 2
    assert "follower stalled" in caplog.text
    assert not any(worker.is_alive() for worker in started)


def test_a_follower_that_is_caught_up_is_never_restarted() -> None:
    context = multiprocessing.get_context("fork")
    idle = Lag("member_reports", position=10, max_notification_id=10)
    supervisor = Supervisor(lambda: _started(context.Process(target=time.sleep, args=(60,), daemon=True)),
                            lambda: idle, lambda: 0.0, stall_after=0.2, check_every=0.05)
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    supervisor.run(stop)
    assert supervisor.restarts == 0


def _started(worker: multiprocessing.process.BaseProcess) -> multiprocessing.process.BaseProcess:
    worker.start()
    return worker
