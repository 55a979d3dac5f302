"""The sample register, samples/register.csv, imports as samples/README.md documents it (rules.md
section 13): exactly the rows its table lists are refused, each on its line with its code, every
other row is recorded, and importing it again records nothing new."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from service_support import StepClock

from application.imports import ImportReport
from application.service import CredentialService
from web.schemas.register import RegisterFile, read_register

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
# A row of the README's table: | line | row_id | member_id | fact | `code` | why |
DOCUMENTED_ROW = re.compile(r"^\| (\d+) \| (\S+) \| \S+ \| \S+ \| `(\w+)` \|", re.MULTILINE)


@pytest.fixture(scope="module")
def register() -> RegisterFile:
    return read_register((SAMPLES / "register.csv").read_bytes())


def documented() -> list[tuple[int, str, str]]:
    """(line, row_id, code) of every row samples/README.md says is refused, in the file's order."""
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    return [(int(line), row_id, code) for line, row_id, code in DOCUMENTED_ROW.findall(text)]


def refused(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(refusal.line, refusal.row_id, refusal.code) for refusal in report.refused]


def test_the_sample_documents_about_ten_refused_rows_each_refused_for_a_reason_of_its_own() -> None:
    rows = documented()
    assert len(rows) >= 10
    assert len({code for _, _, code in rows}) == len(rows)


def test_the_sample_is_what_its_generator_writes(tmp_path: Path) -> None:
    """scripts/make_register.py is deterministic, and the committed file is its output: a change to
    the generator comes with the sample (and its README) made again."""
    made = tmp_path / "register.csv"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_register.py"), "--out", str(made)], check=True,
                   capture_output=True, timeout=60)
    assert made.read_bytes() == (SAMPLES / "register.csv").read_bytes()


def test_the_sample_reads_as_a_whole_with_nothing_assumed(register: RegisterFile) -> None:
    assert register.assumed == []
    assert len(register.rows) > 5000
    assert len({row.member_id for row in register.rows}) > 300  # the members, and one never certified


def test_a_dry_run_of_the_sample_refuses_exactly_the_documented_rows_and_records_nothing(
        memory_service: CredentialService, register: RegisterFile) -> None:
    report = memory_service.import_register(register.rows, dry_run=True)
    assert refused(report) == documented()
    assert report.recorded == report.rows - len(documented())
    assert list(memory_service.member_ids()) == []


def test_the_sample_imported_on_sqlite_records_every_other_row_and_again_nothing_new(
        tmp_path: Path, clock: StepClock, register: RegisterFile) -> None:
    service = CredentialService(database_url=f"sqlite:///{tmp_path}/credentials.db", clock=clock)
    try:
        report = service.import_register(register.rows)
        again = service.import_register(register.rows, dry_run=True)
        members = len(list(service.member_ids()))
    finally:
        service.close()
    assert refused(report) == documented()
    assert report.recorded == report.rows - len(documented())
    assert members == 300
    assert (again.recorded, again.already_imported) == (0, report.recorded)
    assert refused(again) == documented()
