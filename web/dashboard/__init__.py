"""Staff pages over the same data as the API: a dashboard of the reports as charts and
tables, the list of the members behind each count, what is due (who must act, and by when), a
page per member with their status, what is needed, the reminders sent, its history, how the
story changed as facts were recorded (the bitemporal picture, the revisions) and their recorded
facts, with the staff's corrections and a what-if; a printable statement per member; the
policy versions side by side; the reports as CSV files; and, for staff, a register brought in from a CSV file.

Server-rendered HTML with inline SVG; no script at all. Signed in with an API token
(see access)."""

from __future__ import annotations

from flask import Flask

from application.settings import Settings
from web.auth import TokenBook
from web.dashboard import access
from web.dashboard import corrections as _corrections  # noqa: F401  (importing registers the routes)
from web.dashboard import downloads as _downloads  # noqa: F401  (importing registers the route)
from web.dashboard import due as _due  # noqa: F401  (importing registers the routes)
from web.dashboard import imports_page as _imports_page  # noqa: F401  (importing registers the routes)
from web.dashboard import member_list as _member_list  # noqa: F401  (importing registers the route)
from web.dashboard import pages as _pages  # noqa: F401  (importing registers the pages' routes)
from web.dashboard import policy_page as _policy_page  # noqa: F401  (importing registers the routes)
from web.dashboard import statement as _statement  # noqa: F401  (importing registers the route)
from web.dashboard import what_if_page as _what_if_page  # noqa: F401  (importing registers the route)
from web.dashboard.blueprint import dashboard

__all__ = ["install_dashboard"]


def install_dashboard(app: Flask, book: TokenBook, settings: Settings) -> None:
    access.configure_sessions(app, book, settings)
    app.register_blueprint(dashboard)
