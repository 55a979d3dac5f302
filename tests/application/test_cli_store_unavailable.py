"""The `credentials` command when the store does not answer (issue 14, item 3): a message that says
so and the exit code for "try again later", never a traceback; run again once the store answers,
the command does what it would have done."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.cli import STORE_UNAVAILABLE, main
from entrypoints.import_command import SMALL_REGISTER

# Nothing listens on port 1 of the loopback: every connection is refused at once.
UNREACHABLE = "postgresql://root@127.0.0.1:1/credentials"
REGISTER = str(Path(__file__).resolve().parents[2] / "samples" / "register.csv")


@pytest.mark.parametrize("arguments", [["status", "m-1"], ["sweep"], ["import", "--workers", "1", REGISTER]])
def test_a_command_run_while_the_store_does_not_answer_says_so_and_exits_try_again_later(
        arguments: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", UNREACHABLE)
    assert main(arguments) == STORE_UNAVAILABLE
    err = capsys.readouterr().err
    assert "the event store does not answer" in err
    assert "Traceback" not in err


def test_a_parallel_import_whose_processes_find_the_store_down_exits_try_again_later(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A register large enough to be shared among processes: each process meets the outage, and the
    command answers as the one-process import does, not as a failed process (exit 1)."""
    register = tmp_path / "register.csv"
    rows = [f"r{n},m-{n},certification,2024-01-15,CPT" for n in range(SMALL_REGISTER)]
    register.write_text("\n".join(["row_id,member_id,fact,date,certification", *rows]) + "\n")
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", UNREACHABLE)
    assert main(["import", "--workers", "2", str(register)]) == STORE_UNAVAILABLE
    err = capsys.readouterr().err
    assert "the event store does not answer" in err
    assert "Traceback" not in err
