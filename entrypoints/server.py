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
from typing import Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from application.service import CredentialService
from projections.projector import Projector, open_read_models
from projections.reading import INLINE_LIMIT
from projections.source import keeps_read_models
from web.auth import TOKENS_VARIABLE, TokenBook

LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
# Never the Authorization header: tokens stay out of the logs.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss request_id=%({x-request-id}o)s'


def default_workers() -> int:
    # gunicorn's advice: two per core plus one, so a worker waiting on the database
    # does not leave a core idle.
    return 2 * (os.cpu_count() or 1) + 1


def ensure_tokens() -> None:
    """Refuse a malformed CREDENTIALS_TOKENS now; with none at all, make a random staff token
    for development and print it once (there are no default tokens)."""
    book = TokenBook.from_environment()
    if book.entries:
        return
    token = secrets.token_urlsafe(32)
    os.environ[TOKENS_VARIABLE] = f"staff:{token}"  # inherited by the workers
    print(f"credentials: {TOKENS_VARIABLE} is not set; development token for this run (role staff):\n"
          f"    Authorization: Bearer {token}", file=sys.stderr, flush=True)


class CredentialsServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from web import create_app  # in the worker, after the fork

        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
        return create_app()


def prepare_store() -> None:
    """Open the store and the report tables once in the master, so they are created before the workers
    start (several workers racing to create them on PostgreSQL can collide). A store that
    does not answer yet is not fatal: /health says 503 until it does."""
    try:
        service = CredentialService()
        try:
            if keeps_read_models(service):
                _warn_if_reports_behind(service)
        finally:
            service.close()
    except Exception as error:
        print(f"credentials: the event store does not answer yet ({type(error).__name__}); serving anyway",
              file=sys.stderr, flush=True)


def _warn_if_reports_behind(service: CredentialService) -> None:
    projector = Projector(service, open_read_models(service))
    try:
        lag = projector.lag()
    finally:
        projector.close()
        projector.models.close()
    if lag.lag > INLINE_LIMIT:
        print(f"credentials: the report tables are {lag.lag} notifications behind the store; /reports answers 503 "
              "until `credentials projections catch-up` has run", file=sys.stderr, flush=True)


def serve(host: str, port: int, workers: int | None = None) -> None:
    ensure_tokens()
    prepare_store()
    print(f"credentials: serving the API on http://{host}:{port}\n"
          f"credentials: staff dashboard on http://{host}:{port}/dashboard (sign in with a token)",
          file=sys.stderr, flush=True)
    CredentialsServer({
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "preload_app": False,
        "timeout": 60,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "proc_name": "credentials",
        "control_socket_disable": True,  # no runtime management socket in the home directory
    }).run()
