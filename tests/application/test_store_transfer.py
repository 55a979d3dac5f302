"""Export and restore of the whole store (http-api.md 1.1, "Bringing records in"; rules.md section 13):
`credentials restore` of a `credentials export` into an empty store answers exactly as the store
exported, on both time axes, and refuses, recording nothing, what it cannot restore exactly."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from projections_revised import STEPS, generated_members
from projections_support import snapshot
from service_support import ServiceFactory, StepClock

from application.service import CredentialService
from application.store_transfer import MalformedExport, StoreNotEmpty, export_store, restore_store
from entrypoints.cli import main
from projections.backends import open_read_models
from projections.projector import Projector

DATES = (date(2015, 6, 1), date(2022, 6, 1), date(2025, 12, 31), date(2026, 3, 15), date(2026, 10, 1))
KNOWN_AT = (datetime(2023, 1, 1, tzinfo=UTC), datetime(2026, 2, 15, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC),
            datetime(2026, 9, 15, tzinfo=UTC), None)


@pytest.fixture
def empty_store(backend: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty store on the test's backend: another SQLite file, or a PostgreSQL schema of its own."""
    if backend.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/restored.db"
        return
    schema = f"restored_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(backend, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{backend}?schema={schema}"
    with psycopg.connect(backend, autocommit=True) as conn:
        for dropped in (schema, f"{schema}_reports", f"{schema}_reports_build"):
            conn.execute(f'DROP SCHEMA IF EXISTS "{dropped}" CASCADE')


@pytest.fixture
def exported(service: CredentialService, clock: StepClock, tmp_path: Path) -> Path:
    """The test's store with late facts, a withdrawal, an amendment, a lapse and a policy version taking
    effect in the past (projections_revised), beside generated members with late facts, exported."""
    for step in STEPS:
        step(service, clock)
    generated_members(service, members=8)
    path = tmp_path / "store.ndjson"
    with path.open("w", encoding="utf-8") as out:
        export_store(service, out)
    return path


def answers(service: CredentialService) -> dict[str, Any]:
    """Every member's status on several dates as known at several times, history and revisions, and the
    policy versions as known at those times."""
    members = list(service.member_ids())
    return {
        "members": members,
        "policy": [service.policy_versions(known_at) for known_at in KNOWN_AT],
        "status": {(m, on, known_at): service.status(m, on, known_at)
                   for m in members for on in DATES for known_at in KNOWN_AT},
        "history": {m: service.history(m) for m in members},
        "revisions": {m: service.revisions(m) for m in members},
    }


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_a_restored_store_gives_every_answer_of_the_store_exported_on_both_time_axes(
        service: CredentialService, exported: Path, make_service: ServiceFactory, empty_store: str) -> None:
    """rules.md section 13 / http-api.md 1.1: restore into an empty store gives identical answers on both time
    axes (status on dates as known at times, history, revisions, policy), for every member."""
    restored = CredentialService(database_url=empty_store, clock=service.clock)
    try:
        report = restore_store(restored, exported)
        assert report.events == len(lines(exported)) - 2
        expected = answers(service)
        assert len(expected["members"]) == 12
        assert answers(restored) == expected
    finally:
        restored.close()


def test_exporting_a_restored_store_gives_back_the_same_events_line_for_line(
        service: CredentialService, exported: Path, empty_store: str, tmp_path: Path) -> None:
    """Restore inserts each stored event as it was (id, version, topic, state bytes, so recorded times too)."""
    restored = CredentialService(database_url=empty_store, clock=service.clock)
    again = tmp_path / "again.ndjson"
    try:
        restore_store(restored, exported)
        with again.open("w", encoding="utf-8") as out:
            export_store(restored, out)
    finally:
        restored.close()
    assert lines(again)[1:] == lines(exported)[1:]  # the header says when each was exported


