"""Access control: bearer tokens per role, compared in constant time, never shown (that a real
server never logs them is tests/e2e/test_server_logs.py)."""

from __future__ import annotations

import pytest
from api_support import TOKENS, Api, api_on, refused

from application.settings import Settings
from web import create_app
from web.auth import TokenBook, TokenConfigError

# Configured tokens are at least 32 characters long (web.auth.MIN_TOKEN_LENGTH).
FROM_ENV = "from-env-0123456789abcdefghijklmnop"
NAMED = "named-token-0123456789abcdefghijklm"


@pytest.fixture
def api(make_service) -> Api:
    api = api_on(make_service())
    api.renewed_member("m-1", "2025-06-01")
    return api


WRITE = [
    ("POST", "/members/m-2/certifications", {"certification": "CPT", "certified_on": "2024-03-01"}),
    ("POST", "/members/m-1/activities", {"category": "acsm_workshop", "title": "W", "completed_on": "2026-01-10",
                                         "hours": 2}),
    ("POST", "/members/m-1/renewals", {"submitted_on": "2026-01-10"}),
]
AUDIT = [
    ("POST", "/members/m-1/audits", {"selected_on": "2026-03-01"}),
    ("POST", "/audits/selections", {"renewal_year": 2025, "rate": 0, "seed": "s"}),
]
CORRECT = [
    ("POST", "/members/m-1/withdrawals", {"fact_id": "999", "reason": "in error"}),
    ("POST", "/members/m-1/activities/a-1/amendments", {"category": "acsm_workshop", "title": "W",
                                                        "completed_on": "2026-01-10", "hours": 2, "reason": "typo"}),
]
SET_POLICY = [
    ("POST", "/policy/versions", {"version": "2027-01-01", "effective_from": "2027-01-01", "values": {}}),
    ("POST", "/policy/versions/2012-06-01/withdrawal", {"reason": "in error"}),
]
READ = [("GET", "/members/m-1/status", None), ("GET", "/members/m-1/history", None),
        ("GET", "/members/m-1/revisions", None), ("GET", "/policy", None)]
REPORT = [
    ("GET", "/reports/status-counts", None),
    ("GET", "/reports/renewals-due?year=2025", None),
    ("GET", "/reports/audits?year=2026", None),
    ("GET", "/reports/cec-categories?year=2025", None),
    ("GET", "/reports/revisions", None),
]
ALLOWED = {
    "staff": WRITE + AUDIT + CORRECT + SET_POLICY + READ + REPORT,
    "auditor": AUDIT + READ,
    "reporter": READ + REPORT,
}
EVERY = WRITE + AUDIT + CORRECT + SET_POLICY + READ + REPORT


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_may_do_what_the_contract_says_and_nothing_else(api: Api, role: str) -> None:
    for method, path, body in EVERY:
        response = api.call(method, path, role=role, body=body)
        if (method, path, body) in ALLOWED[role]:
            # Past the role check; the amendment names no activity of the member's, so it is refused for that.
            if response.status_code == 404:
                refused(response, 404, "activity_not_found")
            else:
                assert response.status_code in (200, 201, 422), (role, path, response.get_json())
        else:
            error = refused(response, 403, "forbidden")
            assert error["details"]["role"] == role


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Bearer wrong-token", "Basic c3RhZmY6eA==",
                                           f"Token {TOKENS['staff']}", f"Bearer {TOKENS['staff']}x"])
