"""End to end: slow clients holding connections to a real `credentials serve` process do not
delay anyone else, and are dropped once their time to send the request is up.

Ten clients send a request's head one header line every 2 s; ten more (with a token, so that
the app would read the body) announce a body and send a byte of it as often. Under gunicorn's
sync workers, as served before, /health then waited for one of them to finish (seconds); here
the head and the body are read outside the app's threads, within their timeouts."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_support import STAFF_TOKEN, Server, start_server, stop

from entrypoints.server import HEADER_READ_TIMEOUT, body_deadline

SLOW = 10
INTERVAL = 2.0
BODY_LENGTH = 1000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(f"sqlite:///{tmp_path}/slow.db", tmp_path / "server.log", f"staff:{STAFF_TOKEN}")
    yield running
    stop(running)
    assert running.process.returncode == 0, running.log.read_text()


class SlowClient(threading.Thread):
    """One connection sending its request a piece every INTERVAL s, until the server answers or closes."""

    def __init__(self, port: int, kind: str) -> None:
        super().__init__(daemon=True)
        self.port, self.kind = port, kind
        self.connected = threading.Event()
        self.answer: bytes | None = None  # what the server sent before it closed: b"" for nothing
        self.stop = threading.Event()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=INTERVAL) as sock:
            if self.kind == "head":
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                piece = b"X-Slow: 1\r\n"
            else:
                sock.sendall(f"POST /members/slow-1/activities HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             f"Authorization: Bearer {STAFF_TOKEN}\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {BODY_LENGTH}\r\n\r\n{{".encode())
                piece = b" "
            self.connected.set()
            received = b""
            while not self.stop.is_set():
                try:
                    chunk = sock.recv(4096)
                except TimeoutError:
                    try:
                        sock.sendall(piece)
                    except OSError:
                        break
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                received += chunk
            if not self.stop.is_set():
                self.answer = received


def health_wait(port: int) -> float:
    began = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")
    return time.perf_counter() - began


def timed_out(answer: bytes) -> bool:
    """Whether `answer` is the bridge's 408, in the error shape, neither sniffed nor stored."""
    head, _, body = answer.partition(b"\r\n\r\n")
    headers = {name.lower(): value for name, _, value in
               (line.partition(": ") for line in head.decode("latin-1").split("\r\n")[1:])}
    return (headers.get("content-type") == "application/json" and headers.get("x-content-type-options") == "nosniff"
            and headers.get("cache-control") == "no-store"
            and json.loads(body)["error"].keys() == {"code", "message", "details"}
            and json.loads(body)["error"]["code"] == "request_timeout")


def test_slow_clients_neither_delay_others_nor_stay_forever(server: Server) -> None:
    port = int(server.base.rsplit(":", 1)[1])
    clients = [SlowClient(port, kind) for kind in ("head", "body") for _ in range(SLOW)]
    for client in clients:
        client.start()
    try:
        for client in clients:
            assert client.connected.wait(10)
        time.sleep(1)  # each has sent some of its request
        # Behaviour, not a benchmark: a bound far above the milliseconds it takes, far below the
        # seconds a slow client held a sync worker for.
        waits = []
        for _ in range(10):
            waits.append(health_wait(port))
            time.sleep(0.2)
        assert max(waits) < 1.0, waits
        # ... and each slow client is dropped once its time is up: the head ones closed, the
        # body ones answered 408 first.
        limit = max(HEADER_READ_TIMEOUT, body_deadline(str(BODY_LENGTH))) + 2 * INTERVAL + 5
        for client in clients:
            client.join(timeout=limit)
        assert [client.is_alive() for client in clients] == [False] * len(clients)
        assert all(client.answer == b"" for client in clients if client.kind == "head")
        assert all((client.answer or b"").startswith(b"HTTP/1.1 408") for client in clients if client.kind == "body")
        # ... in the contract's error shape, as every refusal (before, a line of text/plain).
        assert all(timed_out(client.answer or b"") for client in clients if client.kind == "body")
        assert health_wait(port) < 1.0
    finally:
        for client in clients:
            client.stop.set()
