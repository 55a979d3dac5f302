"""The Flask application factory. Nothing is built at import time: `create_app` builds
the app, and the event store is opened on first use (see web.services)."""

from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from application.service import CredentialService
from application.storage import storage_from_url
from web.auth import TokenBook
from web.dashboard import install_dashboard
from web.endpoint import TOKENS
from web.errors import install_error_handling
from web.routes.audits import audits
from web.routes.members import members
from web.routes.reports import reports
from web.routes.system import system
from web.services import EXTENSION, ServiceProvider

MAX_BODY_BYTES = 1024 * 1024


class ContractJSON(DefaultJSONProvider):
    sort_keys = False  # keep the schemas' field order, as the contract shows it


def create_app(service: CredentialService | None = None, tokens: str | TokenBook | None = None) -> Flask:
    """The API over `service` (default: one on CREDENTIALS_DATABASE_URL, opened on first
    use), accepting `tokens` ("role:token,..."; default: CREDENTIALS_TOKENS).

    With no token configured every protected endpoint answers 401: there are no defaults.
    """
    if service is None:
        storage_from_url()  # a malformed CREDENTIALS_DATABASE_URL fails here, not on a request
    if not isinstance(tokens, TokenBook):
        tokens = TokenBook.from_environment() if tokens is None else TokenBook.parse(tokens)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json = ContractJSON(app)
    app.extensions[EXTENSION] = ServiceProvider(service)
    app.extensions[TOKENS] = tokens
    install_error_handling(app)
    for blueprint in (members, audits, reports, system):
        app.register_blueprint(blueprint)
    install_dashboard(app, tokens)
    return app
