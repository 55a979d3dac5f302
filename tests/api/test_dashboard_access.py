"""Who may see the staff pages: a token pasted once into the login form becomes a signed,
HttpOnly, SameSite=Strict session cookie holding the role (never the token); scripts may
send the bearer header instead. Judged like the API: 401 without a known token, 403 for a
role without the right. Every form that changes something once signed in carries the
session's CSRF token: 400 without it."""

from __future__ import annotations

import pytest
from api_support import TOKEN_CONFIG, TOKENS
from dashboard_support import CSRF_FIELD, Page, csrf_token
from flask import Flask
from flask.testing import FlaskClient

from application.service import CredentialService
from application.settings import Settings
from web import create_app

COOKIE = "credentials_session"


@pytest.fixture
def app(memory_service: CredentialService) -> Flask:
    return create_app(Settings(tokens=TOKEN_CONFIG), memory_service)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, role: str, next_page: str = "") -> str:
    response = client.post("/dashboard/login", data={"token": TOKENS[role], "next": next_page})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def session_of(app: Flask, client: FlaskClient) -> dict[str, object]:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    loaded: dict[str, object] = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    return loaded


def test_without_a_session_pages_send_the_browser_to_the_login_form(client: FlaskClient) -> None:
    for path in ("/dashboard?year=2025", "/dashboard/members", "/dashboard/members/m-1"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/dashboard/login?next=")
    form = client.get("/dashboard/login?next=/dashboard")
    assert form.status_code == 200
    assert 'name="token"' in form.get_data(as_text=True)
    assert 'type="password"' in form.get_data(as_text=True)


def test_a_wrong_token_is_refused_with_401_and_no_cookie(client: FlaskClient) -> None:
    for token in ("not-a-token", ""):
        response = client.post("/dashboard/login", data={"token": token})
        assert response.status_code == 401
        assert "not recognised" in response.get_data(as_text=True) or "Paste a token" in response.get_data(as_text=True)
        assert client.get_cookie(COOKIE) is None


def test_login_sets_a_strict_httponly_cookie_holding_the_role_not_the_token(app: Flask, client: FlaskClient) -> None:
    assert login(client, "staff") == "/dashboard"
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Strict"
    assert cookie.expires is not None  # a lifetime, not a forever cookie
    content = session_of(app, client)
    assert content["role"] == "staff"
    assert TOKENS["staff"] not in cookie.value
    assert all(TOKENS["staff"] not in str(value) for value in content.values())
    assert client.get("/dashboard").status_code == 200


def test_behind_tls_the_cookie_is_marked_secure(memory_service: CredentialService) -> None:
    client = create_app(Settings(tokens=TOKEN_CONFIG, secure_cookies=True), memory_service).test_client()
    response = client.post("/dashboard/login", data={"token": TOKENS["staff"]}, base_url="https://localhost")
    assert response.status_code == 303
    assert "; Secure" in response.headers["Set-Cookie"]


def test_logout_ends_the_session(client: FlaskClient) -> None:
    login(client, "reporter")
    assert client.get("/dashboard").status_code == 200
    response = client.post("/dashboard/logout", data={CSRF_FIELD: csrf_token(client)})
    assert (response.status_code, response.headers["Location"]) == (303, "/dashboard/login")
    assert client.get("/dashboard").status_code == 303


@pytest.mark.parametrize("sent", [None, "", "not-the-token"])
def test_signing_out_without_the_sessions_csrf_token_is_refused_and_keeps_the_session(
        client: FlaskClient, sent: str | None) -> None:
    """A form posted from another site cannot carry the token, so it changes nothing."""
    login(client, "reporter")
    response = client.post("/dashboard/logout", data={} if sent is None else {CSRF_FIELD: sent})
    assert response.status_code == 400
    assert Page.read(response.get_data(as_text=True)).one(data_status="400").attrs["data-code"] == "csrf_token_invalid"
    assert client.get("/dashboard").status_code == 200


def test_each_session_gets_its_own_csrf_token(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    login(first, "staff")
    login(second, "staff")
    assert csrf_token(first) != csrf_token(second)
    # A token is good only for the session it was made for.
    refused = second.post("/dashboard/logout", data={CSRF_FIELD: csrf_token(first)})
    assert refused.status_code == 400
    before = csrf_token(first)
    first.post("/dashboard/logout", data={CSRF_FIELD: before})
    login(first, "staff")
    assert csrf_token(first) != before  # a new login starts a new session, with a new token


def test_an_auditor_reads_members_but_not_the_reports(client: FlaskClient) -> None:
    assert login(client, "auditor") == "/dashboard/members"  # not a page it would be refused
    refused = client.get("/dashboard")
    assert refused.status_code == 403
    assert refused.mimetype == "text/html"
    assert "the auditor role may not report" in refused.get_data(as_text=True)
    assert client.get("/dashboard/members").status_code == 200


def test_login_returns_to_the_page_asked_for_but_never_off_site(client: FlaskClient) -> None:
    assert login(client, "staff", "/dashboard/members?q=ada") == "/dashboard/members?q=ada"
    for elsewhere in ("https://evil.example/dashboard", "//evil.example/dashboard", "/members/x/status",
                      "/dashboard\\@evil.example", "//[", "/dashboard\r\nSet-Cookie: x=1", "/dashboard/\u00e9"):
        client.post("/dashboard/logout", data={CSRF_FIELD: csrf_token(client)})
        assert login(client, "staff", elsewhere) == "/dashboard"


def test_a_login_or_logout_posted_from_another_site_is_refused(client: FlaskClient) -> None:
    other = {"Origin": "https://evil.example"}
    response = client.post("/dashboard/login", data={"token": TOKENS["staff"]}, headers=other)
    assert response.status_code == 403
    assert client.get_cookie(COOKIE) is None
    login(client, "staff")
    assert client.post("/dashboard/logout", headers=other).status_code == 403
    assert client.get("/dashboard").status_code == 200


def test_pages_accept_the_bearer_header_like_the_api(client: FlaskClient) -> None:
    assert client.get("/dashboard", headers={"Authorization": f"Bearer {TOKENS['reporter']}"}).status_code == 200
    unknown = client.get("/dashboard", headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401
    assert unknown.headers["WWW-Authenticate"].startswith("Bearer")
    assert unknown.mimetype == "text/html"
    assert client.get("/dashboard", headers={"Authorization": f"Bearer {TOKENS['auditor']}"}).status_code == 403


def test_the_session_never_authorizes_the_api(client: FlaskClient) -> None:
    # The JSON API reads only the bearer header, so a cross-site request riding on the
    # cookie can do nothing there.
    login(client, "staff")
    assert client.get("/reports/audits?year=2026").status_code == 401


def test_every_worker_accepts_the_cookie_and_changed_tokens_end_it(memory_service: CredentialService) -> None:
    # Under gunicorn each worker builds its own app from the same configuration.
    settings = Settings(tokens=TOKEN_CONFIG)
    first, second = create_app(settings, memory_service), create_app(settings, memory_service)
    client = first.test_client()
    login(client, "staff")
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    other = second.test_client()
    other.set_cookie(COOKIE, cookie.value)
    assert other.get("/dashboard").status_code == 200
    rotated_tokens = f"staff:a-new-token-0123456789abcdefghijk,reporter:{TOKENS['reporter']}"
    rotated = create_app(Settings(tokens=rotated_tokens), memory_service).test_client()
    rotated.set_cookie(COOKIE, cookie.value)
    assert rotated.get("/dashboard").status_code == 303
    # With a configured key the key survives the change, but the removed token's sessions do not.
    secret = "a configured secret key"
    keyed = create_app(Settings(tokens=TOKEN_CONFIG, secret_key=secret), memory_service).test_client()
    login(keyed, "staff")
    keyed_cookie = keyed.get_cookie(COOKIE)
    assert keyed_cookie is not None
    without_staff = create_app(Settings(tokens=f"reporter:{TOKENS['reporter']}", secret_key=secret),
                               memory_service).test_client()
    without_staff.set_cookie(COOKIE, keyed_cookie.value)
    assert without_staff.get("/dashboard").status_code == 303


def test_a_forged_session_is_not_accepted(app: Flask, client: FlaskClient) -> None:
    forger = Flask("forger")
    forger.secret_key = "guessed"
    forged = forger.session_interface.get_signing_serializer(forger).dumps({"role": "staff"})  # type: ignore[attr-defined]
    client.set_cookie(COOKIE, forged)
    assert client.get("/dashboard").status_code == 303
    # Signed with the right key but without a tag of a configured token: still no.
    right_key_no_tag = app.session_interface.get_signing_serializer(app).dumps({"role": "staff", "token_tag": "x"})  # type: ignore[attr-defined]
    client.set_cookie(COOKIE, right_key_no_tag)
    assert client.get("/dashboard").status_code == 303


def test_pages_are_not_cached_and_load_nothing_from_elsewhere(client: FlaskClient) -> None:
    login(client, "staff")
    response = client.get("/dashboard")
    assert response.headers["Cache-Control"] == "no-store"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    html = response.get_data(as_text=True)
    assert "<script" not in html
    assert "http://" not in html
    assert "https://" not in html
    css = client.get("/dashboard/static/dashboard.css")
    assert (css.status_code, css.mimetype) == (200, "text/css")
