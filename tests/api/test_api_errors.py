"""One error shape for everything; unknown routes and methods; no 500 for bad input, and
an unexpected failure answers a generic 500 whose request id leads to the logged cause."""

from __future__ import annotations

import logging
import sys

import pytest
from api_support import TOKEN_CONFIG, TOKENS, Api, api_on, refused
from flask import Flask

from application.service import CredentialService
from application.settings import Settings, SettingsError
from web import create_app


@pytest.fixture
def api(make_service) -> Api:
    return api_on(make_service())


def test_an_unknown_route_answers_404_in_the_error_shape(api: Api) -> None:
    refused(api.get("/members"), 404, "not_found")
    refused(api.get("/nothing/here", role=None), 404, "not_found")


def test_a_wrong_method_answers_405_with_allow(api: Api) -> None:
    response = api.call("DELETE", "/members/m-1/status")
    refused(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    refused(api.call("GET", "/members/m-1/renewals"), 405, "method_not_allowed")


def test_every_answer_carries_a_request_id(api: Api) -> None:
    ids = {api.get("/health", role=None).headers["X-Request-Id"], api.get("/nope").headers["X-Request-Id"],
           api.get("/members/x/status", role=None).headers["X-Request-Id"]}
    assert len(ids) == 3


def test_an_oversized_body_answers_413(api: Api) -> None:
    body = {"certification": "CPT", "certified_on": "2024-03-01", "name": "x" * 2_000_000}
    refused(api.post("/members/m-1/certifications", body), 413, "body_too_large")


def test_an_unexpected_failure_answers_a_generic_500_and_logs_the_cause(
        api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    api.certify("m-1", "CPT", "2024-03-01")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals: connection string postgresql://user:pw@db")

    monkeypatch.setattr(CredentialService, "status", broken)
    response = api.get("/members/m-1/status")
    error = refused(response, 500, "internal_error")
    request_id = response.headers["X-Request-Id"]
    assert error["details"] == {"request_id": request_id}
    assert "secret" not in response.get_data(as_text=True)
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert request_id in logged[0].getMessage()
    assert "secret internals" in caplog.text  # the cause is in the log, for whoever has the id


def test_when_storage_does_not_answer_health_is_503_and_requests_503() -> None:
    # Nothing listens on port 9: the store cannot be opened.
    settings = Settings(database_url="postgresql://root@127.0.0.1:9/nothing", tokens=TOKEN_CONFIG)
    client = create_app(settings).test_client()
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable"}
    response = client.get("/members/m-1/status", headers={"Authorization": f"Bearer {TOKENS['staff']}"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "storage_unavailable"


def test_a_malformed_database_url_is_refused_when_the_settings_are_read() -> None:
    with pytest.raises(SettingsError, match="CREDENTIALS_DATABASE_URL"):
        Settings.from_environment({"CREDENTIALS_DATABASE_URL": "mysql://nope"})


def test_health_answers_ok_when_storage_answers(api: Api) -> None:
    response = api.get("/health", role=None)
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_no_app_or_service_is_built_at_import_time() -> None:
    modules = [m for name, m in sys.modules.items() if name == "web" or name.startswith("web.")]
    assert len(modules) > 5
    built = [(m.__name__, name) for m in modules for name, value in vars(m).items()
             if isinstance(value, (Flask, CredentialService))]
    assert built == []
