"""Staff pages over the same data as the API: a dashboard of the reports as charts and
tables, and a page per member with their status, its history and their recorded facts.

Server-rendered HTML with inline SVG; no script at all. Signed in with an API token
(see access)."""

from __future__ import annotations

from flask import Flask

from application.settings import Settings
from web.auth import TokenBook
from web.dashboard import access
from web.dashboard import pages as _pages  # noqa: F401  (importing registers the pages' routes)
from web.dashboard.blueprint import dashboard

__all__ = ["install_dashboard"]


def install_dashboard(app: Flask, book: TokenBook, settings: Settings) -> None:
    access.configure_sessions(app, book, settings)
    app.register_blueprint(dashboard)
