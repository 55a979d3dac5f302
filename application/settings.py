"""Every setting of the service, read from the environment once, here and nowhere else.

The entry points (the `credentials` command, the server, the benchmark) call
`Settings.from_environment()` once and hand the result down: to the application service,
the app factory, the server's workers and the projection commands. Nothing else reads
`os.environ` and nothing writes it, so a test or a worker sees exactly the settings it was
given, and the README's configuration table is this file.

A value that cannot be right stops the program before anything is opened, with a message
that names the variable; the tokens' own syntax is checked by the web layer that owns roles
(`web.auth.TokenBook.parse`), also before serving starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from application.storage import DEFAULT_URL, StorageConfigError, storage_from_url

DATABASE_URL = "CREDENTIALS_DATABASE_URL"
TOKENS = "CREDENTIALS_TOKENS"
SECRET_KEY = "CREDENTIALS_SECRET_KEY"
SECURE_COOKIES = "CREDENTIALS_SECURE_COOKIES"
WORKERS = "CREDENTIALS_WORKERS"
THREADS = "CREDENTIALS_THREADS"
REPORT_SCHEMA = "CREDENTIALS_REPORT_SCHEMA"

DEFAULT_REPORT_SCHEMA = "credential_reports"
TRUE_WORDS, FALSE_WORDS = frozenset({"1", "true", "yes", "on"}), frozenset({"", "0", "false", "no", "off"})
# A plain PostgreSQL identifier: the schema name is put into DDL, so nothing that needs quoting.
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class SettingsError(ValueError):
    """A setting that cannot be right; the message names the variable and the value expected."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    # "role:token" or "role:name:token" entries, comma-separated (web.auth.TokenBook checks them: each
    # token 32 characters at least, under one entry only); empty means none configured, which
    # `credentials serve` refuses unless given --dev (it then makes a development one).
    tokens: str = ""
    # Signs the dashboard's session cookie; empty means derived from the tokens (see web.dashboard.access).
    secret_key: str = ""
    secure_cookies: bool = False
    # Server worker processes; None means one per core.
    workers: int | None = None
    # The PostgreSQL schema of the report tables (on SQLite they are prefixed tables in the store's file).
    report_schema: str = DEFAULT_REPORT_SCHEMA
    # Threads running requests in each worker; None means 4.
    threads: int | None = None

    def __post_init__(self) -> None:
        try:
            storage_from_url(self.database_url)
        except StorageConfigError as error:
            raise SettingsError(f"{DATABASE_URL}: {error}") from None
        if self.workers is not None and self.workers < 1:
            raise SettingsError(f"{WORKERS} must be a whole number of at least 1, got {self.workers}")
        if self.threads is not None and self.threads < 1:
            raise SettingsError(f"{THREADS} must be a whole number of at least 1, got {self.threads}")
        if not SCHEMA_NAME.fullmatch(self.report_schema):
            raise SettingsError(f"{REPORT_SCHEMA} must be a lower-case identifier (letters, digits, _), "
                                f"got {self.report_schema!r}")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get(DATABASE_URL) or DEFAULT_URL,
            tokens=env.get(TOKENS, ""),
            secret_key=env.get(SECRET_KEY, ""),
            secure_cookies=_flag(env, SECURE_COOKIES),
            workers=_whole_number(env, WORKERS),
            threads=_whole_number(env, THREADS),
            report_schema=env.get(REPORT_SCHEMA) or DEFAULT_REPORT_SCHEMA,
        )

    def redacted_database_url(self) -> str:
        return storage_from_url(self.database_url).redacted()


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise SettingsError(f"{name} must be true or false, got {value!r}")


def _whole_number(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise SettingsError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(value)
