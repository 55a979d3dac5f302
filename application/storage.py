"""Where events are stored: the database URL setting, turned into the library's settings.

`sqlite:///relative.db` or `sqlite:////absolute.db` (SQLAlchemy's spelling) or
`postgresql://user:pass@host:port/dbname`, or `memory://` (nothing kept; for tests). Unset means `sqlite:///credentials.db`
in the working directory (see application.settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_URL = "sqlite:///credentials.db"


class StorageConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Storage:
    url: str
    settings: dict[str, str]

    @property
    def is_postgres(self) -> bool:
        return self.settings["PERSISTENCE_MODULE"] == "eventsourcing.postgres"

    def redacted(self) -> str:
        parts = urlsplit(self.url)
        if parts.password:
            return self.url.replace(f":{parts.password}@", ":***@")
        return self.url


def storage_from_url(url: str) -> Storage:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "memory":
        return Storage(url, {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    if scheme == "sqlite":
        path = url[len(parts.scheme) + len(":///"):]
        if not url.startswith(f"{parts.scheme}:///") or not path:
            raise StorageConfigError(f"expected sqlite:///relative/file.db or sqlite:////absolute/file.db, got {url!r}")
        return Storage(url, {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path})
    if scheme in ("postgresql", "postgres"):
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname or not parts.hostname:
            raise StorageConfigError(f"expected postgresql://user:pass@host:port/dbname, got {url!r}")
        settings = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            # Inserts in one round trip, keeping the library's commit-order lock (see recorder.py).
            "APPLICATION_RECORDER_TOPIC": "application.recorder:InOrderPostgresRecorder",
            # How long a request waits for a connection: with the database down, a 503 in seconds,
            # not after the library's default of 30 (a request tries twice).
            "POSTGRES_CONNECT_TIMEOUT": "5",
        }
        schema = parse_qs(parts.query).get("schema")
        if schema:
            settings["POSTGRES_SCHEMA"] = schema[0]
        return Storage(url, settings)
    raise StorageConfigError(f"unsupported CREDENTIALS_DATABASE_URL scheme {parts.scheme!r}: use sqlite or postgresql")
