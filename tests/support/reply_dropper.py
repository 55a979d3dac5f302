"""A loopback proxy in front of PostgreSQL that loses the reply to one statement after its commit: the
fault exactly-once must survive (issue 14), for the service's own tests and the server's."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import psycopg


class ReplyDropper:
    """A loopback proxy in front of PostgreSQL. Told a marker (`drop_reply_to`), it lets the next request
    that holds it reach the server, keeps the reply from the client (PostgreSQL replies to an insert in
    autocommit after its commit: the reply ends with ReadyForQuery), has the server end that connection
    (pg_terminate_backend) and shuts it: the client sees the connection lost, its insert committed."""

    READY_FOR_QUERY = b"Z\x00\x00\x00\x05"

    def __init__(self, server_url: str) -> None:
        parts = urlsplit(server_url)
        self.server_url = server_url
        self.server = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{self.listener.getsockname()[1]}"))
        self.marker: bytes | None = None
        self.terminated: list[int] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def drop_reply_to(self, marker: bytes) -> None:
        self.marker = marker

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.server)
            doomed = threading.Event()
            threading.Thread(target=self._requests, args=(client, upstream, doomed), daemon=True).start()
            threading.Thread(target=self._replies, args=(upstream, client, doomed), daemon=True).start()

    def _requests(self, client: socket.socket, upstream: socket.socket, doomed: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                if self.marker is not None and self.marker in data:
                    self.marker = None
                    doomed.set()
                upstream.sendall(data)
        self._shut(client, upstream)

    def _replies(self, upstream: socket.socket, client: socket.socket, doomed: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := upstream.recv(65536):
                if not doomed.is_set():
                    client.sendall(data)
                elif self.READY_FOR_QUERY in data:  # the whole reply is in: committed, and never delivered
                    self._terminate(upstream)
                    break
        self._shut(client, upstream)

    @staticmethod
    def _shut(*ends: socket.socket) -> None:
        for end in ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def _terminate(self, upstream: socket.socket) -> None:
        port = upstream.getsockname()[1]
        with psycopg.connect(self.server_url, autocommit=True) as admin:
            row = admin.execute("SELECT pid FROM pg_stat_activity WHERE client_port = %s", (port,)).fetchone()
            assert row is not None
            admin.execute("SELECT pg_terminate_backend(%s)", (row[0],))
            self.terminated.append(row[0])
