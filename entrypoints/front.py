"""The front door of `credentials serve`: the one process that accepts the service's connections. It
reads each request's head, refuses what the service does not take in the contract's error shape
(entrypoints.http1), and passes everything else on unchanged to granian's workers, over a Unix
socket private to the server; their answers come back the same way, unchanged.

Why: granian (hyper) answers itself, with a bare status and no body, a request it cannot parse or
will not take (not HTTP/1.x, a target over 64 KiB, more than 100 headers, a head over its buffer),
and offers no hook for those answers. Behind the front door it meets none: every head that reaches
it is one the front door has read and found within the service's limits.

One process with one event loop (uvloop: the loop and its sockets in C) and two sockets a
connection; it holds no request, only the bytes of a head not yet whole. A client has
HEADER_READ_TIMEOUT from a head's first byte to send all of it, or its connection is dropped (as
granian did); a connection with no request under way is closed after IDLE_TIMEOUT. A body is passed
on as it comes, and the bridge's own deadline for it (a 408) holds. The client's address reaches the
app in the PEER_HEADER it adds to each head (the last of that name: a client's own is overridden).

Run by the server (`python -m entrypoints.front FD PATH`, the listening socket inherited as FD),
which starts it again should it die (entrypoints.server.FrontDoor). It ignores SIGINT (the server
stops first, its in-flight answers passing through here) and ends on SIGTERM or when the server is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections import deque
from http import HTTPStatus
from typing import Any, cast

import uvloop

from entrypoints.http1 import MAX_REQUEST_LINE, Answers, Body, Refusal, empty_lines, request_head
from web.errors import SAFETY_HEADERS, error_body
from web.limits import MAX_HEADER_BYTES

HEADER_READ_TIMEOUT = 10.0
IDLE_TIMEOUT = 75.0
PEER_HEADER = "x-credentials-peer"
UPSTREAM_WAIT = 60.0  # how long the front door waits, at its start, for the workers' socket
LISTEN_BACKLOG = 1024  # connections waiting to be accepted (while the front door starts again, say)
STOP_GRACE = 5.0  # how long answers under way may take to pass once it is told to stop
ACCESS_LOG = logging.getLogger("credentials.access")
HEAD_RESCAN = MAX_REQUEST_LINE + MAX_HEADER_BYTES  # past this, a head is judged whatever came


def refusal_bytes(refusal: Refusal, body: bytes) -> bytes:
    """A whole answer for `refusal` with its `body`; the connection closes after it."""
    headers = {"Content-Type": "application/json", **SAFETY_HEADERS, "Content-Length": str(len(body)),
               "Connection": "close"}
    if refusal.status == 503:
        headers["Retry-After"] = "1"
    head = f"HTTP/1.1 {refusal.status} {HTTPStatus(refusal.status).phrase}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


def address(name: Any) -> str:
    if isinstance(name, tuple) and len(name) >= 2:
        host = str(name[0])
        return f"[{host}]:{name[1]}" if ":" in host else f"{host}:{name[1]}"
    return "-"


class ClientSide(asyncio.Protocol):
    """One client's connection, and the connection to the workers that serves it."""

    def __init__(self, door: Door) -> None:
        self.door = door
        self.transport: asyncio.Transport | None = None
        self.upstream: UpstreamSide | None = None
        self.waiting = bytearray()  # for the workers, until connected to them
        self.buffer = bytearray()  # received and not passed on: the start of a head
        self.body: Body | None = None  # the body being passed on
        self.unanswered: deque[bytes] = deque()  # the methods of the requests passed on, unanswered
        self.refusal: Refusal | None = None  # to answer once the requests before it are answered
        self.peer = b""
        self.client = "-"
        self.timer: asyncio.TimerHandle | None = None
        self.timer_kind = ""
        self.ended = False  # the client closed its side (or is gone)

    # The client's side.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's: a Transport in all but name
        peername = transport.get_extra_info("peername")
        self.client = str(peername[0]) if isinstance(peername, tuple) else "-"
        self.peer = (f"{PEER_HEADER}: client={address(peername)}; "
                     f"server={address(transport.get_extra_info('sockname'))}\r\n").encode("latin-1")
        self.door.connections.add(self)
        self._time()
        self.door.loop.create_task(self._connect())

    def data_received(self, data: bytes) -> None:
        if self.refusal is not None:
            return
        # More of a head already found incomplete is judged again once a line ends in it, or once it
        # could be past a limit: a head sent a byte at a time is not scanned whole for every byte.
        head_under_way = self.body is None and bool(self.buffer)
        self.buffer += data
        if head_under_way and b"\n" not in data and len(self.buffer) <= HEAD_RESCAN:
            return
        try:
            self._pass_on()
        except Refusal as refusal:
            self.refuse(refusal)
        self._time()

    def eof_received(self) -> bool:
        self.ended = True
        if self.unanswered and self.refusal is None:
            return True  # the answers under way are still sent, then the connection closes
        self.close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.door.connections.discard(self)
        self._cancel_timer()
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.close()

    def pause_writing(self) -> None:  # the client reads slower than the workers answer
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.resume_reading()

    def _pass_on(self) -> None:
        buffer = self.buffer
        at = 0
        while at < len(buffer):
            if self.body is not None:
                step = self.body.take(buffer, at)
                self._send(buffer[at:at + step])
                at += step
                if self.body.done:
                    self.body = None
                continue
            at += empty_lines(buffer, at)  # ignored (RFC 9112 2.2), and not passed on
            if at == len(buffer):
                break
            head = request_head(buffer[at:] if at else buffer)
            if head is None:
                break
            # The head as sent, with the client's address as its last header.
            self._send(buffer[at + head.start:at + head.size - 2] + self.peer + b"\r\n")
            self.unanswered.append(head.method)
            at += head.size
            self.body = head.body
        del buffer[:at]

    def _send(self, data: bytes | bytearray) -> None:
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.write(data)
        else:
            self.waiting += data

    def refuse(self, refusal: Refusal) -> None:
        """Answer `refusal` after the answers to the requests before it, then close."""
        if self.body is not None:  # refused mid-body: that request is never answered
            if not self.unanswered:  # ... unless it was already (413 from its length): no second answer
                self.body = None
                self.close()
                return
            self.unanswered.pop()
        self.body = None
        self.refusal = refusal
        self.buffer.clear()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()
        if not self.unanswered:
            self._answer_refusal()

    def _answer_refusal(self) -> None:
        if self.transport is not None and self.refusal is not None and not self.transport.is_closing():
            body = error_body(self.refusal.code, self.refusal.message, self.refusal.details)
            self.transport.write(refusal_bytes(self.refusal, body))
            # In the access log's form (entrypoints.server.AccessLog): no request line, no request id.
            ACCESS_LOG.info('%s "-" %s %s 0.000000s request_id=- refused=%s', self.client, self.refusal.status,
                            len(body), self.refusal.code)
        self.close()

    def close(self) -> None:
        self._cancel_timer()
        if self.transport is not None:
            self.transport.close()  # what is written is still sent
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.close()

    # Deadlines: one for a head under way, from its first byte (not renewed as more of it comes),
    # one for a connection with nothing under way.

    def _time(self) -> None:
        # While an answer is awaited, a client's next head (pipelined) may wait with it.
        waiting = self.unanswered or self.body is not None or self.refusal is not None
        kind = "" if waiting else "head" if self.buffer else "idle"
        if kind == self.timer_kind:
            return
        self._cancel_timer()
        if kind:
            delay = HEADER_READ_TIMEOUT if kind == "head" else IDLE_TIMEOUT
            self.timer, self.timer_kind = self.door.loop.call_later(delay, self.close), kind

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer, self.timer_kind = None, ""

    # The workers' side.

    async def _connect(self) -> None:
        try:
            _, upstream = await self.door.loop.create_unix_connection(lambda: UpstreamSide(self), self.door.upstream)
        except OSError:
            self.unanswered.clear()  # none of it reached a worker
            self.body = None
            self.refuse(Refusal(503, "service_unavailable", "the service is starting or stopping; retry in a moment"))
            return
        if self.transport is None or self.transport.is_closing():
            upstream.transport.close()
            return
        self.upstream = upstream
        if self.waiting:
            upstream.transport.write(self.waiting)
            self.waiting = bytearray()

    def answered(self) -> None:
        """The workers sent more of their answers (and `unanswered` lost those ended)."""
        if not self.unanswered:
            if self.refusal is not None:
                self._answer_refusal()
            elif self.ended:
                self.close()
            else:
                self._time()

    def upstream_lost(self, mid_answer: bool) -> None:
        """The workers closed the connection: after an answer that said so (a 413, a 408), or because
        the worker died. A client still owed an answer is cut off, as a worker's death always did:
        nothing is answered that the worker did not answer."""
        if mid_answer and self.transport is not None:
            self.transport.abort()  # the answer cut short: the client must not take it as whole
        elif self.refusal is not None and not self.unanswered:
            self._answer_refusal()
        else:
            self.close()  # what was answered is still sent; a refusal is not put in another's place


