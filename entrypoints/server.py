"""`credentials serve`: the HTTP API under granian, a web server whose network side is in Rust.

granian's master binds the socket (after the store's tables are made here, once); each worker
process builds its own Flask app (and so its own event-store connections) after the fork, from the
`web.create_app` factory, and runs it in a pool of threads of its own. All workers read and write
the one shared store, so a write answered by one is seen by the next read, whichever serves it.

Every connection is accepted by the front door (entrypoints.front), a process of its own: it reads
each request's head and refuses, in the contract's error shape, any the service does not take (not
HTTP/1.1, a target over 8 KiB, headers over 32 KiB or more than 99 of them, ambiguous framing),
then passes the request on unchanged to granian's workers over a Unix socket private to this
server. So granian never meets a head it would refuse itself (with a bare status and no body, as
it does, offering no hook).

Slow clients cannot pin a thread: the request's head is read by the front door within
HEADER_READ_TIMEOUT, and its body by `WsgiBridge` on the worker's event loop within
BODY_READ_TIMEOUT, before a thread is taken; a client slower than that is dropped (the head) or
answered 408 and its connection closed (the body). Only whole requests reach the app's threads.
(`python scripts/bench.py servers` measures this server beside gunicorn and waitress.)

Every refusal is in the contract's error shape, the bridge's own (408, and a 500 should the app
itself fail) and the front door's too, and every answer says `nosniff` and `no-store`.

The access log shows each request's method and path, never its query: a query may hold a
member's name (the staff pages' search) or other personal data.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from application.service import CredentialService
from application.settings import TOKENS, Settings
from entrypoints.front import HEADER_READ_TIMEOUT, IDLE_TIMEOUT, LISTEN_BACKLOG, PEER_HEADER
from projections.backends import keeps_read_models, open_read_models
from projections.projector import Projector
from projections.reading import INLINE_LIMIT
from web.app import LARGEST_BODY
from web.auth import TokenBook, TokenConfigError
from web.errors import HTTP_CODES, SAFETY_HEADERS, error_body

# A client has HEADER_READ_TIMEOUT to send a request's head (the front door's), and then this long
# to send its body, plus a second for each BODY_READ_RATE bytes it announced (a register to import
# is up to 16 MiB); past either it is dropped (the head) or answered 408 (the body), its
# connection closed. A slow client costs the server a socket and a coroutine, never a thread.
BODY_READ_TIMEOUT = 10.0
BODY_READ_RATE = 64 * 1024
# A body over LARGEST_BODY, the largest any endpoint takes (web.app), is not read: the app answers 413
# from its length (a chunked one's: the bytes received, up to one past the largest).

LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
ACCESS_LOGGER = "credentials.access"


class AccessLog:
    """The access log, whichever server runs the app: one line a request, when the app has answered,
    `client "method path protocol" status bytes seconds request_id=...`. Never a header of the request
    (the Authorization header carries a token), only the request id the app sent back; never its
    query (a name searched for, the page to return to), only the path."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.log = logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        began = time.perf_counter()
        answered: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        status, headers = answered or ["500", []]
        sent = {name.lower(): value for name, value in headers}
        self.log.info('%s "%s" %s %s %.6fs request_id=%s', environ.get("REMOTE_ADDR", "-"), request_line(environ),
                      status.split(" ", 1)[0], sent.get("content-length", "-"), time.perf_counter() - began,
                      sent.get("x-request-id", "-"))
        return body


def request_line(environ: WSGIEnvironment) -> str:
    """The request line without its query: method, path (quoted again, so that nothing in it, a CR or
    LF or a quote, can break the line), protocol."""
    path = quote((environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1"),
                 safe="/;:@&=+$,!~*'()")
    return f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', 'HTTP/1.1')}"


def worker_app(settings: Settings) -> WSGIApplication:
    """The app one worker serves, built in that worker (after the fork, so its event-store connections
    are its own), its logging set: the workers' own log on standard error, the access log on standard
    output."""
    from web import create_app

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr, force=True)
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers[:] = [logging.StreamHandler(sys.stdout)]
    access.handlers[0].setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] %(message)s"))
    access.propagate = False
    access.setLevel(logging.INFO)
    return AccessLog(create_app(settings))


def default_workers() -> int:
    # One worker process per core; the threads of each wait on the database while others compute.
    return os.cpu_count() or 1


def default_threads() -> int:
    return 4


def with_tokens(settings: Settings, dev: bool = False) -> Settings:
    """Refuse a tokens setting that cannot be right now (TokenConfigError, before anything is
    opened). With none at all, refuse to serve, unless `dev`: then make a random staff token for
    development and print it once (there are no default tokens). The workers get it in their settings."""
    if TokenBook.parse(settings.tokens).entries:
        return settings
    if not dev:
        raise TokenConfigError(f"{TOKENS} is not set, so no request could be authorized: set it "
                               "(role:token or role:name:token, comma-separated), or serve with --dev "
                               "for a development token printed at start")
    token = secrets.token_urlsafe(32)
    print(f"credentials: {TOKENS} is not set; development token for this run (role staff):\n"
          f"    Authorization: Bearer {token}", file=sys.stderr, flush=True)
    return replace(settings, tokens=f"staff:{token}")


