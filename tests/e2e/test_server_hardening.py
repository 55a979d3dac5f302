"""End to end, HTTP hardening on a real `credentials serve` process (issue 14, item 4): a body over
the limit is refused with 413 whatever its transfer encoding; the server's own refusals, the
front door's included, are in the contract's error shape (the bridge's 408 is judged in
test_slow_clients); every answer says `nosniff` and `no-store`; the access log never holds a query."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_support import STAFF_TOKEN, Server, start_server, stop

from entrypoints.front import HEADER_READ_TIMEOUT
from web.app import LARGEST_BODY, MAX_BODY_BYTES
from web.limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES

CERTIFICATION = b'{"certification": "CPT", "certified_on": "2024-03-01"}'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module (each test uses member ids of its own): what is judged here is the
    HTTP side, the same on every store, so SQLite will do."""
    folder = tmp_path_factory.mktemp("hardening")
    running = start_server(f"sqlite:///{folder}/hardening.db", folder / "server.log", f"staff:{STAFF_TOKEN}")
    yield running
    stop(running)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """A server of its own, for a test that stops it to read its whole log."""
    running = start_server(f"sqlite:///{tmp_path}/logs.db", tmp_path / "server.log", f"staff:{STAFF_TOKEN}")
    yield running
    stop(running)


def port_of(server: Server) -> int:
    return int(server.base.rsplit(":", 1)[1])


def exchange(server: Server, head: bytes,
             body_parts: Iterator[bytes] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Sends a raw request (its head, then each part of its body) and reads the whole answer."""
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=60) as sock:
        sock.sendall(head)
        try:
            for part in body_parts or ():
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered before the whole body was sent: the answer is what is judged
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    head_text, _, payload = received.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split(" ")[1]), {k.lower(): v for k, v in headers.items()}, payload


def chunked(body: bytes, size: int = 256 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        piece = body[start:start + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def post_head(path: str, *, chunked_body: bool = False, length: int | None = None) -> bytes:
    framing = "Transfer-Encoding: chunked" if chunked_body else f"Content-Length: {length}"
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {STAFF_TOKEN}\r\n"
            f"Content-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n").encode()


def error_of(status: int, headers: dict[str, str], payload: bytes) -> dict[str, object]:
    """The error of an answer in the contract's shape (asserting the shape)."""
    assert headers.get("content-type", "").startswith("application/json"), (status, headers, payload[:300])
    document = json.loads(payload)
    assert set(document) == {"error"}
    assert set(document["error"]) == {"code", "message", "details"}
    return dict(document["error"])


def test_a_chunked_body_over_the_limit_is_refused_with_413_and_records_nothing(server: Server) -> None:
    """Before, the body was cut at 1 MiB and, the rest being valid JSON, recorded: 201."""
    body = CERTIFICATION + b" " * MAX_BODY_BYTES
    status, headers, payload = exchange(server, post_head("/members/big-1/certifications", chunked_body=True),
                                        chunked(body))
    assert status == 413, payload[:300]
    assert error_of(status, headers, payload)["code"] == "body_too_large"
    assert server.request("GET", "/members/big-1/status")[0] == 404
    # ... the same body with a Content-Length, as it always was.
    status, headers, payload = exchange(server, post_head("/members/big-1/certifications", length=len(body)),
                                        iter([body]))
    assert (status, error_of(status, headers, payload)["code"]) == (413, "body_too_large")


def test_a_chunked_body_past_every_limit_is_refused_with_413_unread(server: Server) -> None:
    body = b"x" * (LARGEST_BODY + 1024 * 1024)
    status, headers, payload = exchange(server, post_head("/imports", chunked_body=True), chunked(body, 1024 * 1024))
    assert status == 413, payload[:300]
    assert error_of(status, headers, payload)["code"] == "body_too_large"
    assert headers.get("connection") == "close"


def test_a_chunked_body_within_the_limit_is_recorded(server: Server) -> None:
    status, _, payload = exchange(server, post_head("/members/small-1/certifications", chunked_body=True),
                                  chunked(CERTIFICATION + b" " * 1000, 7))
    assert status == 201, payload[:300]


def test_every_answer_forbids_sniffing_and_storing(server: Server) -> None:
    for path, token in (("/health", None), ("/openapi.json", None), ("/members/nobody/status", STAFF_TOKEN),
                        ("/members/nobody/status", None), ("/dashboard/login", None)):
        _, headers, _ = server.request("GET", path, token=token)
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Cache-Control"] == "no-store", path


def test_a_target_or_head_just_over_the_limits_is_refused_in_the_error_shape(server: Server) -> None:
    status, headers, payload = exchange(server, f"GET /health?pad={'x' * MAX_TARGET_BYTES} HTTP/1.1\r\n"
                                                f"Host: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    assert (status, error_of(status, headers, payload)["code"]) == (414, "uri_too_long")
    status, headers, payload = exchange(server, f"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                f"X-Padding: {'x' * MAX_HEADER_BYTES}\r\nConnection: close\r\n\r\n"
                                                .encode())
    assert (status, error_of(status, headers, payload)["code"]) == (431, "headers_too_large")
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("request_bytes", "expected"), [
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", (414, "uri_too_long")),
    (b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 1_000_000 + b"\r\nConnection: close\r\n\r\n",
     (431, "headers_too_large")),
    (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(120))
     + b"Connection: close\r\n\r\n", (431, "headers_too_large")),
    (b"NOT HTTP AT ALL\r\n\r\n", (400, "malformed_request")),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", (400, "malformed_request")),  # a TLS hello
    (b"GET /members/a\rb/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", (400, "malformed_request")),
    (b"GET /health HTTP/2.0\r\nHost: x\r\n\r\n", (505, "http_version_not_supported")),
    (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", (400, "malformed_request")),
    # One header line more than the front door passes (with its own, granian's 100 would be past).
    (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(99)) + b"\r\n",
     (431, "headers_too_large")),
    (b"POST /members/cl-1/certifications HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\n{}",
     (400, "malformed_request")),
    (b"GET /members/a<b/status HTTP/1.1\r\nHost: x\r\n\r\n", (400, "malformed_request")),
    (b"GET /members/a\xff/status HTTP/1.1\r\nHost: x\r\n\r\n", (400, "malformed_request")),
    (b"POST /members/smuggled-1/certifications HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", (400, "malformed_request")),
])
def test_what_the_web_server_would_refuse_itself_is_refused_in_the_error_shape(
        server: Server, request_bytes: bytes, expected: tuple[int, str]) -> None:
    """Before, granian answered these itself, before any code of ours ran, with a bare status and no
    body (and offers no hook): the front door now reads every head first and refuses these."""
    status, headers, payload = exchange(server, request_bytes)
    assert (status, error_of(status, headers, payload)["code"]) == expected, payload[:300]
    assert (headers["x-content-type-options"], headers["cache-control"]) == ("nosniff", "no-store")


