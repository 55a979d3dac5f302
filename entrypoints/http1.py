"""HTTP/1.1 framing for the front door (entrypoints.front): where a request's head ends and whether
the service takes it, and where each request's and each answer's body ends.

The front door passes the bytes a client sent on unchanged, and must answer a refusal in the
contract's error shape at its place in the connection, after the answers to the requests before
it. So it needs the exact byte at which every message ends. A general parser does not give that
(httptools, llhttp's binding, reports no offsets; h11 writes messages out again), and only a few
rules of RFC 9112 are needed for it: the head ends at the first empty line, a body is as long as
its Content-Length says or as its chunks say, an answer to HEAD, a 1xx, a 204 or a 304 has none.

A head is judged strictly where the RFC lets a server be strict, because request smuggling lives
in the differences between two parsers' leniencies: a header line folded onto the next (obs-fold),
a Transfer-Encoding not ending in chunked, a Transfer-Encoding beside a Content-Length, two
differing Content-Lengths, a bare LF, a control character anywhere: 400. What is judged here
needs no more than the head; granian behind the front door parses it again, and finds nothing
it would refuse.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from web.errors import HTTP_CODES
from web.limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES

# granian (hyper) takes at most 100 header lines, and the front door adds one of its own: past 99,
# a request is refused here, in the error shape.
MAX_HEADERS = 99
# A request line: its method, a space, the target, a space and the protocol, with room to spare.
MAX_REQUEST_LINE = MAX_TARGET_BYTES + 64
MAX_EMPTY_LINES = 8  # before a request line (RFC 9112 2.2: at least one is to be ignored)
# hyper takes 16 KiB of chunk extensions in a body, and 16 KiB of trailers in at most 100 lines, and
# past those ends the body early, silently for the app: a body is refused here well before.
MAX_CHUNK_LINE = 4096  # a chunk's size line, its extensions included
MAX_EXTENSIONS = 8 * 1024
MAX_TRAILERS = 8 * 1024
MAX_TRAILER_LINES = 64

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") ([^ ]+) HTTP/([0-9])\.([0-9])")


def _any_of(visible: bytes) -> bytes:
    """A class of the visible ASCII characters `visible` does not name, and of any byte past ASCII."""
    kept = bytes(byte for byte in range(0x21, 0x7F) if byte not in visible)
    return b"[" + re.escape(kept) + rb"\x80-\xff]"


# The target as granian's parser (the http crate's) takes it, a little narrower: a path, or `*`, or a
# URL of http or https; in the path no <, > or `; in the query and fragment no ", < or >; UTF-8.
_PATH = b"/" + _any_of(b"<>`?#") + b"*"
TARGET = re.compile(rb"(?:(?:https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:" + _PATH + rb")?|" + _PATH + rb")"
                    rb"(?:\?" + _any_of(b'"<>#') + rb"*)?(?:#" + _any_of(b'"<>') + rb"*)?|\*)")
# What a client may have sent so far of a request line: the start of a method, a target and a
# protocol. Anything else (a TLS hello on the plain port, a line of text) is refused at once.
REQUEST_LINE_START = re.compile(
    _TOKEN + rb"(?: [\x21-\x7e\x80-\xff]*(?: H(?:T(?:T(?:P(?:/(?:[0-9](?:\.[0-9]?)?)?)?)?)?)?)?)?")
# A header line: its value's spaces around it are not its own (stripped where the value is read).
HEADER_LINE = re.compile(rb"(" + _TOKEN + rb"):([\t\x20-\x7e\x80-\xff]*)")
CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})([ \t]*;[\t\x20-\x7e\x80-\xff]*)?")
STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([0-9]{3})(?: [\t\x20-\x7e\x80-\xff]*)?")


class Refusal(Exception):
    """A request the front door refuses, with the status and code of the contract's error shape."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, int] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


def malformed(message: str) -> Refusal:
    return Refusal(400, HTTP_CODES[400], message)


def target_too_long() -> Refusal:
    return Refusal(414, HTTP_CODES[414], f"the request target is longer than {MAX_TARGET_BYTES:,} bytes",
                   {"max_bytes": MAX_TARGET_BYTES})


def headers_too_large(why: str) -> Refusal:
    return Refusal(431, HTTP_CODES[431], why, {"max_bytes": MAX_HEADER_BYTES, "max_headers": MAX_HEADERS})