class WsgiBridge:
    """The app (WSGI) under granian's own interface (RSGI): on the worker's event loop, each request's
    body is read whole within its deadline (one over LARGEST_BODY is not read past it: the app answers
    413 from its length, and the connection is closed, the rest of the body unread); then the app is
    called in one of the worker's threads with that body, and its answer sent. A thread is never
    taken by a client still sending."""

    def __init__(self, app: WSGIApplication, threads: int) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="credentials")

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        length = scope.headers.get("content-length")
        if length is None and "transfer-encoding" not in scope.headers:
            body = b""  # most requests (GET): nothing to wait for, so no deadline to set
        else:
            try:
                # asyncio.timeout rather than wait_for: no task made per request.
                async with asyncio.timeout(body_deadline(length)):
                    body = await self._body(scope, protocol, length)
            except TimeoutError:
                # Not an answer of the app (no request id): the request never reached it.
                protocol.response_bytes(*bridge_error(408, "the request body was not received in time"))
                return
        environ = environ_of(scope, body)
        if len(body) > LARGEST_BODY:  # chunked, and past every limit: judged by the bytes received
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ["wsgi.input"] = io.BytesIO()
        try:
            status, headers, payload = await asyncio.get_running_loop().run_in_executor(
                self.pool, self._call, environ)
        except Exception:
            # The app answers every error of its own; this is a failure around it (logged, with its cause).
            logging.getLogger(__name__).exception("the app failed to answer %s", request_line(environ))
            protocol.response_bytes(*bridge_error(500, "something went wrong on our side"))
            return
        if len(body) > LARGEST_BODY or (length is not None and length.isdigit() and int(length) > LARGEST_BODY):
            headers = [*headers, ("connection", "close")]  # the rest of the body was never read
        protocol.response_bytes(status, headers, payload)

    @staticmethod
    async def _body(scope: Any, protocol: Any, length: str | None) -> bytes:
        if length is not None:
            if not length.isdigit() or int(length) > LARGEST_BODY:
                return b""  # refused by the app for its Content-Length (413) or malformed (400)
            return bytes(await protocol()) if int(length) else b""
        if "chunked" not in scope.headers.get("transfer-encoding", "").lower():
            return b""
        body = bytearray()
        async for chunk in protocol:  # no length announced: read past the largest limit no further
            body += chunk
            if len(body) > LARGEST_BODY:
                break
        return bytes(body)

    def _call(self, environ: WSGIEnvironment) -> tuple[int, list[tuple[str, str]], bytes]:
        answered: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered[:] = [status, headers]
            return lambda data: None  # no write(): the app returns its body

        result = self.app(environ, start_response)
        try:
            payload = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # the app's own teardown (Flask's request context)
        status, headers = answered
        return int(status.split(" ", 1)[0]), list(headers), payload


