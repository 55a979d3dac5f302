"""An import killed part way and run again ends as one whole run would (rules.md section 13: "Importing
the same file again records nothing new"): members are recorded in whole batches, and the second run
records exactly what is missing. `credentials import` runs as a process of its own, killed with SIGKILL
(no handler runs) once the store holds some of its batches, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from register_support import big_register, contents, histories
from service_support import ServiceFactory

from application.service import CredentialService
from domain.credential import Credential
from domain.document import CredentialStatus, status_of
from domain.events import CredentialFact
from domain.policy import PolicyBook
from web.schemas.register import read_register

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 450  # three batches of the import's 200 members, about 4,500 rows
DATES = [date.fromisoformat(day) for day in ("2022-12-31", "2023-03-01", "2023-07-15", "2024-01-01")]


@dataclasses.dataclass(frozen=True)
class Whole:
    """What one uninterrupted import of the register answers."""

    report: dict[str, Any]
    facts: dict[str, list[tuple[str, dict[str, Any]]]]
    answers: dict[str, list[CredentialStatus]]


def answers(facts: list[CredentialFact], book: PolicyBook) -> list[CredentialStatus]:
    return [status_of(facts, on, None, book) for on in DATES]


@pytest.fixture(scope="module")
def register_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("register") / "register.csv"
    path.write_text(big_register(MEMBERS))
    return path


@pytest.fixture(scope="module")
def whole_run(register_file: Path) -> Whole:
    """The register imported by one uninterrupted run, into a store of its own, every row judged on a
    whole replay of the member's facts: the import's kept replays (`keep_replays`) only
    saves time, and must judge every row alike."""
    service = CredentialService(database_url="memory://")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Credential, "keep_replays", lambda self, replays=None: None)
            report = service.import_register(read_register(register_file.read_bytes()).rows)
        book = service.book()
        stored = histories(service)
        return Whole({"rows": report.rows, "recorded": report.recorded,
                      "refused": [(r.row_id, r.line, r.code, r.message) for r in report.refused]},
                     {member: contents(facts) for member, facts in stored.items()},
                     {member: answers(facts, book) for member, facts in stored.items()})
    finally:
        service.close()


def import_cli(backend: str, path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": backend}
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "import", str(path)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def killed_once_some_batches_are_recorded(run: subprocess.Popen[str], service: CredentialService) -> None:
    deadline = time.monotonic() + 60
    while not service.recorder.max_notification_id():
        if run.poll() is not None:
            pytest.fail(f"the import ended before it could be interrupted: {run.communicate()}")
        assert time.monotonic() < deadline, "the import recorded nothing in a minute"
        time.sleep(0.01)
    os.kill(run.pid, signal.SIGKILL)
    run.communicate(timeout=30)
    assert run.returncode == -signal.SIGKILL, "the import finished before it was killed: a bigger register is needed"


def test_an_import_killed_part_way_and_run_again_ends_as_one_whole_run(
        backend: str, make_service: ServiceFactory, register_file: Path, whole_run: Whole) -> None:
    service = make_service()
    killed_once_some_batches_are_recorded(import_cli(backend, register_file), service)

    # Each member is recorded whole or not at all, some but not all of them.
    interrupted = histories(service)
    assert 0 < len(interrupted) < MEMBERS
    assert {member: contents(facts) for member, facts in interrupted.items()} == {
        member: whole_run.facts[member] for member in interrupted}

    run = import_cli(backend, register_file)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    report = json.loads(out)
    assert report["rows"] == whole_run.report["rows"]
    assert report["already_imported"] > 0
    assert report["recorded"] + report["already_imported"] == whole_run.report["recorded"]
    assert [(r["row_id"], r["line"]) for r in report["refused"]] == [r[:2] for r in whole_run.report["refused"]]
    for refusal, (row_id, _, code, message) in zip(report["refused"], whole_run.report["refused"], strict=True):
        if (refusal["code"], refusal["message"]) != (code, message):
            # A refused row of a member the first run recorded whole, learned (recorded_at) before the
            # member's later facts that run recorded: it can no longer be placed before them.
            assert refusal["code"] == "recorded_at_before_known_fact", refusal
            assert row_id.split("-")[0] in interrupted

    final = histories(service)
    assert len(final) == MEMBERS
    book = service.book()
    for member, facts in final.items():
        assert contents(facts) == whole_run.facts[member], member
        assert answers(facts, book) == whole_run.answers[member], member
