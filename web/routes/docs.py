"""The API's interactive reference at /docs: Swagger UI over the served /openapi.json.

Swagger UI is vendored (web/static/vendor/swagger-ui, from the npm package swagger-ui-dist at the
version its VENDOR.md names) and served from here, never from a CDN: the reference works on a
machine with no way out, and the page's Content-Security-Policy allows scripts, styles and
requests from this server only. Like /openapi.json it is open to all: it describes the API and
holds no data; "Try it out" sends the token typed into "Authorize", which stays in the page.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, render_template, send_from_directory

STATIC = Path(__file__).resolve().parents[1] / "static"
VENDORED = STATIC / "vendor" / "swagger-ui"
# The files the page loads, and where each lives; any other name is a 404.
ASSETS = {
    "swagger-ui.css": VENDORED,
    "swagger-ui-bundle.js": VENDORED,
    "api-docs.js": STATIC,
}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; font-src 'self' data:; form-action 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "same-origin",
}
ASSET_MAX_AGE = 3600  # the vendored files change only with a release

api_docs = Blueprint("api_docs", __name__)


@api_docs.get("/docs")
def reference() -> str:
    return render_template("api_docs/index.html")


@api_docs.get("/docs/assets/<name>")
def asset(name: str) -> Response:
    folder = ASSETS.get(name)
    if folder is None:
        abort(404)
    response = send_from_directory(folder, name, max_age=ASSET_MAX_AGE)
    response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
    return response


@api_docs.after_request
def _protect(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