def bridge_error(status: int, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """An answer of the bridge itself, in the app's error shape (and with its safety headers); the
    connection is closed after it, as the request's body may be left unread."""
    headers = [("content-type", "application/json"), *((k.lower(), v) for k, v in SAFETY_HEADERS.items()),
               ("connection", "close")]
    return status, headers, error_body(HTTP_CODES.get(status, "internal_error"), message)


def body_deadline(length: str | None) -> float:
    """Seconds a client has to send a body of the announced length (none: the largest taken)."""
    size = int(length) if length is not None and length.isdigit() else LARGEST_BODY
    return BODY_READ_TIMEOUT + min(size, LARGEST_BODY) / BODY_READ_RATE


def environ_of(scope: Any, body: bytes) -> WSGIEnvironment:
    """The WSGI environ (PEP 3333) of a request granian gives, with its whole body."""
    peer = peer_of(scope)
    server_name, _, server_port = peer.get("server", scope.server).rpartition(":")
    client, _, client_port = peer.get("client", scope.client).rpartition(":")
    environ: WSGIEnvironment = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(scope.path).decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server_name.strip("[]"),
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": "HTTP/1.0" if scope.http_version == "1" else f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": client.strip("[]"),
        "REMOTE_PORT": client_port,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,  # the body ends where the stream does (a chunked one too)
    }
    for name in scope.headers.keys():  # noqa: SIM118 (not a dict: a header may come more than once)
        if name == PEER_HEADER:
            continue
        values = scope.headers.get_all(name)
        value = ("; " if name == "cookie" else ", ").join(values)
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
        elif name == "content-length":
            environ["CONTENT_LENGTH"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def peer_of(scope: Any) -> dict[str, str]:
    """The client's and the server's addresses, as the front door gives them in the last PEER_HEADER
    of the head (a client's own, before it, is not believed)."""
    values = scope.headers.get_all(PEER_HEADER)
    if not values:
        return {}
    return {key.strip(): value.strip() for key, _, value in
            (part.partition("=") for part in values[-1].split(";"))}


def load_worker(settings: Settings, threads: int, target: Any = None) -> Any:
    """In each granian worker, after the fork: its app, its threads."""
    return WsgiBridge(worker_app(settings), threads)


def prepare_store(settings: Settings) -> None:
    """Open the store and the report tables once in the master, so they are created before the workers
    start (several workers racing to create them on PostgreSQL can collide). A store that
    does not answer yet is not fatal: /health says 503 until it does."""
    try:
        service = CredentialService(database_url=settings.database_url)
        try:
            if keeps_read_models(service):
                _warn_if_reports_behind(service, settings.report_schema)
        finally:
            service.close()
    except Exception as error:
        print(f"credentials: the event store does not answer yet ({type(error).__name__}); serving anyway",
              file=sys.stderr, flush=True)


def _warn_if_reports_behind(service: CredentialService, report_schema: str) -> None:
    projector = Projector(service, open_read_models(service, report_schema=report_schema))
    try:
        lag = projector.lag()
    finally:
        projector.close()
        projector.models.close()
    if not lag.answerable(INLINE_LIMIT):
        if not lag.followable:
            why = "computed under another release's policy book"
        elif not lag.current_policy:
            why = "behind a policy version adopted or withdrawn since (every member is to recompute)"
        else:
            why = f"{lag.lag} notifications behind the store"
        print(f"credentials: the report tables are {why}; /reports answers 503 "
              "until `credentials projections catch-up` has run", file=sys.stderr, flush=True)


RESTART_PAUSE = 0.1
RESTART_PAUSE_LIMIT = 5.0


class ServeError(Exception):
    """The server cannot start (its address is taken, say): a message for the operator."""


def listening_socket(host: str, port: int) -> socket.socket:
    """The service's socket, bound here (so that a taken address is told at once) and listened on by
    the front door, which inherits it."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                                flags=socket.AI_PASSIVE)[0]
        listener = socket.socket(family, kind, protocol)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(LISTEN_BACKLOG)
    except OSError as error:
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return listener


class FrontDoor:
    """The front door's process (entrypoints.front), started again should it die while the server
    runs: connections wait meanwhile in the listening socket's backlog, which this process keeps.
    One that dies soon after its start is started again after a longer pause each time, up to
    RESTART_PAUSE_LIMIT, so that a front door that cannot run does not spin."""

    def __init__(self, listener: socket.socket, workers_socket: Path) -> None:
        self.listener = listener
        self.workers_socket = workers_socket
        self.lock = threading.Lock()  # between starting it again and stopping it for good
        self.stopping = False
        self.process = self._start()
        threading.Thread(target=self._watch, name="front-door", daemon=True).start()

    def _start(self) -> subprocess.Popen[bytes]:
        fd = self.listener.fileno()
        process = subprocess.Popen([sys.executable, "-m", "entrypoints.front", str(fd), str(self.workers_socket)],
                                   pass_fds=(fd,))
        print(f"credentials: front door started (pid {process.pid})", file=sys.stderr, flush=True)
        return process

    def _watch(self) -> None:
        pause = RESTART_PAUSE
        while True:
            started = time.monotonic()
            code = self.process.wait()
            pause = RESTART_PAUSE if time.monotonic() - started > RESTART_PAUSE_LIMIT else min(
                2 * pause, RESTART_PAUSE_LIMIT)
            with self.lock:
                if self.stopping:
                    return
            print(f"credentials: the front door ended (exit code {code}); starting it again in {pause:g} s",
                  file=sys.stderr, flush=True)
            time.sleep(pause)
            with self.lock:
                if self.stopping:
                    return
                self.process = self._start()

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            process = self.process
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(settings: Settings, host: str, port: int, workers: int | None = None, dev: bool = False) -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    settings = with_tokens(settings, dev)
    listener = listening_socket(host, port)
    prepare_store(settings)
    workers = workers or settings.workers or default_workers()
    threads = settings.threads or default_threads()
    print(f"credentials: serving the API on http://{host}:{port} ({workers} workers of {threads} threads)\n"
          f"credentials: staff dashboard on http://{host}:{port}/dashboard (sign in with a token)",
          file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="credentials-serve-") as folder:  # made private (0700)
        workers_socket = Path(folder) / "workers.sock"
        door = FrontDoor(listener, workers_socket)
        try:
            Server(
                "credentials", uds=workers_socket, uds_permissions=0o600, interface=Interfaces.RSGI,
                workers=workers, http=HTTPModes.http1, websockets=False,
                # The front door keeps the clients' deadlines: granian's, which also cuts a connection
                # idle between requests, only ends one the front door has let go.
                http1_settings=HTTP1Settings(
                    header_read_timeout=int((IDLE_TIMEOUT + HEADER_READ_TIMEOUT + 5) * 1000)),
                # Requests a worker takes at once: beyond that they wait in the socket's backlog.
                backpressure=max(64, 8 * threads),
                log_access=False,  # the app's own access log (AccessLog): with the request id
                workers_kill_timeout=30,
                # A worker that dies (killed, out of memory) is replaced; granian's default ends the whole server.
                respawn_failed_workers=True, respawn_interval=0.5,
            ).serve(target_loader=partial(load_worker, settings, threads))
        finally:
            door.stop()
            listener.close()
