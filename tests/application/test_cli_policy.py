"""`credentials policy adopt|list|withdraw` (rules.md section 9): a version file in TOML or JSON,
printed as the API answers it; a bad file names every bad value and records nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from application.service import CredentialService
from entrypoints.cli import main

BUILT_IN = "2012-06-01"
GOOD_TOML = """\
version = "2020-01-01"
effective_from = 2020-01-01

[values]
late_fee = "30.00"

[values.certifications.CPT]
renewal_fee = "50.00"

[values.reminders]
renewal_due = [60, 30, 7]
"""
BAD_TOML = """\
version = "2020 01 01"
effective_from = 2020-01-01

[values]
late_fee = -30
grace_months = 0

[values.certifications.CPT]
renewal_fee = "lots"
"""


@pytest.fixture
def service(backend: str, make_service, monkeypatch: pytest.MonkeyPatch) -> CredentialService:
    """The command's store (its settings come from the environment), and a service reading it back."""
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", backend)
    reader: CredentialService = make_service()
    return reader


def written(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def versions(service: CredentialService) -> list[str]:
    return [record.version for record in service.policy_versions()]


def test_adopting_a_toml_file_prints_the_stored_version_with_its_whole_book(
        service: CredentialService, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rules.md section 9: staff adopt a version with `credentials policy adopt FILE`, only the values that change."""
    code, out, _ = run(capsys, "policy", "adopt", str(written(tmp_path, "2020.toml", GOOD_TOML)))
    assert code == 0
    printed: dict[str, Any] = json.loads(out)
    assert (printed["version"], printed["effective_from"], printed["withdrawn_at"]) == ("2020-01-01", "2020-01-01",
                                                                                      None)
    assert printed["values"]["certifications"]["CPT"]["renewal_fee"] == "50.00"
    assert printed["values"]["reminders"]["renewal_due"] == [60, 30, 7]
    assert printed["values"]["grace_months"] == 6  # carried over
    assert versions(service) == [BUILT_IN, "2020-01-01"]


def test_adopting_a_json_file_reads_it_as_the_api_reads_its_body(
        service: CredentialService, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rules.md section 9: a version file is TOML, or JSON by its extension, in the shape of the API."""
    body = {"version": "2021-01-01", "effective_from": "2021-01-01", "values": {"late_fee": "35.00"}}
    code, out, _ = run(capsys, "policy", "adopt", str(written(tmp_path, "v.json", json.dumps(body))))
    assert code == 0
    assert json.loads(out)["changes"] == {"late_fee": "35.00"}
    assert versions(service) == [BUILT_IN, "2021-01-01"]


def test_a_bad_file_prints_every_bad_value_one_per_line_and_records_nothing(
        service: CredentialService, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rules.md section 9: a version is refused whole, with the offending values; `credentials policy adopt` with a
    bad file prints every bad value and changes nothing."""
    code, out, err = run(capsys, "policy", "adopt", str(written(tmp_path, "bad.toml", BAD_TOML)))
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert "nothing was recorded" in lines[0]
    assert sorted(line.partition(":")[0] for line in lines[1:]) == [
        "certifications.CPT.renewal_fee", "grace_months", "late_fee", "version"]
    assert versions(service) == [BUILT_IN]


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("broken.toml", "version = ", "is not valid TOML"),
    ("broken.json", '{"version": ', "is not valid JSON"),
    ("latin1.toml", None, "is not UTF-8 text"),
    ("missing.toml", "", "cannot be read"),
])
def test_a_file_that_cannot_be_read_is_refused_with_exit_2_and_records_nothing(
        service: CredentialService, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
        text: str | None, problem: str) -> None:
    """rules.md section 9: nothing is adopted from a file that is not a whole, valid version."""
    path = tmp_path / name
    if text is None:
        path.write_bytes('version = "caf\u00e9"'.encode("latin-1"))
    elif name != "missing.toml":
        path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "policy", "adopt", str(path))
    assert code == 2
    assert f"{path}: {problem}" in err
    assert versions(service) == [BUILT_IN]


def test_a_file_missing_its_fields_names_each_of_them(
        service: CredentialService, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rules.md section 9: every bad value is named at once."""
    path = written(tmp_path, "shape.json", json.dumps({"version": 7, "values": [], "extra": 1}))
    code, _, err = run(capsys, "policy", "adopt", str(path))
    assert code == 2
    assert sorted(line.partition(":")[0] for line in err.splitlines()[1:]) == [
        "effective_from", "extra", "values", "version"]
    assert versions(service) == [BUILT_IN]


def test_adopting_a_version_name_taken_is_refused_like_any_command(
        service: CredentialService, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rules.md section 9: versions are never edited (`version_exists`)."""
    path = written(tmp_path, "2020.toml", GOOD_TOML)
    assert run(capsys, "policy", "adopt", str(path))[0] == 0
    code, _, err = run(capsys, "policy", "adopt", str(path))
    assert code == 1
    assert json.loads(err)["error"]["code"] == "version_exists"
    assert versions(service) == [BUILT_IN, "2020-01-01"]


def test_listing_as_known_before_an_adoption_omits_the_version(
        service: CredentialService, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rules.md section 9: "as known at T" never uses a version adopted after T."""
    assert run(capsys, "policy", "adopt", str(written(tmp_path, "2020.toml", GOOD_TOML)))[0] == 0
    code, out, _ = run(capsys, "policy", "list")
    assert (code, [v["version"] for v in json.loads(out)["versions"]]) == (0, [BUILT_IN, "2020-01-01"])
    code, out, _ = run(capsys, "policy", "list", "--known-at", "2000-01-01T00:00:00+00:00")
    assert (code, [v["version"] for v in json.loads(out)["versions"]]) == (0, [BUILT_IN])


def test_withdrawing_prints_the_version_with_its_withdrawal(
        service: CredentialService, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rules.md section 9: a version adopted in error is withdrawn, and stays listed."""
    assert run(capsys, "policy", "adopt", str(written(tmp_path, "2020.toml", GOOD_TOML)))[0] == 0
    code, out, _ = run(capsys, "policy", "withdraw", "2020-01-01", "--reason", "adopted in error")
    printed = json.loads(out)
    assert (code, printed["withdrawal_reason"]) == (0, "adopted in error")
    assert printed["withdrawn_at"] is not None
    assert service.policy_versions()[1].withdrawn_at is not None


def test_withdrawing_an_unknown_version_is_refused_and_records_nothing(
        service: CredentialService, capsys: pytest.CaptureFixture[str]) -> None:
    """rules.md section 9: only an adopted version can be withdrawn (`policy_version_not_found`)."""
    code, _, err = run(capsys, "policy", "withdraw", "2030-01-01", "--reason", "x")
    assert code == 1
    assert json.loads(err)["error"]["code"] == "policy_version_not_found"
    assert versions(service) == [BUILT_IN]


def test_a_version_adopted_or_withdrawn_by_the_command_is_recorded_by_cli(
        service: CredentialService, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """http-api.md 1.1: every recorded fact records who recorded it; a `credentials` command has no token."""
    assert run(capsys, "policy", "adopt", str(written(tmp_path, "2020.toml", GOOD_TOML)))[0] == 0
    assert run(capsys, "policy", "withdraw", "2020-01-01", "--reason", "adopted in error")[0] == 0
    register = service.policy_register()
    assert register is not None
    assert [f.recorded_by for f in register.facts][-2:] == ["cli", "cli"]
