"""The API reference at /docs in a real browser (headless Chromium against `credentials serve`):
an integrator opens it, sees every operation of /openapi.json, and nothing on the page is blocked
by its Content-Security-Policy or fetched from anywhere but this server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from api_support import TOKEN_CONFIG
from browser_support import ARTIFACTS, chromium
from server_support import Server, start_server, stop


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("docs")
    running = start_server(f"sqlite:///{folder / 'credentials.db'}", folder / "server.log", TOKEN_CONFIG)
    yield running
    stop(running)


@pytest.fixture(scope="module")
def opened(server: Server) -> Iterator[dict[str, Any]]:
    """The reference page once loaded, with what the browser reported while loading it."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(15_000)
        console: list[str] = []
        requested: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{server.base}/docs")
        page.wait_for_selector(".opblock-summary-path", state="attached")
        paths = [text.replace("\u200b", "") for text in page.locator(".opblock-summary-path").all_text_contents()]
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"), full_page=False)
        yield {"paths": paths, "console": console, "requested": requested}
        context.close()


def test_the_reference_lists_every_operation_of_the_served_description(opened: dict[str, Any], server: Server) -> None:
    """What /docs shows is /openapi.json itself, not a copy that could drift."""
    _, _, spec = server.request("GET", "/openapi.json", token=None)
    served = [path for path, operations in spec["paths"].items() for _ in operations]
    assert sorted(opened["paths"]) == sorted(served)


def test_nothing_on_the_reference_page_breaks_its_content_security_policy(opened: dict[str, Any]) -> None:
    """Swagger UI runs from this server's own files under a policy allowing only them: a script or
    style it needed inline would be blocked, and the browser would say so in the console."""
    assert not [line for line in opened["console"] if "Content Security Policy" in line], opened["console"]
    assert not [line for line in opened["console"] if line.startswith("error")], opened["console"]


def test_the_reference_page_fetches_nothing_from_other_hosts(opened: dict[str, Any], server: Server) -> None:
    """No CDN and no outside validator: the reference works on a machine with no way out."""
    own = urlsplit(server.base).netloc
    elsewhere = [url for url in opened["requested"] if urlsplit(url).scheme in ("http", "https")
                 and urlsplit(url).netloc != own]
    assert elsewhere == []
    assert Path(ARTIFACTS / "api-docs.png").exists()