class Chunks:
    """Where a chunked body ends (RFC 9112 7.1): fed the bytes that follow the head, it tells how
    many of them are still the body's. Chunk sizes and trailer lines are checked, not kept."""

    def __init__(self) -> None:
        self.line = bytearray()  # a size or trailer line not yet ended
        self.remaining = 0  # bytes of the current chunk's data still to come (and then its CRLF)
        self.state = "size"  # size | data | data-end | trailer
        self.extensions = 0  # bytes of chunk extensions so far
        self.trailers = 0  # bytes of trailers so far
        self.trailer_lines = 0
        self.done = False

    def take(self, data: bytes | bytearray, start: int = 0) -> int:
        """How many bytes of `data[start:]` belong to the body; `done` once its last byte is among them."""
        at = start
        end = len(data)
        while at < end and not self.done:
            if self.state == "data":
                step = min(self.remaining, end - at)
                at += step
                self.remaining -= step
                if not self.remaining:
                    self.state, self.remaining = "data-end", 2
                continue
            if self.state == "data-end":
                expected = b"\r\n"[2 - self.remaining]
                if data[at] != expected:
                    raise malformed("a chunk of the body is longer than its size says")
                at += 1
                self.remaining -= 1
                if not self.remaining:
                    self.state = "size"
                continue
            stop = data.find(b"\n", at, end)
            piece = data[at:end] if stop < 0 else data[at:stop + 1]
            self.line += piece
            at += len(piece)
            limit = MAX_CHUNK_LINE if self.state == "size" else MAX_TRAILERS - self.trailers
            if len(self.line) > limit:
                raise malformed("a chunk size line or the trailers are too long")
            if stop >= 0:
                self._line_ended(bytes(self.line))
                self.line.clear()
        return at - start

    def _line_ended(self, line: bytes) -> None:
        if not line.endswith(b"\r\n"):
            raise malformed("a line of the chunked body does not end in CRLF")
        line = line[:-2]
        if self.state == "size":
            match = CHUNK_LINE.fullmatch(line)
            if match is None:
                raise malformed("a chunk size is not a hexadecimal number")
            self.extensions += len(match.group(2) or b"")
            if self.extensions > MAX_EXTENSIONS:
                raise malformed(f"the chunk extensions of a body are longer than {MAX_EXTENSIONS:,} bytes")
            size = int(match.group(1), 16)
            self.state, self.remaining = ("data", size) if size else ("trailer", 0)
        elif not line:
            self.done = True
        elif HEADER_LINE.fullmatch(line) is None:
            raise malformed("a trailer line of the chunked body is not a header")
        else:
            self.trailers += len(line) + 2
            self.trailer_lines += 1
            if self.trailers > MAX_TRAILERS or self.trailer_lines > MAX_TRAILER_LINES:
                raise malformed(f"the trailers of a body are over {MAX_TRAILERS:,} bytes or "
                                f"{MAX_TRAILER_LINES} lines")


class Length:
    """Where a body of a known length ends."""

    def __init__(self, length: int) -> None:
        self.remaining = length
        self.done = length == 0

    def take(self, data: bytes | bytearray, start: int = 0) -> int:
        step = min(self.remaining, len(data) - start)
        self.remaining -= step
        self.done = self.remaining == 0
        return step


Body = Chunks | Length


@dataclass(frozen=True)
class RequestHead:
    """A head the service takes: its method, where it starts (past the empty lines before it), where
    it ends (past its closing empty line), and how its body ends (None: it has none)."""

    method: bytes
    start: int
    size: int
    body: Body | None


def request_head(buffer: bytes | bytearray) -> RequestHead | None:
    """The head at the start of `buffer`, None while it is not whole (and still within the limits);
    a Refusal for one the service does not take."""
    start = empty_lines(buffer)
    if start > 2 * MAX_EMPTY_LINES:
        raise malformed(f"more than {MAX_EMPTY_LINES} empty lines before a request line")
    line_end = buffer.find(b"\r\n", start)
    first_line = buffer[start:] if line_end < 0 else buffer[start:line_end]
    if b"\n" in first_line:
        raise malformed("the request line does not end in CRLF")
    if line_end < 0:
        if first_line and REQUEST_LINE_START.fullmatch(first_line) is None:
            raise malformed("this is not an HTTP/1.1 request")
        if len(first_line) > MAX_REQUEST_LINE:
            raise target_too_long()
        return None
    method, major, minor = _request_line(bytes(first_line))
    end = buffer.find(b"\r\n\r\n", line_end)
    section_end = end + 2 if end >= 0 else len(buffer)
    if section_end - line_end - 2 > MAX_HEADER_BYTES:
        raise headers_too_large(f"the request headers are larger than {MAX_HEADER_BYTES:,} bytes")
    if end < 0:
        if buffer.count(b"\r\n", line_end + 2) > MAX_HEADERS:
            raise headers_too_large(f"the request has more than {MAX_HEADERS} headers")
        return None
    section = bytes(buffer[line_end + 2:end]) if end > line_end else b""
    if b"\n" in section.replace(b"\r\n", b"") or b"\r" in section.replace(b"\r\n", b""):
        raise malformed("a header line does not end in CRLF")
    lines = section.split(b"\r\n") if section else []
    if len(lines) > MAX_HEADERS:
        raise headers_too_large(f"the request has more than {MAX_HEADERS} headers")
    lengths: set[bytes] = set()
    encodings: list[bytes] = []
    for line in lines:
        match = HEADER_LINE.fullmatch(line)
        if match is None:
            raise malformed("a header line is malformed (a name, a colon and a value of visible characters)")
        name = match.group(1).lower()
        if name == b"content-length":
            lengths.add(match.group(2).strip(b" \t"))
        elif name == b"transfer-encoding":
            encodings.append(match.group(2).strip(b" \t").lower())
    return RequestHead(method, start, end + 4, _request_body(lengths, encodings, (major, minor)))


