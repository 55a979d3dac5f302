"""The settings: read from the environment once, in application/settings.py, and refused
whole, naming the variable, when a value cannot be right."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from application.settings import DEFAULT_REPORT_SCHEMA, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("domain", "application", "projections", "web", "entrypoints")


def test_with_nothing_set_the_service_runs_on_the_embedded_sqlite_store_with_no_token() -> None:
    settings = Settings.from_environment({})
    assert settings == Settings()
    assert (settings.database_url, settings.tokens, settings.report_schema) == (
        "sqlite:///credentials.db", "", DEFAULT_REPORT_SCHEMA)
    assert (settings.secure_cookies, settings.workers, settings.secret_key) == (False, None, "")


def test_every_variable_of_the_configuration_table_is_read() -> None:
    settings = Settings.from_environment({
        "CREDENTIALS_DATABASE_URL": "postgresql://app:pw@db.internal:6432/credentials",
        "CREDENTIALS_TOKENS": "staff:s-1,reporter:r-1",
        "CREDENTIALS_SECRET_KEY": "a key",
        "CREDENTIALS_SECURE_COOKIES": "true",
        "CREDENTIALS_WORKERS": "3",
        "CREDENTIALS_REPORT_SCHEMA": "bi_reports",
        "CREDENTIALS_THREADS": "6",
    })
    assert settings == Settings("postgresql://app:pw@db.internal:6432/credentials", "staff:s-1,reporter:r-1",
                                "a key", True, 3, "bi_reports", 6)


def test_the_redacted_database_url_hides_the_password() -> None:
    settings = Settings(database_url="postgresql://app:pw@db.internal/credentials")
    assert settings.redacted_database_url() == "postgresql://app:***@db.internal/credentials"


@pytest.mark.parametrize(("variable", "value"), [
    ("CREDENTIALS_DATABASE_URL", "mysql://nope"),
    ("CREDENTIALS_DATABASE_URL", "sqlite://"),
    ("CREDENTIALS_SECURE_COOKIES", "maybe"),
    ("CREDENTIALS_WORKERS", "0"),
    ("CREDENTIALS_WORKERS", "two"),
    ("CREDENTIALS_WORKERS", "٣"),
    ("CREDENTIALS_THREADS", "0"),
    ("CREDENTIALS_THREADS", "many"),
    ("CREDENTIALS_REPORT_SCHEMA", "reports; DROP TABLE x"),
    ("CREDENTIALS_REPORT_SCHEMA", "Reports"),
])
def test_a_value_that_cannot_be_right_is_refused_naming_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_environment({variable: value})


def _reads_the_environment(path: Path) -> bool:
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        # `os.environ`, `os.getenv`...; a WSGI `request.environ` is not the process environment.
        if (isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "putenv", "unsetenv"}
                and isinstance(node.value, ast.Name) and node.value.id == "os"):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                alias.name in {"environ", "getenv", "putenv"} for alias in node.names):
            return True
    return False


def test_no_module_but_the_settings_module_reads_or_writes_the_environment() -> None:
    modules = [path for package in PRODUCT_PACKAGES for path in (ROOT / package).rglob("*.py")]
    assert len(modules) > 30
    readers = sorted(str(path.relative_to(ROOT)) for path in modules if _reads_the_environment(path))
    assert readers == ["application/settings.py"]
