"""A real `credentials serve` process (granian) on a free port, for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Headers

STAFF_TOKEN = "e2e-staff-token-0123456789abcdefghij"  # 32 characters at least
REPORTER_TOKEN = "e2e-reporter-token-0123456789abcdef"
# The installed console command, as an operator runs it (beside this interpreter in the venv).
INSTALLED = Path(sys.executable).with_name("credentials")
CLI = [str(INSTALLED)] if INSTALLED.exists() else [sys.executable, "-m", "entrypoints.cli"]


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, body: Any = None, token: str | None = STAFF_TOKEN,
                headers: dict[str, str] | None = None) -> tuple[int, Headers, Any]:
        data = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw, status, answer_headers = response.read(), response.status, Headers(response.headers.items())
        except urllib.error.HTTPError as error:
            raw, status, answer_headers = error.read(), error.code, Headers(error.headers.items())
        # Header names are case-insensitive (the server sends them in lower case).
        is_json = answer_headers.get("Content-Type", "").startswith("application/json")
        return status, answer_headers, json.loads(raw) if is_json else raw.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(database_url: str, log: Path, tokens: str | None, *, dev: bool = False) -> Server:
    env = {**os.environ, "CREDENTIALS_DATABASE_URL": database_url}
    env.pop("CREDENTIALS_TOKENS", None)
    if tokens is not None:
        env["CREDENTIALS_TOKENS"] = tokens
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "3",
                                    *(["--dev"] if dev else [])],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if server.request("GET", "/health", token=None)[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop(server)
    raise AssertionError(f"the server did not answer /health within 30 s:\n{log.read_text()}")


def stop(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)  # a graceful shutdown
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@contextmanager
def serving(database_url: str, log: Path, tokens: str = f"staff:{STAFF_TOKEN},reporter:{REPORTER_TOKEN}"
            ) -> Iterator[Server]:
    """A server for the block, stopped after it; one that does not stop gracefully fails the test."""
    running = start_server(database_url, log, tokens)
    try:
        yield running
    finally:
        stop(running)
    assert running.process.returncode == 0, log.read_text()
