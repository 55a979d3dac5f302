"""The README's quickstart, run as a newcomer runs it: its shell block, unchanged but for the server's
address and token, against a real `credentials serve` with the demo loaded. A call that the README
shows and the service refuses (a date format, an encoding, a field name, a report's filename) fails
here, so the README cannot drift from the service.

Each `curl -s` becomes `curl -sSf` (an HTTP error fails the script) and ends its answer with a
newline, so that the answers can be read one per line. The shell's `date` runs in UTC, as the
service's today does, so that both name the same year on New Year's Eve too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from server_support import CLI, STAFF_TOKEN, Server, serving

README = Path(__file__).resolve().parents[2] / "README.md"


def quickstart_block() -> str:
    text = README.read_text()
    section = text[text.index("## Quickstart"):]
    matched = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert matched is not None, "the README's quickstart has no sh block"
    return matched.group(1)


@pytest.fixture
def demo_server(backend: str, tmp_path: Path) -> Iterator[Server]:
    loaded = subprocess.run([*CLI, "demo"], env={**os.environ, "CREDENTIALS_DATABASE_URL": backend},
                            capture_output=True, text=True, timeout=120, check=False)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    with serving(backend, tmp_path / "server.log", f"staff:you:{STAFF_TOKEN}") as running:
        yield running


def run_quickstart(server: Server, workdir: Path) -> list[object]:
    block = quickstart_block()
    script = "\n".join(line for line in block.splitlines() if not line.startswith(("API=", "TOKEN=")))
    script = script.replace("curl -s ", "curl -sSf -w '\\n' ")
    env = {**os.environ, "API": server.base, "TOKEN": STAFF_TOKEN, "TZ": "UTC"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=workdir, capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readmes_quickstart_runs_against_the_demo_and_answers_what_it_says(
        demo_server: Server, tmp_path: Path) -> None:
    """Can a newcomer reading only the README query a status as known at a past time and download a
    report as CSV?"""
    statuses_now, status_on, known_at_z, known_at_encoded, claim = run_quickstart(demo_server, tmp_path)
    assert statuses_now["member_id"] == "demo-passed"  # type: ignore[index]
    assert status_on["status"] == "active"  # type: ignore[index]
    # The two spellings of the same time give the same answer.
    assert known_at_z == known_at_encoded
    today = datetime.now(UTC).date()
    if today >= date(today.year, 1, 7):  # the late renewal is recorded on January 6 (once that has come)
        assert known_at_z["status"] == "inactive"  # type: ignore[index]
    assert claim["cecs_awarded"] > 0  # type: ignore[index]
    assert claim["status"]["member_id"] == "demo-due"  # type: ignore[index]
    report = tmp_path / f"renewals-due-year-{today.year}.csv"
    assert report.exists(), sorted(path.name for path in tmp_path.iterdir())
    assert report.read_text().splitlines()[0] == "month,due,renewed,renewed_late,not_renewed"
