"""Headless Chromium for the page tests: Debian's /usr/bin/chromium driven by Playwright, never
a browser Playwright downloads. Missing, the tests are skipped locally and fail under CI=true."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from api_support import TOKEN_CONFIG
from server_support import Server, start_server, stop

from application.service import CredentialService
from entrypoints.demo import load_demo

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without the background-networking flags Chromium calls out at start, and a closed network refuses it.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (scripts/test installs Debian's chromium when run as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -e '.[dev]')"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium, or the test skipped (failed under CI=true) when there is none."""
    problem = browser_missing()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{problem} (CI=true: the browser tests may not be skipped)")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def demo_site(folder: Path) -> Iterator[Server]:
    """A real server on a SQLite store in `folder` holding the demo members, as `./scripts/run`
    shows them (dated around today), with the test tokens."""
    url = f"sqlite:///{folder / 'credentials.db'}"
    service = CredentialService(database_url=url)
    load_demo(service)
    service.close()
    started = start_server(url, folder / "server.log", TOKEN_CONFIG)
    try:
        yield started
    finally:
        stop(started)
