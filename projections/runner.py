"""Following the store continuously, under a supervisor that restarts a stalled follower.

`follow` catches up, recomputes the current status of members a passing deadline changed,
then waits for new events as its backend's event source does (`EventSource.waiter`): on
PostgreSQL a NOTIFY from the recorder or `idle_timeout`, on SQLite `poll_interval`.

`Supervisor` runs the follower in a child process and watches two numbers from outside
it: the position and the store's max notification id. When the store is ahead and the
follower reports no progress for `stall_after` seconds (a lost connection it never
noticed, a lock it waits on forever, a hung thread), it logs that, kills the process and
starts another, which resumes from the committed position. Killing is always safe: each
page commits its rows and position together.

A store that stops answering (a restart, an outage) ends the follower with a storage error; the
supervisor starts another, which waits for the store like any new follower. The supervisor's
own reading of the position fails then too: it says so once, opens its connections afresh at
the next check, and carries on, so `projections run` outlives any outage.
"""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError

from application.service import CredentialService
from domain.policy import PolicyBook
from projections.backends import open_read_models
from projections.lag import Lag
from projections.projector import Projector

log = logging.getLogger(__name__)

# What a store or report tables that do not answer raise: the library's errors and the drivers' own.
STORAGE_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
                  sqlite3.OperationalError)


def follow(projector: Projector, stop: threading.Event, *, idle_timeout: float = 5.0,
           poll_interval: float = 1.0) -> None:
    """Keep the read models in step with the store until `stop` is set."""
    waiter = projector.source.waiter(stop, idle_timeout=idle_timeout, poll_interval=poll_interval)
    try:
        while not stop.is_set():
            applied = projector.catch_up()
            refreshed = projector.refresh_due()
            if applied or refreshed:
                log.info("applied %d notifications, refreshed %d current statuses; at %s",
                         applied, refreshed, projector.lag())
            waiter.wait()
    finally:
        waiter.close()


class Supervisor:
    def __init__(self, start_worker: Callable[[], multiprocessing.process.BaseProcess], lag: Callable[[], Lag],
                 heartbeat: Callable[[], float], *, stall_after: float = 60.0, check_every: float = 1.0) -> None:
        self.start_worker = start_worker
        self.lag = lag
        self.heartbeat = heartbeat  # the monotonic time of the follower's last progress
        self.stall_after = stall_after
        self.check_every = check_every
        self.restarts = 0

    def run(self, stop: threading.Event) -> None:
        worker = self.start_worker()
        last = (-1, -1.0)  # the position and heartbeat seen last, and when either last changed:
        changed_at = time.monotonic()
        unanswered = False
        try:
            while not stop.wait(self.check_every):
                now = time.monotonic()
                if not worker.is_alive():
                    log.warning("follower exited with code %s; starting another", worker.exitcode)
                    worker, changed_at = self._restart(worker), now
                    continue
                try:
                    lag = self.lag()
                except STORAGE_ERRORS as error:
                    if not unanswered:
                        log.warning("the store does not answer (%s); waiting for it", type(error).__name__)
                    unanswered, changed_at = True, now  # an outage is no stall of the follower's
                    continue
                if unanswered:
                    log.info("the store answers again")
                    unanswered = False
                seen = (lag.position, self.heartbeat())
                if seen != last or lag.lag == 0:
                    last, changed_at = seen, now
                elif now - changed_at > self.stall_after:
                    log.error("follower stalled: no progress for %.0f s at position %d with %d notifications "
                              "to apply; restarting it", now - changed_at, lag.position, lag.lag)
                    worker, changed_at = self._restart(worker), now
        finally:
            self._stop(worker)

    def _restart(self, worker: multiprocessing.process.BaseProcess) -> multiprocessing.process.BaseProcess:
        self._stop(worker)
        self.restarts += 1
        return self.start_worker()

    @staticmethod
    def _stop(worker: multiprocessing.process.BaseProcess) -> None:
        if worker.is_alive():
            worker.kill()
        worker.join()


def supervise(service: CredentialService, location: dict[str, str], stop: threading.Event, *,
              page_size: int, stall_after: float, idle_timeout: float) -> Supervisor:
    """Run a supervised follower of `service`'s store until `stop` is set."""
    context = multiprocessing.get_context("spawn")  # no forking a process with pool threads
    heartbeat = context.Value("d", time.monotonic())
    arguments = (dict(service.env), service.policy, location, page_size, idle_timeout, heartbeat)

    def start() -> multiprocessing.process.BaseProcess:
        worker = context.Process(target=follow_in_process, args=arguments, name="projections-follower", daemon=True)
        worker.start()
        log.info("follower started (pid %s)", worker.pid)
        return worker

    watch = Watch(service, location)
    supervisor = Supervisor(start, watch.lag, lambda: float(heartbeat.value), stall_after=stall_after)
    try:
        supervisor.run(stop)
    finally:
        watch.close()
    return supervisor


class Watch:
    """The supervisor's view of the position: its own connections, opened afresh after one failed."""

    def __init__(self, service: CredentialService, location: dict[str, str]) -> None:
        self.service, self.location = service, location
        self.projector: Projector | None = None

    def lag(self) -> Lag:
        if self.projector is None:
            self.projector = Projector(self.service, open_read_models(self.service, **self.location))
        try:
            return self.projector.lag()
        except STORAGE_ERRORS:
            self.close()
            raise

    def close(self) -> None:
        projector, self.projector = self.projector, None
        if projector is not None:
            for close in (projector.close, projector.models.close):
                try:
                    close()
                except Exception:  # a connection already lost: nothing to close cleanly
                    log.debug("closing a lost connection failed", exc_info=True)


def follow_in_process(env: dict[str, str], policy: PolicyBook, location: dict[str, str], page_size: int,
                      idle_timeout: float, heartbeat: Any) -> None:
    """The follower process: its own service and connections."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(processName)s %(levelname)s %(message)s")
    service = CredentialService(env, policy=policy)
    models = open_read_models(service, **location)
    projector = Projector(service, models, page_size=page_size)

    def beat() -> None:
        heartbeat.value = time.monotonic()

    projector.on_progress = beat
    try:
        follow(projector, threading.Event(), idle_timeout=idle_timeout)
    finally:
        projector.close()
        models.close()
        service.close()