EMPTY_LINES = re.compile(rb"(?:\r\n)*")


def empty_lines(buffer: bytes | bytearray, start: int = 0) -> int:
    """How many bytes of empty lines (CRLFs) `buffer` holds from `start`."""
    match = EMPTY_LINES.match(buffer, start)
    return match.end() - start if match else 0


def _request_line(line: bytes) -> tuple[bytes, int, int]:
    match = REQUEST_LINE.fullmatch(line)
    if match is None:
        if len(line) > MAX_REQUEST_LINE:
            raise target_too_long()
        raise malformed("the request line is malformed (a method, a target without spaces or control "
                        "characters, and HTTP/1.1)")
    method, target, major, minor = match.group(1), match.group(2), int(match.group(3)), int(match.group(4))
    if (major, minor) not in ((1, 0), (1, 1)):
        raise Refusal(505, HTTP_CODES[505], "only HTTP/1.1 (and HTTP/1.0) is served")
    if len(target) > MAX_TARGET_BYTES:
        raise target_too_long()
    if TARGET.fullmatch(target) is None:
        raise malformed("the request target is not a path (with a query) of allowed characters")
    if not target.isascii():
        try:
            target.decode("utf-8")
        except UnicodeDecodeError:
            raise malformed("the request target is not UTF-8") from None
    return method, major, minor


def _request_body(lengths: set[bytes], encodings: list[bytes], version: tuple[int, int]) -> Body | None:
    if encodings:
        if lengths:
            raise malformed("a request has a Transfer-Encoding and a Content-Length")
        # No coding but chunked is taken (the service decodes none), and chunked once.
        if encodings != [b"chunked"] or version == (1, 0):
            raise malformed("a request body's Transfer-Encoding must be chunked alone (HTTP/1.1)")
        return Chunks()
    if len(lengths) > 1:
        raise malformed("a request has differing Content-Lengths")
    if lengths:
        (length,) = lengths
        if not length.isdigit() or len(length) > 18:
            raise malformed("the Content-Length is not a number of bytes")
        return Length(int(length)) if int(length) else None
    return None


class Answers:
    """Where each answer on a connection ends: fed the bytes the server sends, in order, with the
    methods of the requests it has not answered yet (oldest first; an answer to HEAD has no body),
    it takes one off for each final answer ended (a 1xx is not final). The server behind the front
    door frames its answers; one framed neither by a length nor by chunks ends with the connection."""

    def __init__(self) -> None:
        self.head = bytearray()  # an answer's head not yet whole
        self.body: Body | None = None
        self.until_close = False

    def take(self, data: bytes, methods: deque[bytes]) -> None:
        if self.head:  # a head cut between two reads: rare, and heads are small
            data = bytes(self.head) + data
            self.head.clear()
        at = 0
        while at < len(data) and not self.until_close:
            if self.body is not None:
                at += self.body.take(data, at)
                if self.body.done:
                    self.body = None
                    _answered(methods)
                continue
            stop = data.find(b"\r\n\r\n", at)
            if stop < 0:
                self.head += data[at:]
                return
            status, body = _answer_head(data[at:stop], methods[0] if methods else b"GET")
            at = stop + 4
            if status < 200:
                continue
            if body is None:
                _answered(methods)
            elif isinstance(body, UntilClose):
                self.until_close = True
            else:
                self.body = body


class UntilClose:
    """An answer whose body ends where the connection does."""


def _answered(methods: deque[bytes]) -> None:
    if methods:
        methods.popleft()


def _answer_head(head: bytes, method: bytes) -> tuple[int, Body | UntilClose | None]:
    line, _, section = head.partition(b"\r\n")
    match = STATUS_LINE.fullmatch(line)
    status = int(match.group(1)) if match else 200
    if status < 200 or status in (204, 304) or method == b"HEAD":
        return status, None
    length = None
    for header in section.split(b"\r\n"):
        name, _, value = header.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            return status, Chunks()
        if name == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    if length is None:
        return status, UntilClose()
    return status, Length(length) if length else None
