"""`credentials import FILE.csv [--dry-run]` (http-api.md, "Bringing records in"): a file that cannot be
read as a whole stops it with exit 2 and a message saying why, before anything is recorded; otherwise,
when not on a terminal, it prints one line of JSON, the report `POST /imports` answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from register_support import activity, certification, register, stored
from rules_support import D
from service_support import ServiceFactory

from entrypoints.cli import main
from web.schemas.register import read_register

ROOT = Path(__file__).resolve().parents[2]
FILE = register(certification("c1", "m-1", "2019-05-10", name="Ada"), activity("a1", "m-1", "2020-02-03", 45),
                activity("a2", "m-1", "2021-03-03", 4, "cpr", title="CPR"))


def import_cli(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The command as cron or a shell script runs it: stdout and stderr are pipes, not a terminal."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")}
    env["CREDENTIALS_DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", "import", *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_unreadable_file_exits_2_saying_why_before_any_store_is_opened(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """http-api.md: a file that cannot be read as a whole "is refused ... before anything is recorded"."""
    database = tmp_path / "credentials.db"
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", f"sqlite:///{database}")
    path = tmp_path / "register.csv"
    path.write_text("row_id,member_id,certification\r\nr1,m-1,CPT\r\n")
    code, out, err = run(capsys, "import", str(path))
    assert (code, out) == (2, "")
    assert err == f"credentials import: {path} cannot be imported (missing_columns): missing columns: fact, date\n"
    assert not database.exists()


def test_a_file_that_is_not_there_exits_2_saying_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", f"sqlite:///{tmp_path / 'credentials.db'}")
    code, _, err = run(capsys, "import", str(tmp_path / "missing.csv"))
    assert code == 2
    assert err == f"credentials import: cannot read {tmp_path / 'missing.csv'}: No such file or directory\n"


def test_a_dry_run_judges_every_row_and_records_nothing(
        backend: str, make_service: ServiceFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", backend)
    path = tmp_path / "register.csv"
    path.write_text(FILE)
    service = make_service()
    code, out, _ = run(capsys, "import", str(path), "--dry-run")
    assert code == 0
    report = json.loads(out)
    assert (report["dry_run"], report["recorded"], [r["row_id"] for r in report["refused"]]) == (True, 2, ["a2"])
    assert stored(service) == []


def test_the_command_prints_its_report_as_one_line_of_json_when_not_on_a_terminal(
        backend: str, make_service: ServiceFactory, tmp_path: Path) -> None:
    """The same report `POST /imports` answers, as cron or a script reading its output sees it."""
    path = tmp_path / "register.csv"
    path.write_text(FILE)
    service = make_service()
    run = import_cli(backend, str(path))
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") == 1
    assert run.stdout.endswith("\n")
    assert json.loads(run.stdout) == {
        "rows": 3, "recorded": 2, "already_imported": 0, "members": 1, "dry_run": False, "assumed": [],
        "refused": [{"row_id": "a2", "line": 4, "code": "not_accepted_category",
                     "message": "CPR training is required for ACSM credentials and earns no CECs"}]}
    assert service.status("m-1", D("2021-01-01")).cycle.claimed_cecs == 45  # type: ignore[union-attr]


def test_several_processes_import_a_register_exactly_as_one_process_does(
        backend: str, make_service: ServiceFactory, tmp_path: Path) -> None:
    """rules.md section 13, with `--workers 2` (each process judging its share of the members): the
    same rows recorded, with the same content (a single process importing again finds every one of
    them already imported), and the same refusals."""
    path = tmp_path / "register.csv"
    lines = (ROOT / "samples" / "register.csv").read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2_600]))  # about 130 members, enough to be worth two processes
    service = make_service()
    alone = service.import_register(read_register(path.read_bytes()).rows, dry_run=True)
    run = import_cli(backend, str(path), "--workers", "2")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["rows"], report["recorded"], report["members"]) == (alone.rows, alone.recorded, alone.members)
    assert report["refused"] == [vars(refusal) for refusal in alone.refused]
    again = service.import_register(read_register(path.read_bytes()).rows, dry_run=True)
    assert (again.recorded, again.already_imported) == (0, alone.recorded)
