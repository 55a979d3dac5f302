"""Helpers for the HTTP API tests: an app on the test's store (SQLite or PostgreSQL, via
the `make_service` fixture), one token per role, and a client that speaks the contract."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from application.service import CredentialService
from application.settings import Settings
from web import create_app

# Each at least 32 characters, as a configured token must be (web.auth.MIN_TOKEN_LENGTH).
TOKENS = {"staff": "staff-secret-token-0123456789abcdef", "auditor": "auditor-secret-token-0123456789abcdef",
          "reporter": "reporter-secret-token-0123456789abcdef", "provider": "provider-secret-token-0123456789abcdef"}
TOKEN_CONFIG = ",".join(f"{role}:{token}" for role, token in TOKENS.items())


class Api:
    """The Flask test client, with the role's bearer token on every call."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def call(self, method: str, path: str, *, role: str | None = "staff", body: Any = None,
             headers: dict[str, str] | None = None, **query: Any) -> TestResponse:
        sent = dict(headers or {})
        if role is not None:
            sent["Authorization"] = f"Bearer {TOKENS[role]}"
        return self.client.open(path, method=method, json=body, headers=sent, query_string=query or None)

    def get(self, path: str, *, role: str | None = "staff", **query: Any) -> TestResponse:
        return self.call("GET", path, role=role, **query)

    def post(self, path: str, body: Any, *, role: str | None = "staff", key: str | None = None) -> TestResponse:
        return self.call("POST", path, role=role, body=body, headers={"Idempotency-Key": key} if key else None)

    # --- scenario steps: each asserts the command was accepted ----------------------

    def ok(self, response: TestResponse, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.get_data(as_text=True)
        body: dict[str, Any] = response.get_json()
        return body

    def certify(self, member: str, certification: str = "CPT", on: str = "2022-03-01", **extra: Any) -> dict[str, Any]:
        body = {"certification": certification, "certified_on": on, **extra}
        return self.ok(self.post(f"/members/{member}/certifications", body))

    def workshop(self, member: str, on: str, hours: float = 15, **extra: Any) -> dict[str, Any]:
        body = {"category": "acsm_workshop", "title": f"Workshop {on}", "completed_on": on, "hours": hours, **extra}
        return self.ok(self.post(f"/members/{member}/activities", body))

    def renewed_member(self, member: str, renewed_on: str = "2025-06-01") -> None:
        """CPT certified 2022-03-01 (cycle to 2025-12-31), 45 CECs, renewed on `renewed_on`."""
        self.certify(member, "CPT", "2022-03-01")
        for day in ("2023-02-01", "2023-09-01", "2024-04-01"):
            self.workshop(member, day, 15)
        self.ok(self.post(f"/members/{member}/renewals", {"submitted_on": renewed_on}))

    # --- reading back, to check what was (or was not) recorded --------------------------

    def events(self, member: str) -> list[dict[str, Any]]:
        """The member's history events, as GET history lists them."""
        events: list[dict[str, Any]] = self.ok(self.get(f"/members/{member}/history"), 200)["events"]
        return events

    def fact_id(self, member: str, type_: str, index: int = 0) -> str:
        """The `fact_id` of the member's `index`-th listed event of type `type_`."""
        return str([e for e in self.events(member) if e["type"] == type_][index]["fact_id"])

    def versions(self, **query: Any) -> list[dict[str, Any]]:
        """The policy versions, as GET /policy lists them."""
        versions: list[dict[str, Any]] = self.ok(self.get("/policy", **query), 200)["versions"]
        return versions

    def adopt(self, version: str, effective_from: str, values: dict[str, Any]) -> dict[str, Any]:
        body = {"version": version, "effective_from": effective_from, "values": values}
        return self.ok(self.post("/policy/versions", body))


def refused(response: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """Asserts the contract's error shape, status and (if given) machine code."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["details"], dict)
    if code is not None:
        assert body["error"]["code"] == code, body
    return dict(body["error"])


def api_on(service: CredentialService) -> Api:
    """The API over `service`, with every role's token configured."""
    return Api(create_app(Settings(tokens=TOKEN_CONFIG), service).test_client())