def test_credentials_restore_rebuilds_read_models_equal_to_those_of_the_store_exported(
        service: CredentialService, exported: Path, empty_store: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The read models need no backup: `credentials restore` rebuilds them from the events restored, row for
    row the same as the exported store's."""
    schema = f"{empty_store.partition('?schema=')[2] or 'restored'}_reports"
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", empty_store)
    monkeypatch.setenv("CREDENTIALS_REPORT_SCHEMA", schema)
    assert main(["restore", str(exported), "--parts", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["restored"] == len(lines(exported)) - 2
    original_models = open_read_models(service, report_schema=f"{schema}_original", report_prefix="original_")
    restored = CredentialService(database_url=empty_store, clock=service.clock)
    restored_models = open_read_models(restored, report_schema=schema)
    # The command's service reads the real clock: the current status is today's in both.
    projector = Projector(service, original_models, today=lambda: datetime.now(UTC).date())
    try:
        projector.catch_up()
        assert snapshot(restored_models) == snapshot(original_models)
    finally:
        projector.close()
        original_models.close()
        restored_models.close()
        restored.close()
        if empty_store.startswith("postgresql"):
            with psycopg.connect(empty_store.partition("?")[0], autocommit=True) as conn:
                for dropped in (f"{schema}_original", f"{schema}_original_build"):
                    conn.execute(f'DROP SCHEMA IF EXISTS "{dropped}" CASCADE')


@pytest.fixture
def small_export(memory_service: CredentialService, tmp_path: Path) -> Path:
    """Two members and a policy version, from an in-memory store."""
    memory_service.certify("a", "CPT", date(2022, 3, 1), name="Ann")
    memory_service.certify("b", "CES", date(2023, 5, 1))
    memory_service.adopt_policy_version("2024-01-01", date(2024, 1, 1), {"late_fee": "30.00"})
    path = tmp_path / "small.ndjson"
    with path.open("w", encoding="utf-8") as out:
        export_store(memory_service, out)
    return path


def test_restore_into_a_store_that_holds_events_is_refused_and_records_nothing(
        service: CredentialService, small_export: Path) -> None:
    """Restore needs an empty store: into one that holds events it changes nothing."""
    service.certify("m-1", "CPT", date(2022, 3, 1))
    before = service.recorder.max_notification_id()
    with pytest.raises(StoreNotEmpty, match="nothing was recorded"):
        restore_store(service, small_export)
    assert service.recorder.max_notification_id() == before
    assert list(service.member_ids()) == ["m-1"]


def spoiled(path: Path, line: int, change: Any) -> Path:
    """The file with its `line`-th line (from 1) replaced: by `change(the line as JSON)`, or by text."""
    texts = lines(path)
    texts[line - 1] = change if isinstance(change, str) else json.dumps(change(json.loads(texts[line - 1])))
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    return path


def without(line: int):  # type: ignore[no-untyped-def]
    def drop(path: Path) -> Path:
        texts = lines(path)
        del texts[line - 1]
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
        return path
    return drop


@pytest.mark.parametrize(("spoil", "line", "problem"), [
    (lambda p: spoiled(p, 3, '{"originator_id": "x",'), 3, "not JSON"),
    (lambda p: spoiled(p, 1, lambda v: {**v, "format": "other"}), 1, "not a credentials-event-store file"),
    (lambda p: spoiled(p, 4, lambda v: {**v, "topic": "os:system"}), 4, "names no event"),
    (lambda p: spoiled(p, 2, lambda v: {**v, "originator_id": "m-1"}), 2, "not a UUID"),
    (without(2), 2, "expected 1 (its first event)"),
    (without(8), 8, "without its closing line"),
], ids=["bad-json", "bad-header", "unknown-topic", "bad-id", "missing-line", "cut-short"])
def test_a_malformed_file_is_refused_with_its_line_and_records_nothing(
        service: CredentialService, small_export: Path, spoil: Any, line: int, problem: str) -> None:
    """A line that cannot be restored exactly is named by its number before anything is recorded."""
    assert len(lines(small_export)) == 8  # header, 2 x (opened, certified), register opened, adopted, end
    with pytest.raises(MalformedExport, match="nothing was recorded") as refusal:
        restore_store(service, spoil(small_export), batch_size=1)
    assert (refusal.value.line, problem in refusal.value.problem) == (line, True), refusal.value
    assert not service.recorder.max_notification_id()


def test_a_store_with_a_dashboard_session_ended_restores_with_that_session_still_ended(
        service: CredentialService, clock: StepClock, empty_store: str, tmp_path: Path) -> None:
    """A signed-out session is a fact of the store too: exported, restored, and still ended there."""
    service.certify("m-1", "CPT", date(2020, 1, 6))
    service.end_session("a-session-id")
    path = tmp_path / "store.ndjson"
    with path.open("w", encoding="utf-8") as out:
        export_store(service, out)
    restored = CredentialService(database_url=empty_store, clock=service.clock)
    try:
        restore_store(restored, path)
        assert restored.session_ended("a-session-id")
        assert not restored.session_ended("another-session-id")
    finally:
        restored.close()
