"""Limits on a request as a whole, judged before any endpoint reads it: its body's size whatever
the transfer encoding, and the size of its request target and headers.

A body sent chunked has no Content-Length, and werkzeug, told by the server that the stream ends
where the body does (`wsgi.input_terminated`), reads such a body up to the endpoint's limit and
no further: what was cut off was never seen, and a JSON body padded past the limit was judged (and
recorded) on its first megabyte. So a chunked body is read here, whole, up to one byte past the
largest body any endpoint takes, and handed on as a body of that length: every endpoint then
refuses it by its length (413 `body_too_large`), exactly as one sent with a Content-Length.
(`credentials serve` reads every body on its event loop first, so this never waits on a client.)

A target or header section larger than any request of the contract needs is refused here, in the
contract's error shape, whichever server runs the app; `credentials serve` refuses it before, at its
front door (entrypoints.http1), by the same limits, as it does what the server behind it would
refuse itself with an answer of its own.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import request

from web.errors import ApiError

# Far above any request of the contract (a member id is at most 200 characters, a query a few
# dates), far below the web servers' own limits (granian: 64 KiB of target, ~400 KiB of head).
MAX_TARGET_BYTES = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024
REFUSAL = "credentials.refusal"  # the environ key of a refusal decided before the app


class RequestLimits:
    """The WSGI app `app`, with chunked bodies read whole (up to `largest` + 1 bytes) and heads
    over the limits marked for refusal (`refuse_marked`, run before every view, answers it)."""

    def __init__(self, app: WSGIApplication, largest: int) -> None:
        self.app = app
        self.largest = largest

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        target = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
        head = sum(len(name) + len(value) for name, value in environ.items()
                   if name.startswith("HTTP_") and isinstance(value, str))
        if target > MAX_TARGET_BYTES:
            environ[REFUSAL] = ApiError(414, "uri_too_long", f"the request target is longer than {MAX_TARGET_BYTES:,} "
                                        "bytes", {"max_bytes": MAX_TARGET_BYTES})
        elif head > MAX_HEADER_BYTES:
            environ[REFUSAL] = ApiError(431, "headers_too_large", f"the request headers are larger than "
                                        f"{MAX_HEADER_BYTES:,} bytes", {"max_bytes": MAX_HEADER_BYTES})
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = _read_at_most(environ["wsgi.input"], self.largest + 1)
            # No longer chunked: a body of known length (past `largest`, refused by its length alone).
            del environ["HTTP_TRANSFER_ENCODING"]
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def _read_at_most(stream: io.RawIOBase | io.BufferedIOBase, limit: int) -> bytes:
    body = bytearray()
    while len(body) < limit:
        chunk = stream.read(min(64 * 1024, limit - len(body)))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def refuse_marked() -> None:
    """Before every view: the refusal `RequestLimits` marked, answered in the error shape."""
    refusal = request.environ.get(REFUSAL)
    if isinstance(refusal, ApiError):
        raise refusal
