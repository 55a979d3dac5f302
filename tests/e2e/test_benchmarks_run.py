"""The benchmarks still run and still report what the issues ask of them. Their figures are
never judged here (benchmarks run apart); only that each section finishes on both backends,
ends with its JSON line, counts every command exactly once and leaves nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import psycopg
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench.py"

QUICK = {
    "commands": ["--seconds", "0.6", "--rounds", "1", "--connections", "2", "--members", "30",
                 "--asof-members", "2", "--more-members", "30", "--samples", "20", "--cost-members", "2",
                 "--cost-claims", "5", "--cost-years", "2"],
    "http": ["--seconds", "0.6", "--rounds", "1", "--connections", "2", "--workers", "2", "--warmup", "0.3",
             "--members", "30", "--history-reads", "2", "--history-years", "1"],
    "servers": ["--servers", "serve,gunicorn-sync", "--seconds", "0.6", "--rounds", "1", "--connections", "2",
                "--workers", "2", "--warmup", "0.3", "--members", "30", "--slow", "2", "--slow-interval", "0.5",
                "--slow-seconds", "1"],
    "projections": ["--events", "3000", "--burst", "50", "--parts", "2"],
    "revisions": ["--members", "200", "--repeat", "1", "--status-reads", "10", "--workers", "1", "--parts", "2"],
    "worklist": ["--members", "200", "--templates", "20", "--repeat", "1", "--workers", "1", "--parts", "2"],
    "import": ["--members", "60", "--parts", "2"],
}

REPORTED = {
    "commands": {"command_per_s", "raw_txn_per_s", "command_ratio", "claim_cost_ratio", "asof_p50_ms", "asof_p99_ms",
                 "events"},
    "http": {"http_command_per_s", "raw_txn_per_s", "http_command_ratio", "get_status_p50_ms", "get_status_p99_ms",
             "health_floor_ms", "history_ms", "raw_history_select_ms"},
    "servers": {"servers", "targets", "targets_met"},
    "projections": {"raw_scan_rows_per_s", "catch_up_events_per_s", "rebuild_s", "follow_new_events_per_s"},
    "revisions": {"status_p50_ms", "report_ms", "replay_s", "report_vs_status", "replay_vs_status", "members"},
    "worklist": {"status_counts_ms", "worklist_ms", "worklist_vs_status_counts", "worklist_csv_ms", "days", "targets",
                 "targets_met", "reminder_run_ms", "members"},
    "import": {"rows", "import_rows_per_s", "read_rows_per_s", "judge_record_rows_per_s", "raw_rows_per_s",
               "import_vs_raw", "catch_up_s", "catch_up_events_per_s", "targets", "targets_met"},
}


class Run(NamedTuple):
    left_before: list[str]
    figures: dict[str, Any]
    left_after: list[str]


def run_bench(section: str, url: str, cwd: Path) -> dict[str, Any]:
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": url}
    done = subprocess.run([sys.executable, str(SCRIPT), section, *QUICK[section]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bench_schemas(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return sorted(row[0] for row in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench%'"))


def leftovers(url: str, folder: Path) -> list[str]:
    """The benchmark schemas (PostgreSQL) or files (SQLite) there are now."""
    if url.startswith("postgresql"):
        return bench_schemas(url)
    return sorted(p.name for p in folder.iterdir() if "bench" in p.name)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Each section run once on the backend: what was left before, its figures, what was left after."""
    folder = tmp_path_factory.mktemp(f"bench-{request.param}")
    url = f"sqlite:///{folder}/credentials.db" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    # Two at a time, each in a schema or file of its own: what is left is looked at before and after all.
    before = leftovers(url, folder)
    with ThreadPoolExecutor(max_workers=2) as pool:
        running = {section: pool.submit(run_bench, section, url, folder) for section in QUICK}
        figures = {section: future.result() for section, future in running.items()}
    after = leftovers(url, folder)
    return {section: Run(before, figures[section], after) for section in QUICK}


@pytest.mark.parametrize("section", sorted(QUICK))
def test_each_benchmark_section_ends_with_the_figures_the_issues_ask_for(section: str, runs: dict[str, Run]) -> None:
    assert REPORTED[section] <= runs[section].figures.keys()


@pytest.mark.parametrize("section", sorted(QUICK))
def test_a_benchmark_removes_the_schemas_or_files_it_made(section: str, runs: dict[str, Run]) -> None:
    run = runs[section]
    assert run.left_after == run.left_before


@pytest.mark.parametrize("section", ["commands", "http"])
def test_every_command_a_benchmark_answered_is_recorded_exactly_once(section: str, runs: dict[str, Run]) -> None:
    figures = runs[section].figures
    assert figures["command_events_match"] is True
    assert figures["http_errors" if section == "http" else "command_errors"] == 0


def test_the_projections_benchmark_applies_every_event_it_loaded_and_every_new_one(runs: dict[str, Run]) -> None:
    figures = runs["projections"].figures
    assert figures["follow_new_events"] == int(QUICK["projections"][QUICK["projections"].index("--burst") + 1])
    assert figures["lag_after"] == 0


def test_the_revisions_benchmark_reports_what_the_replay_reports_and_follows_its_policy_version(
        runs: dict[str, Run]) -> None:
    """issue 10: the store-wide revisions report over a month, from the table, equal to the replay."""
    figures = runs["revisions"].figures
    assert figures["members"] == 200
    assert figures["report_rows"] > 0
    assert figures["report_matches_replay"] is True
    assert figures["lag_after"] == 0


def test_the_worklist_benchmark_lists_what_the_replay_lists_and_reminds_once(runs: dict[str, Run]) -> None:
    """The worklist of each day asked, from the server, equal to the replay on every member; its CSV
    lists the same items; a reminder run issues reminders, and the same run again none."""
    figures = runs["worklist"].figures
    assert figures["members"] == 200
    assert figures["checked_members"] == 200
    assert figures["worklist_matches_replay"] is True
    assert figures["csv_lists_the_items"] is True
    assert [day["day"] for day in figures["days"]] == ["today", "mid_december", "years_back"]
    assert all(day["matches_replay"] and day["worklist_ms"] > 0 and day["status_counts_ms"] > 0
               for day in figures["days"])
    assert sum(day["items"] for day in figures["days"]) > 0
    assert figures["reminders_issued"] > 0
    assert figures["reminder_rerun_issued"] == 0


def test_the_import_benchmark_imports_its_register_as_made_and_the_read_models_catch_up(runs: dict[str, Run]) -> None:
    """issue 12: a register made by scripts/make_register.py, imported by the bulk path: every row
    recorded but the ones made to be refused, and the read models then apply every event."""
    figures = runs["import"].figures
    assert figures["refused_as_made"] is True
    assert figures["recorded"] + figures["refused"] == figures["rows"]
    assert figures["members_recorded"] == 60
    assert figures["events"] > figures["recorded"]  # each member's opening, and the rejections
    assert figures["lag_after"] == 0