class UpstreamSide(asyncio.Protocol):
    """The connection to a worker, for one client's connection: what it sends goes to the client as is."""

    def __init__(self, client: ClientSide) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None
        self.answers = Answers()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's: a Transport in all but name

    def data_received(self, data: bytes) -> None:
        client = self.client
        if client.transport is not None and not client.transport.is_closing():
            client.transport.write(data)
        try:
            self.answers.take(data, client.unanswered)
        except Refusal:  # the workers' answers cannot be framed: nothing more of them can be trusted
            logging.getLogger(__name__).error("an answer of the workers could not be framed; connection closed")
            if client.transport is not None:
                client.transport.abort()
            if self.transport is not None:
                self.transport.abort()
            return
        client.answered()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answers.until_close and self.client.unanswered:  # an answer ended by the end of the connection
            self.client.unanswered.popleft()
        self.client.upstream_lost(bool(self.answers.head) or self.answers.body is not None)

    def pause_writing(self) -> None:  # the worker reads slower than the client sends
        if self.client.transport is not None and not self.client.transport.is_closing():
            self.client.transport.pause_reading()

    def resume_writing(self) -> None:
        transport = self.client.transport
        if transport is not None and not transport.is_closing() and self.client.refusal is None:
            transport.resume_reading()


class Door:
    def __init__(self, loop: asyncio.AbstractEventLoop, upstream: str) -> None:
        self.loop = loop
        self.upstream = upstream
        self.connections: set[ClientSide] = set()


def wait_for_workers(path: str) -> None:
    """Until the workers' socket takes a connection (granian binds it as it starts)."""
    deadline = time.monotonic() + UPSTREAM_WAIT
    while True:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(path)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
        time.sleep(0.05)


async def serve(listener: socket.socket, upstream: str) -> None:
    loop = asyncio.get_running_loop()
    door = Door(loop, upstream)
    server = await loop.create_server(lambda: ClientSide(door), sock=listener, backlog=LISTEN_BACKLOG)
    stopping = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    parent = os.getppid()
    while not stopping.is_set() and os.getppid() == parent:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), 0.5)
    server.close()
    deadline = loop.time() + STOP_GRACE
    while any(client.unanswered for client in door.connections) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    for client in list(door.connections):
        client.close()


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] %(message)s"))
    ACCESS_LOG.handlers[:] = [handler]
    ACCESS_LOG.propagate = False
    ACCESS_LOG.setLevel(logging.INFO)
    fd, upstream = int(argv[0]), argv[1]
    listener = socket.socket(fileno=fd)
    wait_for_workers(upstream)
    uvloop.run(serve(listener, upstream))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
