"""Who may see the staff pages: the API's tokens and roles, carried by a session cookie.

A browser cannot send a bearer header when it follows a link, so staff paste their token
into the login form once; the session cookie then holds their role and a tag of the token
(an HMAC under the app's secret key), never the token itself. Every request checks that the
tag still matches a configured token of that role, so removing a token from
the tokens setting ends its sessions too. Scripts and tests may send
`Authorization: Bearer <token>` instead, exactly as to the API.

The cookie is signed (Flask's session), HttpOnly and SameSite=Strict: another site can
neither read it nor make the browser send it. Every form that changes something once signed in
(a correction, a policy version, signing out) also carries the session's CSRF token in a
hidden field, checked in constant time: 400 when it is missing or wrong. The login form comes
before any session, so it has no token to carry: it is refused when posted from another site
(its Origin), and it needs a token that only its holder knows anyway.

A session ends for good when its holder signs out: the session's random id is recorded as ended
in the store (application.session_revocations), which every request of a session asks, so a copy
of the cookie saved before opens nothing afterwards, in any worker or process. It also ends 30
minutes after its last request (IDLE_TIMEOUT) and 8 hours after signing in (SESSION_LIFETIME),
however busy: the cookie carries both times, signed, and its expiry is never moved past the
eight hours. Times are the service's clock's.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Response as BaseResponse

from application.settings import Settings
from web.auth import ROLE_PERMISSIONS, Permission, TokenBook, authorize, token_digest
from web.dashboard.blueprint import dashboard
from web.endpoint import TOKENS
from web.errors import ApiError
from web.services import service

SESSION_LIFETIME = timedelta(hours=8)  # a working day from signing in: then the token is asked for again
IDLE_TIMEOUT = timedelta(minutes=30)  # a screen left signed in ends sooner
# The last request's time is written into the cookie at most this often (a new cookie each time):
# the idle timeout is judged to within it.
SEEN_STEP = timedelta(minutes=1)
ROLE, TAG, CSRF = "role", "token_tag", "csrf_token"
SESSION_ID, SIGNED_IN, SEEN = "session_id", "signed_in_at", "seen_at"  # the times: POSIX seconds
CSRF_FIELD = "csrf_token"  # the hidden field of every form that changes something
# What a role needs to sign in at all: every role with a page may read members, so one that may not
# (a provider's) is refused at the login form rather than given a session no page would admit.
DASHBOARD_PERMISSION = Permission.READ
BEARER = re.compile(r"^bearer\s+", re.IGNORECASE)  # what a token pasted with its header starts with


def session_secret(book: TokenBook, configured: str = "") -> bytes:
    """The configured secret key when set; else derived from every configured token.

    gunicorn runs several workers, each building its own app: a random key per process
    would make a cookie signed by one worker unreadable by the next. Deriving it from all
    the tokens gives every worker the same key, one that a holder of a single token cannot
    compute, and a new key (so new logins) whenever the tokens change."""
    if configured:
        return configured.encode()
    if not book.entries:
        return secrets.token_bytes(32)  # nobody can log in; nothing to share between workers
    material = b"".join(role.encode() + b":" + digest for role, digest in sorted(book.entries))
    return hmac.new(b"credentials dashboard session", material, hashlib.sha256).digest()


class PageSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, costing nothing to a request that carries no session cookie
    (every API call): Flask's own builds a signer for every request, and looks up seven cookie
    settings after it, whether or not there is a cookie (measured: 12 µs of GET /health's 170 µs
    in the app, before). The signer is built once per key."""

    def __init__(self) -> None:
        self._signers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        if keys not in self._signers:
            self._signers[keys] = super().get_signing_serializer(app)
        return self._signers[keys]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and ("Cookie" not in request.headers  # the cookies unparsed: no Cookie header
                               or not request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: BaseResponse) -> None:
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)  # type: ignore[arg-type]

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        """The cookie's expiry: when the session's eight hours end, never later (Flask's own would
        give eight hours from each answer). What is left is measured on the service's clock, the
        expiry written on the browser's."""
        left = g.get("session_left")
        if isinstance(left, timedelta):
            return datetime.now(UTC) + left
        return super().get_expiration_time(app, session)


def configure_sessions(app: Flask, book: TokenBook, settings: Settings) -> None:
    app.secret_key = session_secret(book, settings.secret_key)
    app.session_interface = PageSessions()
    app.config.update(
        SESSION_COOKIE_NAME="credentials_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        # Set behind a TLS-terminating proxy: the browser then sends the cookie over HTTPS only.
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # The cookie is sent again only when the session changed (its last request's time, at most
        # once every SEEN_STEP), not with every answer.
        SESSION_REFRESH_EACH_REQUEST=False,
    )


def _book() -> TokenBook:
    book: TokenBook = current_app.extensions[TOKENS]
    return book


def _tag(token_digest: bytes) -> str:
    key = current_app.secret_key
    assert isinstance(key, bytes)
    return hmac.new(key, token_digest, hashlib.sha256).hexdigest()


def _session_role() -> str | None:
    role, tag = session.get(ROLE), session.get(TAG)
    if not isinstance(role, str) or not isinstance(tag, str):
        return None
    if not _session_lasts():
        return None
    book = _book()
    matches = [place for place, (_, digest) in enumerate(book.entries) if hmac.compare_digest(_tag(digest), tag)]
    for place in matches:
        if book.entries[place][0] == role:
            g.recorded_by = book.recorded_by(place)  # who the facts this request records are recorded by
            return role
    return None


