"""The benchmarks still run and still report what the issues ask of them. Their figures are
never judged here (benchmarks run apart); only that each section finishes on both backends,
ends with its JSON line, counts every command exactly once and leaves nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import psycopg
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench.py"

QUICK = {
    "commands": ["--seconds", "0.6", "--rounds", "1", "--connections", "2", "--members", "30",
                 "--asof-members", "2", "--more-members", "30", "--samples", "20"],
    "http": ["--seconds", "0.6", "--rounds", "1", "--connections", "2", "--workers", "2", "--warmup", "0.3",
             "--members", "30"],
    "projections": ["--events", "3000", "--burst", "50", "--parts", "2"],
}

REPORTED = {
    "commands": {"command_per_s", "raw_txn_per_s", "command_ratio", "asof_p50_ms", "asof_p99_ms", "events"},
    "http": {"http_command_per_s", "raw_txn_per_s", "http_command_ratio", "get_status_p50_ms", "get_status_p99_ms"},
    "projections": {"raw_scan_rows_per_s", "catch_up_events_per_s", "rebuild_s", "follow_new_events_per_s"},
}


class Run(NamedTuple):
    schemas_before: list[str]
    figures: dict[str, Any]
    schemas_after: list[str]


def run_bench(section: str, url: str, cwd: Path) -> dict[str, Any]:
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": url}
    done = subprocess.run([sys.executable, str(SCRIPT), section, *QUICK[section]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bench_schemas(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench%'")]


@pytest.fixture(scope="module")
def postgres_runs(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Each section run once on PostgreSQL: bench schemas before, figures, bench schemas after."""
    runs = {}
    for section in QUICK:
        before = bench_schemas(postgres_url)
        figures = run_bench(section, postgres_url, tmp_path_factory.mktemp(section))
        runs[section] = Run(before, figures, bench_schemas(postgres_url))
    return runs


@pytest.mark.parametrize("section", sorted(QUICK))
def test_each_benchmark_section_ends_with_its_figures_on_sqlite_and_leaves_no_file(
        section: str, tmp_path: Path) -> None:
    figures = run_bench(section, f"sqlite:///{tmp_path}/credentials.db", tmp_path)
    assert REPORTED[section] <= figures.keys()
    assert figures["backend"] == "sqlite"
    assert [p.name for p in tmp_path.iterdir() if "bench" in p.name] == []


@pytest.mark.parametrize("section", sorted(QUICK))
def test_each_benchmark_section_ends_with_its_figures_on_postgres(section: str, postgres_runs: dict[str, Run]) -> None:
    figures = postgres_runs[section].figures
    assert REPORTED[section] <= figures.keys()
    assert figures["backend"] == "postgres"


@pytest.mark.parametrize("section", sorted(QUICK))
def test_a_benchmark_on_postgres_drops_the_schemas_it_made(section: str, postgres_runs: dict[str, Run]) -> None:
    run = postgres_runs[section]
    assert run.schemas_after == run.schemas_before


@pytest.mark.parametrize("section", ["commands", "http"])
def test_every_command_a_benchmark_answered_is_recorded_exactly_once(
        section: str, postgres_runs: dict[str, Run]) -> None:
    figures = postgres_runs[section].figures
    assert figures["command_events_match"] is True
    assert figures["http_errors" if section == "http" else "command_errors"] == 0
