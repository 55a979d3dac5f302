"""The clock the tests control and the type of the service factory fixture."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from application.service import CredentialService

ServiceFactory = Callable[..., CredentialService]


class StepClock:
    """A clock that staff control: `now` moves only when a test says so, and each
    reading advances one second, so recorded times are distinct and predictable."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def set(self, day: date | str) -> None:
        if isinstance(day, str):
            day = date.fromisoformat(day)
        self.now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
