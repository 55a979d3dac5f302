"""`credentials serve`: the HTTP API under gunicorn, a production WSGI server.

The master process binds the socket and makes sure the store's tables exist; each worker
builds its own Flask app (and so its own event-store connections) after the fork, from
the `web.create_app` factory.
All workers read and write the one shared store, so a write answered by one is seen by
the next read, whichever worker serves it.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from dataclasses import replace
from typing import Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from application.service import CredentialService
from application.settings import TOKENS, Settings
from projections.backends import keeps_read_models, open_read_models
from projections.projector import Projector
from projections.reading import INLINE_LIMIT
from web.auth import TokenBook

LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
# Never the Authorization header: tokens stay out of the logs.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss request_id=%({x-request-id}o)s'


def default_workers() -> int:
    # gunicorn's advice: two per core plus one, so a worker waiting on the database
    # does not leave a core idle.
    return 2 * (os.cpu_count() or 1) + 1


def with_tokens(settings: Settings) -> Settings:
    """Refuse malformed tokens now; with none at all, make a random staff token for development
    and print it once (there are no default tokens). The workers get it in their settings."""
    if TokenBook.parse(settings.tokens).entries:
        return settings
    token = secrets.token_urlsafe(32)
    print(f"credentials: {TOKENS} is not set; development token for this run (role staff):\n"
          f"    Authorization: Bearer {token}", file=sys.stderr, flush=True)
    return replace(settings, tokens=f"staff:{token}")


class CredentialsServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], settings: Settings) -> None:
        self.options = options
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from web import create_app  # in the worker, after the fork

        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
        return create_app(self.settings)


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


def serve(settings: Settings, host: str, port: int, workers: int | None = None) -> None:
    settings = with_tokens(settings)
    prepare_store(settings)
    print(f"credentials: serving the API on http://{host}:{port}\n"
          f"credentials: staff dashboard on http://{host}:{port}/dashboard (sign in with a token)",
          file=sys.stderr, flush=True)
    CredentialsServer({
        "bind": f"{host}:{port}",
        "workers": workers or settings.workers or default_workers(),
        "preload_app": False,
        "timeout": 60,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "proc_name": "credentials",
        "control_socket_disable": True,  # no runtime management socket in the home directory
    }, settings).run()
