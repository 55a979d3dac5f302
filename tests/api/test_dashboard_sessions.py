"""How long a staff-page session lasts (issue 14, item 5): signing out ends it for good, on the
server, for every worker and process sharing the store (a saved copy of the cookie opens nothing
afterwards); 30 minutes without a request end it; and 8 hours after signing in it ends whatever
happens, the cookie never renewed past that. Times come from the service's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from api_support import TOKEN_CONFIG, TOKENS
from dashboard_support import CSRF_FIELD, csrf_token
from flask import Flask
from flask.testing import FlaskClient
from service_support import ServiceFactory, StepClock

from application.service import CredentialService
from application.settings import Settings
from web import create_app
from web.dashboard.access import IDLE_TIMEOUT, SESSION_LIFETIME

COOKIE = "credentials_session"


@pytest.fixture
def app(memory_service: CredentialService) -> Flask:
    return create_app(Settings(tokens=TOKEN_CONFIG), memory_service)


def signed_in(app: Flask, role: str = "staff") -> FlaskClient:
    client = app.test_client()
    response = client.post("/dashboard/login", data={"token": TOKENS[role]})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def cookie_of(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def with_cookie(app: Flask, value: str) -> FlaskClient:
    client = app.test_client()
    client.set_cookie(COOKIE, value)
    return client


def sign_out(client: FlaskClient) -> None:
    response = client.post("/dashboard/logout", data={CSRF_FIELD: csrf_token(client)})
    assert (response.status_code, response.headers["Location"]) == (303, "/dashboard/login")


def test_a_cookie_saved_before_signing_out_opens_nothing_afterwards(app: Flask) -> None:
    """Before, signing out only cleared the browser's copy: a saved copy still opened the pages."""
    client = signed_in(app)
    saved = cookie_of(client)
    sign_out(client)
    stolen = with_cookie(app, saved)
    response = stolen.get("/dashboard/members")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/dashboard/login")
    # ... nor can the saved copy be used to sign out again, or to reach the login form signed in.
    assert stolen.get("/dashboard/login").status_code == 200


def test_signing_out_in_one_process_ends_the_session_in_every_other(make_service: ServiceFactory) -> None:
    """Two apps over two services on one store stand for two workers (or two servers)."""
    first = create_app(Settings(tokens=TOKEN_CONFIG), make_service())
    second = create_app(Settings(tokens=TOKEN_CONFIG), make_service())
    client = signed_in(first)
    elsewhere = with_cookie(second, cookie_of(client))
    assert elsewhere.get("/dashboard/members").status_code == 200
    sign_out(client)
    assert elsewhere.get("/dashboard/members").status_code == 303


def test_signing_out_ends_only_that_session(app: Flask) -> None:
    one, other = signed_in(app), signed_in(app)
    sign_out(one)
    assert other.get("/dashboard/members").status_code == 200
    assert signed_in(app).get("/dashboard/members").status_code == 200  # signing in again starts a new one


def test_a_session_idle_for_30_minutes_ends(app: Flask, clock: StepClock) -> None:
    client = signed_in(app)
    clock.now += IDLE_TIMEOUT - timedelta(minutes=1)
    assert client.get("/dashboard/members").status_code == 200  # still in time: and it counts as activity
    clock.now += IDLE_TIMEOUT - timedelta(minutes=1)
    assert client.get("/dashboard/members").status_code == 200
    clock.now += IDLE_TIMEOUT + timedelta(seconds=1)
    response = client.get("/dashboard/members")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/dashboard/login")


def test_an_idle_session_cannot_be_revived_by_a_copy_of_an_older_cookie(app: Flask, clock: StepClock) -> None:
    client = signed_in(app)
    early = cookie_of(client)
    clock.now += timedelta(minutes=20)
    assert client.get("/dashboard/members").status_code == 200
    clock.now += timedelta(minutes=20)  # 40 minutes after the early copy was last used
    assert with_cookie(app, early).get("/dashboard/members").status_code == 303
    assert client.get("/dashboard/members").status_code == 200


def test_a_session_ends_8_hours_after_signing_in_however_busy(app: Flask, clock: StepClock) -> None:
    """Before, every answer renewed the cookie for 8 more hours: a cookie in use lasted forever."""
    client = signed_in(app)
    signed_in_at = clock.now
    while clock.now + timedelta(minutes=20) < signed_in_at + SESSION_LIFETIME - timedelta(minutes=1):
        clock.now += timedelta(minutes=20)  # never idle for long
        assert client.get("/dashboard/members").status_code == 200
    clock.now = signed_in_at + SESSION_LIFETIME + timedelta(seconds=1)
    assert client.get("/dashboard/members").status_code == 303


def test_the_cookie_expires_8_hours_after_signing_in_never_later(app: Flask, clock: StepClock) -> None:
    """The browser's expiry follows the session's eight hours: an answer three hours on (on the
    service's clock) leaves five, where before it gave eight more."""
    client = signed_in(app)
    first = client.get_cookie(COOKIE)
    assert first is not None
    assert first.expires is not None
    assert abs(first.expires - (datetime.now(UTC) + SESSION_LIFETIME)) < timedelta(seconds=30)
    for _ in range(9):  # three hours of work, a request every 20 minutes
        clock.now += timedelta(minutes=20)
        assert client.get("/dashboard/members").status_code == 200
    later = client.get_cookie(COOKIE)
    assert later is not None
    assert later.expires is not None
    assert abs(later.expires - (first.expires - timedelta(hours=3))) < timedelta(seconds=30)


def test_the_bearer_header_is_judged_without_a_session(app: Flask, clock: StepClock) -> None:
    """Scripts send the token itself on every request: no session, so nothing to expire."""
    client = app.test_client()
    clock.now += SESSION_LIFETIME * 2
    assert client.get("/dashboard/members", headers={"Authorization": f"Bearer {TOKENS['staff']}"}).status_code == 200