def test_no_or_an_unknown_token_answers_401(api: Api, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path, body in EVERY:
        response = api.call(method, path, role=None, body=body, headers=headers)
        refused(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_scheme_is_case_insensitive(api: Api) -> None:
    response = api.call("GET", "/members/m-1/status", role=None, headers={"Authorization": f"bearer {TOKENS['staff']}"})
    assert response.status_code == 200


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_every_role_may_read_the_policy_book(api: Api, role: str) -> None:
    """http-api.md 1.1, Policy: `GET /policy` (every role)."""
    assert api.get("/policy", role=role).status_code == 200


@pytest.mark.parametrize("role", ["auditor", "reporter"])
def test_only_staff_may_correct_facts_or_set_policy(api: Api, role: str) -> None:
    """http-api.md 1.1: corrections (role: staff); `POST /policy/versions` and its withdrawal (staff); nothing is
    recorded for the refused role."""
    recorded = api.events("m-1")
    for method, path, body in CORRECT + SET_POLICY:
        refused(api.call(method, path, role=role, body=body), 403, "forbidden")
    assert api.events("m-1") == recorded
    assert [v["version"] for v in api.versions()] == ["2012-06-01"]


def test_health_and_openapi_need_no_token(api: Api) -> None:
    assert api.get("/health", role=None).status_code == 200
    assert api.get("/openapi.json", role=None).status_code == 200


def test_with_no_tokens_configured_nothing_protected_is_open(make_service) -> None:
    client = create_app(Settings(tokens=""), make_service()).test_client()
    refused(client.get("/members/m-1/status", headers={"Authorization": "Bearer "}), 401)
    refused(client.get("/members/m-1/status", headers={"Authorization": "Bearer staff"}), 401)
    assert client.get("/health").status_code == 200


def test_tokens_come_from_the_environment(make_service) -> None:
    settings = Settings.from_environment({"CREDENTIALS_TOKENS": f"reporter:{FROM_ENV}, staff:ana:{NAMED}"})
    client = create_app(settings, make_service()).test_client()
    assert client.get("/reports/audits?year=2026", headers={"Authorization": f"Bearer {FROM_ENV}"}).status_code == 200
    assert client.get("/reports/audits?year=2026", headers={"Authorization": f"Bearer {NAMED}"}).status_code == 200


@pytest.mark.parametrize("config", ["staff", "admin:sekrit-1", "staff:", ":sekrit-1", "staff: ",
                                    f"staff:{FROM_ENV},boss:sekrit-1", "sekrit-1"])
def test_a_malformed_token_configuration_is_refused_without_echoing_tokens(config: str) -> None:
    with pytest.raises(TokenConfigError) as raised:
        TokenBook.parse(config)
    assert "sekrit" not in str(raised.value)


def test_token_book_never_shows_its_tokens() -> None:
    book = TokenBook.parse(f"staff:{NAMED}")
    assert NAMED not in repr(book)
    assert book.role_of(NAMED) == "staff"
    assert book.role_of(NAMED[:-1]) is None


def _refusal(config: str) -> str:
    with pytest.raises(TokenConfigError) as raised:
        TokenBook.parse(config)
    return str(raised.value)


def test_a_token_shorter_than_32_characters_is_refused_without_echoing_it() -> None:
    """issue 14: `staff:a` was accepted."""
    message = _refusal(f"reporter:{FROM_ENV},staff:sekrit-0123456789abcdefghijk")  # 31 characters
    assert "entry 2" in message
    assert "shorter than 32" in message
    assert "sekrit" not in message
    assert TokenBook.parse(f"staff:{'x' * 32}").role_of("x" * 32) == "staff"


def test_a_token_under_two_roles_is_refused_without_echoing_it() -> None:
    """issue 14: the same token under two roles silently got the first."""
    message = _refusal(f"reporter:{FROM_ENV},staff:{NAMED},auditor:{FROM_ENV}")
    assert "entries 1 and 3" in message
    assert "same token" in message
    assert FROM_ENV not in message


def test_a_token_twice_under_one_role_is_refused_too() -> None:
    assert "same token" in _refusal(f"staff:ana:{NAMED},staff:ben:{NAMED}")


def test_a_swapped_token_role_entry_is_refused_without_echoing_the_token() -> None:
    """issue 14: `token:role` printed the token as an unknown role."""
    message = _refusal(f"{NAMED}:staff")
    assert NAMED not in message
    assert "named-token" not in message
    assert "token:role" in message


def test_a_token_never_contains_a_colon() -> None:
    """http-api.md 1.1: an entry is `role:token` or `role:name:token`; a fourth part is malformed."""
    message = _refusal(f"staff:ana:extra:{NAMED}")
    assert "role:name:token" in message
    assert "extra" not in message
    assert NAMED not in message


def test_an_entry_may_name_its_holder() -> None:
    book = TokenBook.parse(f"staff:ana.lopez:{NAMED},reporter:{FROM_ENV}")
    assert book.asker(NAMED) is not None
    assert (book.asker(NAMED).role, book.asker(NAMED).recorded_by) == (
        "staff", "ana.lopez")
    assert book.asker(FROM_ENV) is not None
    assert book.asker(FROM_ENV).recorded_by == "reporter"


@pytest.mark.parametrize("name", ["system", "import", "cli", "demo", "ana lopez", "-ana", "a" * 65])
def test_a_token_may_not_be_named_as_the_service_records_its_own_facts_or_oddly(name: str) -> None:
    """`system` and `import` say who recorded the facts no token asked for: no token may claim them."""
    message = _refusal(f"staff:{name}:{NAMED}")
    assert "name" in message
    assert NAMED not in message


def test_a_token_with_a_space_or_outside_printable_ascii_is_refused() -> None:
    """A token an Authorization header cannot carry as configured would never match."""
    for token in (f"{NAMED} x", f"{NAMED}é"):
        assert NAMED not in _refusal(f"staff:{token}")
