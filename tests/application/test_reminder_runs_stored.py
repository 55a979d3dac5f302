"""Reminder runs on a shared store (rules.md section 11): safe from cron every day, beside the
server, in two processes at once and again after a crash: each reminder is recorded once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rules_support import D, stored_facts, workshop
from service_support import ServiceFactory

from application.service import CredentialService
from domain.events import ReminderIssued

MEMBERS = [f"m-{n:02d}" for n in range(12)]
ROOT = Path(__file__).resolve().parents[2]


def short_members(service: CredentialService) -> None:
    """CPTs certified 2019-05-10 with 38 of 45 CECs: on 2022-12-01 each is owed the 30-day reminder."""
    for member in MEMBERS:
        service.certify(member, "CPT", D("2019-05-10"), name=f"Member {member}")
        service.claim_activity(member, workshop("2020-02-03", hours=38))


def reminders_of(service: CredentialService, member: str) -> list[tuple[str, int]]:
    return [(f.kind, f.days_before) for f in stored_facts(service, member) if isinstance(f, ReminderIssued)]


def reminders_cli(backend: str, as_of: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": backend}
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "reminders", "--as-of", as_of], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_reminder_commands_run_at_once_record_each_reminder_exactly_once(
        backend: str, make_service: ServiceFactory) -> None:
    service = make_service()
    short_members(service)
    runs = [reminders_cli(backend, "2022-12-01") for _ in range(2)]
    printed = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        printed.append(json.loads(out))
    assert sum(p["issued"] for p in printed) == len(MEMBERS)
    for member in MEMBERS:
        assert reminders_of(service, member) == [("renewal_due", 30)]


def test_two_services_running_reminders_at_once_record_each_reminder_exactly_once(
        make_service: ServiceFactory) -> None:
    writer = make_service()
    short_members(writer)
    services = [make_service(), make_service()]
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda s: s.issue_reminders(D("2022-12-01")), services))
    assert sum(len(run.reminders) for run in runs) == len(MEMBERS)
    for member in MEMBERS:
        assert reminders_of(writer, member) == [("renewal_due", 30)]


def test_a_run_cut_short_and_run_again_ends_as_one_whole_run_would(backend: str, make_service: ServiceFactory) -> None:
    service = make_service()
    short_members(service)
    service.issue_reminders(D("2022-12-01"), MEMBERS[:5])  # what a run killed after five members recorded
    run = reminders_cli(backend, "2022-12-01")
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert json.loads(out)["issued"] == len(MEMBERS) - 5
    for member in MEMBERS:
        assert reminders_of(service, member) == [("renewal_due", 30)]


def test_the_reminder_command_refuses_a_day_after_today_and_records_nothing(
        backend: str, make_service: ServiceFactory) -> None:
    service = make_service()
    short_members(service)
    run = reminders_cli(backend, "2999-01-01")
    _, err = run.communicate(timeout=120)
    assert run.returncode == 1
    assert json.loads(err)["error"]["code"] == "future_date"
    assert all(reminders_of(service, member) == [] for member in MEMBERS)
