"""The API's documentation: the interactive reference at /docs, served from vendored files under a
strict policy, and docs/http-api.md, the contract in words, kept equal to what is served."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from api_support import Api, api_on

from application.service import CredentialService

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "http-api.md"
VENDORED = ROOT / "web" / "static" / "vendor" / "swagger-ui"
# `GET /members/{member_id}/status` as the contract writes an operation (a query after it or not).
OPERATION = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)")


@pytest.fixture
def api(memory_service: CredentialService) -> Api:
    return api_on(memory_service)


def operations_written() -> set[tuple[str, str]]:
    return {(method, re.sub(r"\{[^}]*\}", "{}", path)) for method, path in OPERATION.findall(CONTRACT.read_text())}


def operations_served(api: Api) -> set[tuple[str, str]]:
    spec = api.get("/openapi.json", role=None).get_json()
    return {(method.upper(), re.sub(r"\{[^}]*\}", "{}", path)) for path, item in spec["paths"].items()
            for method in item}


def test_every_operation_served_is_written_in_the_contract(api: Api) -> None:
    """An integrator reading docs/http-api.md meets every operation /openapi.json describes."""
    assert operations_served(api) - operations_written() == set()


def test_every_operation_written_in_the_contract_is_served(api: Api) -> None:
    """Nothing in the contract's words is missing from the service (a renamed path would be)."""
    assert operations_written() - operations_served(api) == set()


def test_the_reference_page_is_open_to_all_and_loads_only_this_servers_scripts(api: Api) -> None:
    page = api.get("/docs", role=None)
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe" not in policy
    scripts = re.findall(r'<script src="([^"]+)"', page.get_data(as_text=True))
    assert scripts == ["/docs/assets/swagger-ui-bundle.js", "/docs/assets/api-docs.js"]
    for script in scripts:
        assert api.get(script, role=None).status_code == 200


def test_the_reference_assets_may_be_cached_but_its_page_may_not(api: Api) -> None:
    """The vendored files change only with a release; the page names this server's own paths."""
    assert api.get("/docs/assets/swagger-ui.css", role=None).headers["Cache-Control"] == "public, max-age=3600"
    assert api.get("/docs", role=None).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name", ["VENDOR.md", "..%2Fapi-docs.js", "swagger-ui-bundle.js.map", "index.html"])
def test_only_the_reference_pages_own_assets_are_served(api: Api, name: str) -> None:
    answer = api.get(f"/docs/assets/{name}", role=None)
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "not_found"


def test_the_vendored_swagger_ui_is_the_package_its_vendor_note_names() -> None:
    """The files served are byte for byte the ones VENDOR.md lists from swagger-ui-dist."""
    listed = dict(reversed(line.split()) for line in (VENDORED / "VENDOR.md").read_text().splitlines()
                  if re.fullmatch(r"\s+[0-9a-f]{64}\s+\S+", line))
    assert set(listed) == {"swagger-ui-bundle.js", "swagger-ui.css"}
    for name, digest in listed.items():
        assert hashlib.sha256((VENDORED / name).read_bytes()).hexdigest() == digest, name
