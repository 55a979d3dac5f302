"""The real server as a subprocess (`credentials serve`, or another server candidate behind the
same app), a keep-alive HTTP client for it, and where the machine's CPU goes while it serves
(Linux /proc; empty elsewhere)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The installed console command, as an operator runs it (beside this interpreter in the venv).
INSTALLED = Path(sys.executable).with_name("credentials")
CLI = [str(INSTALLED)] if INSTALLED.exists() else [sys.executable, "-m", "entrypoints.cli"]
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Client:
    """One client connection, speaking just enough HTTP/1.1 for this benchmark, so that the
    load generator takes little of the cores it shares with the server (http.client's header
    parsing alone costs about half a millisecond a request). Kept alive where the server allows;
    where it closes the connection after its answer (gunicorn's sync workers), it reconnects."""

    def __init__(self, port: int, token: str) -> None:
        self.address = ("127.0.0.1", port)
        self.head = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        self.sock: socket.socket | None = None

    def call(self, method: str, path: str, body: Any = None, expect: int = 200, accept: str | None = None) -> bytes:
        data = b"" if body is None else json.dumps(body).encode()
        typed = f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n" if body is not None else ""
        typed += f"Accept: {accept}\r\n" if accept is not None else ""
        request = f"{method} {path} HTTP/1.1\r\n{self.head}{typed}\r\n".encode() + data
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=60)
        try:
            self.sock.sendall(request)
            status, close, payload = self._response(self.sock)
        except OSError:
            self.close()  # a fresh connection next time
            raise
        if close:
            self.close()
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status} {payload[:200]!r}")
        return payload

    @staticmethod
    def _response(sock: socket.socket) -> tuple[int, bool, bytes]:
        """(status, whether the server closes, body) of one answer with a Content-Length (or none,
        read to the end)."""
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            if not (chunk := sock.recv(65536)):
                raise ConnectionError("the server closed the connection before answering")
            buffer += chunk
        head, _, payload = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(":", 1) for line in lines[1:])
        close = headers.get("connection", "").strip() == "close"
        length = headers.get("content-length")
        while (len(payload) < int(length)) if length is not None else close:
            if not (chunk := sock.recv(65536)):
                break
            payload += chunk
        return int(lines[0].split()[1]), close, payload

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Server:
    """`credentials serve --workers W` on a free port of 127.0.0.1, with a staff token of its own; or,
    given `command` (called with the host and port), another server behind the same app, with
    `processes` child processes to wait for (0: a single process) and `env` added."""

    def __init__(self, database_url: str, workers: int, report_schema: str,
                 command: Callable[[str, int], list[str]] | None = None, processes: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.token = secrets.token_urlsafe(24)
        self.port = free_port()
        self.workers = workers
        self.processes = workers if processes is None else processes
        handle, name = tempfile.mkstemp(prefix="bench-server-", suffix=".log")
        self.log = Path(name)
        env = {**os.environ, "CREDENTIALS_DATABASE_URL": database_url, "CREDENTIALS_TOKENS": f"staff:{self.token}",
               "CREDENTIALS_REPORT_SCHEMA": report_schema, **(env or {})}
        argv = (command("127.0.0.1", self.port) if command is not None else
                [*CLI, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)])
        with os.fdopen(handle, "wb") as out:
            self.process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.tail()}")
            probe = self.client()
            try:
                probe.call("GET", "/health")
                if len(self.worker_pids()) >= self.processes:
                    return
            except (OSError, RuntimeError):
                pass
            finally:
                probe.close()
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer /health within {seconds:g} s:\n{self.tail()}")

    def client(self) -> Client:
        return Client(self.port, self.token)

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, keep_log: bool = False) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: graceful stop of the server and its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if keep_log:
            print(f"server log: {self.log}")
        else:
            self.log.unlink(missing_ok=True)


# --- where the CPU goes ---------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int, float, float] | None:
    """(command name, parent pid, user CPU seconds, kernel CPU seconds) of a process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
    return name, int(rest[1]), int(rest[11]) / TICK, int(rest[12]) / TICK


def _processes() -> dict[int, tuple[str, int, float, float]]:
    found = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


def children(pid: int) -> list[int]:
    return [child for child, (_, parent, _, _) in _processes().items() if parent == pid]


def _postgres_database(pid: int) -> str | None:
    """The database a PostgreSQL client backend serves, from its process title (`postgres: ...
    user dbname host(port) state`); None for the server's own processes."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
    except OSError:
        return None
    at = next((i for i, word in enumerate(title) if word == "[local]" or word.endswith(")")), None)
    return title[at - 1] if at else None


def cpu_snapshot(server_pid: int, database: str) -> dict[str, float]:
    """CPU seconds used so far: the whole machine (busy, from /proc/stat), the server (master
    and workers; and of that, in the kernel), this process (the clients), PostgreSQL (its own
    processes and the backends of `database`; backends of other databases are `other`)."""
    if not os.path.exists("/proc/stat"):
        return {}
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(fields[:8]) if i not in (3, 4)) / TICK  # less idle and iowait
    processes = _processes()
    server = [(user, kernel) for pid, (_, parent, user, kernel) in processes.items() if server_pid in (pid, parent)]
    postgres = sum(user + kernel for pid, (name, _, user, kernel) in processes.items()
                   if name.startswith("postgres") and _postgres_database(pid) in (None, database))
    return {"busy": busy, "server": sum(u + k for u, k in server), "server_kernel": sum(k for _, k in server),
            "clients": sum(os.times()[:2]), "postgres": postgres}


def cpu_per_operation(used: dict[str, float], operations: int) -> dict[str, float]:
    """Milliseconds of CPU per operation, by whom (`other`: the rest of the machine)."""
    if not used or not operations:
        return {}
    shares = dict(used, other=max(used["busy"] - used["server"] - used["clients"] - used["postgres"], 0.0))
    return {key: round(1000 * value / operations, 3) for key, value in shares.items()}
