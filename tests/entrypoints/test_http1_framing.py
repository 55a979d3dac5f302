"""The front door's framing (entrypoints.http1), without a server: where a head ends and whether it
is taken, where a body and an answer end, however the bytes are cut into reads."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http1 import MAX_HEADERS, Answers, Chunks, Length, Refusal, request_head
from web.limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES


def refusal_of(data: bytes) -> tuple[int, str]:
    with pytest.raises(Refusal) as refused:
        request_head(data)
    return refused.value.status, refused.value.code


def test_a_head_ends_at_the_first_empty_line_and_says_how_its_body_ends() -> None:
    data = b"POST /members/m-1/activities HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET"
    head = request_head(data)
    assert head is not None
    assert (head.method, head.size) == (b"POST", data.index(b"hello"))
    assert isinstance(head.body, Length)
    assert head.body.remaining == 5


def test_a_head_not_yet_whole_is_waited_for() -> None:
    assert request_head(b"GET /health HTTP/1.1\r\nHost: x\r\n") is None
    assert request_head(b"GE") is None


def test_empty_lines_before_a_request_are_ignored() -> None:
    head = request_head(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n")
    assert head is not None
    assert head.size == len(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n")


def test_a_head_without_a_body_has_none() -> None:
    for data in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"):
        head = request_head(data)
        assert head is not None
        assert head.body is None


def test_what_is_not_an_http_request_is_refused_from_its_first_bytes() -> None:
    assert refusal_of(b"\x16\x03\x01") == (400, "malformed_request")
    assert refusal_of(b"hello, world") == (400, "malformed_request")
    assert refusal_of(b"GET / XTTP") == (400, "malformed_request")
    assert request_head(b"GET /members/m-1 HTTP/1.") is None


@pytest.mark.parametrize("data", [
    b"GET /a b HTTP/1.1\r\n\r\n",
    b"GET /a\x01 HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\nHost: x\n\n",
    b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-A: a\x00b\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-A: a\r\n folded\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: x\x80, chunked\r\n\r\n",
    b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n",
    b"GET /a<b HTTP/1.1\r\n\r\n",
    b"GET /a`b HTTP/1.1\r\n\r\n",
    b"GET /a?q=\"b\" HTTP/1.1\r\n\r\n",
    b"GET /a\xff HTTP/1.1\r\n\r\n",
    b"GET foo:bar:baz HTTP/1.1\r\n\r\n",
    b"GET ?x HTTP/1.1\r\n\r\n",
    b"GET http:// HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nX: a" + b" " * 32_000 + b"\x00\r\n\r\n",
    b"\r\n" * 9 + b"GET / HTTP/1.1\r\n\r\n",
])
def test_a_malformed_or_ambiguous_head_is_refused_400(data: bytes) -> None:
    assert refusal_of(data) == (400, "malformed_request")


@pytest.mark.parametrize("target", [b"/", b"/members/m-1/status?on=2025-01-01", b"/a\xc3\xa9", b"*",
                                    b"http://x/health", b"/health#part", b"/a?q=`"])
def test_a_target_granian_takes_is_taken(target: bytes) -> None:
    assert request_head(b"GET " + target + b" HTTP/1.1\r\n\r\n") is not None


def test_a_chunked_transfer_encoding_is_taken_in_any_case() -> None:
    head = request_head(b"POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n")
    assert head is not None
    assert isinstance(head.body, Chunks)


def test_the_same_content_length_twice_is_one() -> None:
    head = request_head(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n")
    assert head is not None
    assert isinstance(head.body, Length)


def test_another_http_version_is_refused_505() -> None:
    assert refusal_of(b"GET / HTTP/2.0\r\n\r\n") == (505, "http_version_not_supported")


def test_a_target_over_the_limit_is_refused_414_before_the_line_ends() -> None:
    assert request_head(b"GET /" + b"a" * (MAX_TARGET_BYTES - 1) + b" HTTP/1.1\r\n\r\n") is not None
    assert refusal_of(b"GET /" + b"a" * MAX_TARGET_BYTES + b" HTTP/1.1\r\n\r\n") == (414, "uri_too_long")
    assert refusal_of(b"GET /" + b"a" * 2 * MAX_TARGET_BYTES) == (414, "uri_too_long")


def test_headers_over_the_limits_are_refused_431_before_they_end() -> None:
    many = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: a\r\n" % n for n in range(MAX_HEADERS))
    assert request_head(many + b"\r\n") is not None
    assert refusal_of(many + b"X-Last: a\r\n\r\n") == (431, "headers_too_large")
    assert refusal_of(many + b"X-Last: a\r\n") == (431, "headers_too_large")
    assert refusal_of(b"GET / HTTP/1.1\r\nX-A: " + b"a" * MAX_HEADER_BYTES) == (431, "headers_too_large")


def chunked(body: bytes, size: int) -> bytes:
    pieces = [body[at:at + size] for at in range(0, len(body), size)]
    return b"".join(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\nX-Trailer: t\r\n\r\n"


def cuts(data: bytes, points: list[int]) -> list[bytes]:
    edges = sorted({0, len(data), *(point % (len(data) + 1) for point in points)})
    return [data[start:end] for start, end in zip(edges, edges[1:], strict=False)]


@given(st.binary(max_size=300), st.integers(1, 50), st.lists(st.integers(0, 10_000), max_size=8))
def test_a_chunked_body_ends_at_its_last_chunk_however_it_is_read(body: bytes, size: int, points: list[int]) -> None:
    framed = chunked(body, size)
    data = framed + b"GET / HTTP/1.1\r\n\r\n"  # the next request follows
    chunks = Chunks()
    taken = 0
    for piece in cuts(data, points):
        taken += chunks.take(piece)
        if chunks.done:
            break
    assert chunks.done
    assert taken == len(framed)


def test_a_chunk_longer_than_its_size_says_is_refused() -> None:
    with pytest.raises(Refusal):
        Chunks().take(b"3\r\nabcd\r\n0\r\n\r\n")
    with pytest.raises(Refusal):
        Chunks().take(b"zz\r\nab\r\n")


def test_chunk_extensions_or_trailers_past_what_granian_takes_are_refused() -> None:
    """Past 16 KiB of extensions or of trailers, or 100 trailer lines, granian ends the body early
    and the app would judge what came before: refused well before."""
    with pytest.raises(Refusal):
        Chunks().take(b"".join(b"1;" + b"e" * 4000 + b"\r\na\r\n" for _ in range(5)) + b"0\r\n\r\n")
    with pytest.raises(Refusal):
        Chunks().take(b"0\r\n" + b"".join(b"X-%d: t\r\n" % n for n in range(101)) + b"\r\n")
    with pytest.raises(Refusal):
        Chunks().take(b"0\r\n" + b"".join(b"X-%d: %s\r\n" % (n, b"t" * 4000) for n in range(5)) + b"\r\n")


def answer(status: int, body: bytes) -> bytes:
    return b"HTTP/1.1 %d X\r\ncontent-length: %d\r\n\r\n%s" % (status, len(body), body)


@given(st.lists(st.binary(max_size=200), min_size=1, max_size=5), st.lists(st.integers(0, 10_000), max_size=8))
def test_each_answer_is_counted_once_it_ends_however_it_is_read(bodies: list[bytes], points: list[int]) -> None:
    stream = b"HTTP/1.1 100 Continue\r\n\r\n" + b"".join(answer(200, body) for body in bodies)
    methods = deque([b"POST"] * (len(bodies) + 1))
    answers = Answers()
    for piece in cuts(stream, points):
        answers.take(piece, methods)
    assert len(methods) == 1  # the request not yet answered


def test_an_answer_to_head_has_no_body_whatever_its_length_says() -> None:
    methods = deque([b"HEAD", b"GET"])
    Answers().take(b"HTTP/1.1 200 OK\r\ncontent-length: 16\r\n\r\n", methods)
    assert list(methods) == [b"GET"]
