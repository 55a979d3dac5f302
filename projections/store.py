"""Where the read models are kept: beside the events, in the application's own database.

On PostgreSQL they live in their own schema (`credential_reports` unless told otherwise);
on SQLite, in the same file under prefixed names (`reports_status_periods`, ...).

Two ways of writing, both atomic:
- `replace_members`: one transaction deletes the members' rows, inserts their new rows
  (in the per-event tables, only those of facts new to the read models) and moves the
  tracking position, but only if the position is still the one the rows were computed
  from; so two followers never apply a page twice, and a follower killed at any point
  leaves either the whole page or none of it.
- a rebuild writes into shadow tables that no reader uses, then `swap_in_build` replaces
  the live tables with them in one transaction, tracking position included.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from domain.policy import PolicyBook
from projections.rows import Changes, Rows

# The name of the one projection: every table is computed in one pass from the same fold.
PROJECTION = "member_reports"
DEFAULT_SCHEMA = "credential_reports"
DEFAULT_PREFIX = "reports_"


def policy_fingerprint(book: PolicyBook) -> str:
    """Names the rules the rows were computed under: rows depend on the book as much as on
    the facts, so tables computed under another book must be rebuilt, not followed."""
    return hashlib.sha256(_canonical(book.versions).encode()).hexdigest()[:16]


def _canonical(value: object) -> str:
    """The same text for the same value in every process (a set's repr follows string hashing,
    which differs between processes)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = (f"{f.name}={_canonical(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__name__}({', '.join(fields)})"
    if isinstance(value, Mapping):
        return "{" + ", ".join(sorted(f"{_canonical(k)}: {_canonical(v)}" for k, v in value.items())) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_canonical(v) for v in value) + "]"
    return repr(value)


class BuildWriter(ABC):
    """Appends rows to the shadow tables of a rebuild; each `add` is committed on its own."""

    @abstractmethod
    def add(self, rows: Rows) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class ReadModels(ABC):
    postgres: bool

    @abstractmethod
    def location(self) -> dict[str, str]:
        """Where these read models are, as `open_read_models` takes it (schema= or prefix=)."""

    @abstractmethod
    def table(self, name: str) -> str:
        """The live table's name, qualified and quoted for SQL."""

    @abstractmethod
    def ensure(self) -> None:
        """Create the tables (and on PostgreSQL the views) if they are missing."""

    @abstractmethod
    def position(self) -> int: ...

    @abstractmethod
    def policy(self) -> str | None:
        """The fingerprint of the policy book the rows were computed under; None before any row."""

    @abstractmethod
    def replace_members(self, changes: Changes, rows: Rows, expected: int, position: int, policy: str) -> bool:
        """Replace the changed members' rows (see `Changes`) by `rows` and move the position from
        `expected` to `position`, in one transaction; False (nothing written) when the position
        is no longer `expected` or the rows there were computed under another policy book."""

    @abstractmethod
    def members_due(self, today: date) -> list[str]:
        """Members whose `current_status` may have changed by `today` with no new fact."""

    @abstractmethod
    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a query written with `{table}` names and `%(name)s` parameters."""

    @abstractmethod
    def prepare_build(self, policy: str) -> None:
        """Start a rebuild under the policy book `policy`: empty shadow tables, beside the live
        ones; RuntimeError when another rebuild of these read models is running."""

    @abstractmethod
    def build_writer(self) -> BuildWriter: ...

    @abstractmethod
    def abandon_build(self) -> None:
        """Drop the shadow tables of a rebuild that failed; the live ones never changed."""

    @abstractmethod
    def swap_in_build(self, position: int, before_swap: Callable[[], None] | None = None,
                      progress: Callable[[], None] = lambda: None) -> None:
        """Index the shadow tables, then make them the live ones at `position`, atomically;
        `progress` is called after each step (a supervisor's heartbeat)."""

    @abstractmethod
    def close(self) -> None: ...

    def query_text(self, sql: str) -> str:
        return sql.format(**{name: self.table(name) for name in re.findall(r"\{(\w+)\}", sql)})