def _session_lasts() -> bool:
    """Whether the session is neither signed out of, idle past IDLE_TIMEOUT, nor older than
    SESSION_LIFETIME; if it lasts, this request counts as its latest."""
    session_id, signed_in_at, seen_at = session.get(SESSION_ID), session.get(SIGNED_IN), session.get(SEEN)
    if not isinstance(session_id, str) or not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return False  # made before sessions had ids and times: signed in again
    now = service().clock()
    signed_in, seen = _moment(signed_in_at), _moment(seen_at)
    if now - signed_in >= SESSION_LIFETIME or now - seen >= IDLE_TIMEOUT or service().session_ended(session_id):
        return False
    g.session_left = signed_in + SESSION_LIFETIME - now
    if now - seen >= SEEN_STEP:
        session[SEEN] = int(now.timestamp())
    return True


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _may(role: str, permission: Permission) -> None:
    if permission not in ROLE_PERMISSIONS[role]:
        raise ApiError(403, "forbidden", f"the {role} role may not {permission.value}: "
                       f"ask for a token of a role that may", {"role": role, "permission": permission.value})


def page(permission: Permission) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Guards a page: a bearer header is judged as by the API (401/403); without one, the
    session's role (403 when it lacks `permission`); with neither, off to the login page."""

    def guard(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def guarded(**values: Any) -> Any:
            if "Authorization" in request.headers:
                g.role = authorize(_book(), permission)
            else:
                role = _session_role()
                if role is None:
                    if session:
                        session.clear()  # a stale or revoked session: drop it
                    return redirect(url_for("dashboard.login", next=_here()), 303)
                g.role = role
                _may(role, permission)
            return view(**values)

        return guarded

    return guard


def form(permission: Permission) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Guards a form that changes something: as `page` (so 403 for a role without `permission`),
    then the session's CSRF token (400 when it is missing or wrong)."""

    def guard(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(**values: Any) -> Any:
            check_csrf()
            return view(**values)

        return page(permission)(checked)

    return guard


def csrf_token() -> str:
    """The session's token for the forms that change something, made on first use."""
    token = session.get(CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF] = token
    return token


def check_csrf() -> None:
    expected, sent = session.get(CSRF), request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(
            expected.encode(), sent.encode("utf-8", "surrogateescape")):
        raise ApiError(400, "csrf_token_invalid", "this form is out of date or did not come from this site: "
                       "reload the page and send it again", {CSRF_FIELD: ["missing or wrong"]})


@dashboard.context_processor
def _form_context() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "csrf_field": CSRF_FIELD}


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _landing(role: str, wanted: str | None) -> str:
    """Where to go after login: the page asked for, if it is one of ours; else the
    dashboard, or the member search for a role that may not see the reports."""
    if wanted and _is_our_page(wanted):
        return wanted
    if Permission.REPORT in ROLE_PERMISSIONS[role]:
        return url_for("dashboard.overview")
    return url_for("dashboard.member_search")


def _is_our_page(wanted: str) -> bool:
    # Printable ASCII only: a control character would break the Location header, and
    # anything else is not a link the dashboard itself made.
    if not all(" " < c < "\x7f" for c in wanted) or "\\" in wanted:
        return False
    try:
        parts = urlsplit(wanted)
    except ValueError:  # e.g. "//[": not a URL at all
        return False
    return not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard")


def _from_another_site() -> bool:
    """Belt and braces beside SameSite=Strict: browsers send Origin on a POST."""
    origin = request.headers.get("Origin")
    return origin is not None and origin != request.host_url.rstrip("/")


@dashboard.get("/dashboard/login")
def login() -> Any:
    role = _session_role()
    if role is not None:
        return redirect(_landing(role, request.args.get("next")), 303)
    return render_template("dashboard/login.html", next=request.args.get("next", ""), problem=None)


def pasted_token(text: str) -> str:
    """The token as pasted: `credentials serve --dev` prints it with its header's `Bearer ` (and
    the API's docs show it so), so that prefix, in any case, and surrounding spaces are dropped.
    A token never holds a space, so nothing of a real token is lost."""
    text = text.strip()
    return BEARER.sub("", text, count=1).strip()


@dashboard.post("/dashboard/login")
def login_submit() -> Any:
    if _from_another_site():
        raise ApiError(403, "forbidden", "a login from another site is refused")
    token = pasted_token(request.form.get("token", ""))
    wanted = request.form.get("next") or None
    role = _book().role_of(token) if token else None
    if role is None:
        problem = "Paste a token." if not token else "That token is not recognised."
        return render_template("dashboard/login.html", next=wanted or "", problem=problem), 401
    if DASHBOARD_PERMISSION not in ROLE_PERMISSIONS[role]:
        # A provider's token reports rosters through the API; no page is for it, so no session is made.
        problem = f"The {role} role has no pages here: its token is for the API only."
        return render_template("dashboard/login.html", next=wanted or "", problem=problem), 403
    session.clear()
    session.permanent = True  # expires after SESSION_LIFETIME, not only when the browser closes
    session[ROLE] = role
    session[TAG] = _tag(token_digest(token))
    now = int(service().clock().timestamp())
    session[SESSION_ID] = secrets.token_urlsafe(32)  # what signing out records as ended
    session[SIGNED_IN] = session[SEEN] = now
    g.session_left = SESSION_LIFETIME
    return redirect(_landing(role, wanted), 303)


@dashboard.post("/dashboard/logout")
def logout() -> BaseResponse:
    if _from_another_site():
        raise ApiError(403, "forbidden", "a logout from another site is refused")
    if _session_role() is not None:  # signing out of an expired session forges nothing
        check_csrf()
        # For good: a copy of the cookie kept elsewhere is refused from now on, by every worker.
        service().end_session(session[SESSION_ID])
    session.clear()
    return redirect(url_for("dashboard.login"), 303)