def test_a_header_line_sent_in_small_pieces_past_the_limit_is_refused_in_the_error_shape(server: Server) -> None:
    """A head still coming is judged again once a line ends or it could be past a limit, not for
    every piece: one line without an end, sent a kilobyte at a time, is still refused."""
    pieces = iter([b"a" * 1024] * (2 * MAX_HEADER_BYTES // 1024))
    status, headers, payload = exchange(server, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Long: ", pieces)
    assert (status, error_of(status, headers, payload)["code"]) == (431, "headers_too_large")


def test_a_refused_request_is_answered_after_the_answers_to_the_requests_before_it(server: Server) -> None:
    """Requests sent one after another on a connection (pipelined) get their answers in order; a
    refusal takes its place after them, and the connection closes."""
    good = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=30) as sock:
        sock.sendall(good + good + b"NOT HTTP\r\n\r\n" + good)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    statuses = [int(status) for status in re.findall(rb"(?:^|\n)HTTP/1\.1 ([0-9]{3}) ", received)]
    assert statuses == [200, 200, 400], received
    assert b'"malformed_request"' in received.rsplit(b"\r\n\r\n", 1)[1]


def test_a_refusal_is_not_given_in_place_of_an_answer_the_server_did_not_give(server: Server) -> None:
    """After an answer that closes the connection, the requests sent behind it are not answered: the
    connection ends, and the refusal of a later one is not sent where a client would read it as the
    answer to one of them."""
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=30) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                     b"GET /health?second HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert [int(status) for status in re.findall(rb"(?:^|\n)HTTP/1\.1 ([0-9]{3}) ", received)] == [200], received


def test_a_connection_idle_between_requests_is_kept_past_the_head_deadline(server: Server) -> None:
    """The head deadline (10 s) runs from a head's first byte, not through a connection's idle time
    between requests: before, granian's own deadline, on the connection to the workers, closed it."""
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=30) as sock:
        for _ in range(2):
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while not received.endswith(b"}\n"):
                chunk = sock.recv(65536)
                assert chunk, received
                received += chunk
            assert received.startswith(b"HTTP/1.1 200 "), received
            time.sleep(HEADER_READ_TIMEOUT + 1)


def test_the_server_sees_the_clients_address_not_the_front_doors_nor_one_the_client_claims(
        own_server: Server) -> None:
    exchange(own_server, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Credentials-Peer: client=203.0.113.9:1\r\n"
                         b"Connection: close\r\n\r\n")
    stop(own_server)
    lines = [line for line in own_server.log.read_text().splitlines() if '"GET /health HTTP/1.1"' in line]
    assert lines, own_server.log.read_text()
    assert all(" 127.0.0.1 " in line and "203.0.113.9" not in line for line in lines), lines


def test_a_control_character_in_a_member_id_is_refused_with_400(server: Server) -> None:
    status, _, document = server.request("POST", "/members/a%0D%0AX-Injected:%201/certifications",
                                         {"certification": "CPT", "certified_on": "2024-03-01"})
    assert (status, document["error"]["code"]) == (400, "invalid_input")


def test_the_access_log_holds_paths_never_queries(own_server: Server) -> None:
    """A query may hold a member's name (the staff pages' search) or a return address: before, the
    whole query string was logged."""
    own_server.request("GET", "/members/log-1/status?on=2025-01-01&known_at=2025-01-01T00:00:00%2B00:00")
    own_server.request("GET", "/dashboard/members?q=Ada+Lovelace-Secretname")
    own_server.request("GET", "/reports/audits?year=2026")
    stop(own_server)
    log = own_server.log.read_text()
    lines = [line for line in log.splitlines() if "request_id=" in line]
    assert any('"GET /members/log-1/status HTTP/1.1" 404 ' in line for line in lines), log
    assert any('"GET /dashboard/members HTTP/1.1" 200 ' in line for line in lines), log
    assert any('"GET /reports/audits HTTP/1.1" 200 ' in line for line in lines), log
    for secret in ("Secretname", "Lovelace", "on=2025", "known_at", "year=2026", "?"):
        assert not any(secret in line for line in lines), (secret, log)
