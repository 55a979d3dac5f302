"""The Flask application factory. Nothing is built at import time: `create_app` builds
the app, and the event store is opened on first use (see web.services)."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from application.service import CredentialService
from application.settings import Settings
from web.auth import TokenBook
from web.dashboard import install_dashboard
from web.dashboard.imports_page import FORM_OVERHEAD
from web.endpoint import TOKENS
from web.errors import install_error_handling
from web.limits import RequestLimits, refuse_marked
from web.routes.audits import audits
from web.routes.deadlines import deadlines
from web.routes.docs import api_docs
from web.routes.imports import MAX_IMPORT_BYTES, imports
from web.routes.members import members
from web.routes.policy import policy
from web.routes.reports import reports
from web.routes.rosters import rosters
from web.routes.system import system
from web.routes.what_if import what_if
from web.services import EXTENSION, ServiceProvider

MAX_BODY_BYTES = 1024 * 1024
# The largest body any endpoint takes (a register to import, as a file in the staff page's form):
# a chunked body is read no further than one byte past it (see web.limits).
LARGEST_BODY = max(MAX_BODY_BYTES, MAX_IMPORT_BYTES + FORM_OVERHEAD)


class ContractJSON(DefaultJSONProvider):
    sort_keys = False  # keep the schemas' field order, as the contract shows it

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        # Flask's `response` makes a new encoder for every answer; this one writes the same text.
        self._compact = json.JSONEncoder(ensure_ascii=self.ensure_ascii, sort_keys=self.sort_keys,
                                         separators=(",", ":"), default=self.default)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)  # indented, as Flask's
        body = self._compact.encode(self._prepare_response_obj(args, kwargs))
        response: Response = self._app.response_class(f"{body}\n", mimetype=self.mimetype)
        return response


def create_app(settings: Settings | None = None, service: CredentialService | None = None) -> Flask:
    """The API under `settings` (default: the defaults, with no token) over `service` (default:
    one on `settings.database_url`, opened on first use, so a server whose database is down still
    starts and says so on /health).

    With no token configured every protected endpoint answers 401: there are no defaults.
    A malformed tokens setting is refused here (TokenConfigError), before any request.
    """
    settings = settings or Settings()
    tokens = TokenBook.parse(settings.tokens)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json = ContractJSON(app)
    app.extensions[EXTENSION] = ServiceProvider(settings, service)
    app.extensions[TOKENS] = tokens
    install_error_handling(app)
    app.wsgi_app = RequestLimits(app.wsgi_app, LARGEST_BODY)  # type: ignore[method-assign]
    app.before_request(refuse_marked)
    for blueprint in (members, what_if, audits, deadlines, policy, reports, system, imports, rosters, api_docs):
        app.register_blueprint(blueprint)
    install_dashboard(app, tokens, settings)
    return app
