"""`credentials serve` and its tokens (issue 14): none configured is refused, unless `--dev`
asks for a development token, as `./scripts/run` does."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from application.settings import Settings
from entrypoints.cli import build_parser, main
from entrypoints.server import with_tokens
from web.auth import TokenBook, TokenConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_serving_with_no_tokens_is_refused() -> None:
    """issue 14: with no tokens the server started anyway."""
    with pytest.raises(TokenConfigError) as raised:
        with_tokens(Settings(tokens=""))
    assert "CREDENTIALS_TOKENS is not set" in str(raised.value)
    assert "--dev" in str(raised.value)


def test_serving_with_dev_and_no_tokens_makes_and_prints_a_development_token(capsys: pytest.CaptureFixture[str]
                                                                              ) -> None:
    settings = with_tokens(Settings(tokens=""), dev=True)
    printed = capsys.readouterr().err
    role, _, token = settings.tokens.partition(":")
    assert role == "staff"
    assert len(token) >= 32
    assert f"Authorization: Bearer {token}" in printed
    assert TokenBook.parse(settings.tokens).role_of(token) == "staff"


def test_serving_with_dev_keeps_configured_tokens() -> None:
    configured = Settings(tokens=f"staff:ana:{'t' * 32}")
    assert with_tokens(configured, dev=True) == configured


def test_serve_takes_dev_as_an_option() -> None:
    assert build_parser().parse_args(["serve", "--dev"]).dev is True
    assert build_parser().parse_args(["serve"]).dev is False


def test_scripts_run_serves_with_dev() -> None:
    """./scripts/run is for development: it still starts (and prints a token) with no tokens set."""
    serve_lines = [line for line in (ROOT / "scripts" / "run").read_text().splitlines()
                   if "credentials serve" in line and not line.lstrip().startswith("#")]
    assert serve_lines
    assert all("--dev" in line for line in serve_lines)


def test_serving_on_an_address_already_taken_is_refused_with_a_message(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The server binds its address itself, before its front door and workers start, so a taken
    address is told at once, in a line, not as a traceback from a child process."""
    monkeypatch.setenv("CREDENTIALS_TOKENS", "staff:" + "t" * 32)
    monkeypatch.setenv("CREDENTIALS_DATABASE_URL", f"sqlite:///{tmp_path}/never-opened.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--host", "127.0.0.1", "--port", str(port)])
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
