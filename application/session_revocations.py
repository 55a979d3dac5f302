"""Staff-page sessions ended by signing out, recorded in the store.

A session lives in a signed cookie (web.dashboard.access): nothing on the server has to be
written for it to work, so nothing on the server could end it, and a cookie saved before signing
out opened the pages again. Signing out therefore records that the session ended, as the one
event of an aggregate of its own (`EndedSession`), in the store every worker and process shares;
each request of a session reads it back through `current` (as stored now, not as cached), so a
session signed out in one worker is refused at once by every other.

The aggregate's id is derived from the session's random id (uuid5), and the session id itself is
never stored: a copy of the store names no live session. The event carries only when the session
ended, a time the service's clock gives (the aggregate never reads a clock).

A mixin of `CredentialService`. The event's topic is explicit and stable (`session:...`), as the
credential's and the policy register's are; the projections follow only their own topics, so
these events change no report.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, AggregateCreated, AggregateEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import register_topic

SESSIONS = uuid5(NAMESPACE_URL, "urn:credential-service:dashboard-session")


def ended_session_id(session_id: str) -> UUID:
    """The id of the aggregate recording that the session `session_id` ended."""
    return uuid5(SESSIONS, session_id)


class SessionEvent(AggregateEvent):
    TOPIC: ClassVar[str]


class SessionEnded(AggregateCreated, SessionEvent):
    """The session was signed out of; `timestamp` is when."""

    TOPIC = "session:SessionEnded"


register_topic(SessionEnded.TOPIC, SessionEnded)  # before the aggregate names it as its own


class EndedSession(Aggregate):
    TOPIC = "session:EndedSession"
    # The library's explicit-topic check needs the aggregate's event bases named here.
    Event = SessionEvent  # type: ignore[assignment]
    Created = SessionEnded  # type: ignore[assignment]

    @classmethod
    def end(cls, session_id: str, ended_at: datetime) -> EndedSession:
        return cls._create(SessionEnded, id=ended_session_id(session_id), timestamp=ended_at)




class SessionRevocations:
    """Ending sessions and asking whether one ended, on the service that mixes it in (its `current`,
    `save` and `clock`)."""

    current: Any
    save: Any
    clock: Any

    def end_session(self, session_id: str) -> None:
        """Record that the session `session_id` ended, now. Ending it again records nothing."""
        if self.session_ended(session_id):
            return
        # Ended by another request at the same moment (IntegrityError): it is ended all the same.
        with suppress(IntegrityError):
            self.save(EndedSession.end(session_id, self.clock()))

    def session_ended(self, session_id: str) -> bool:
        """Whether the session `session_id` was ended, as stored now (whichever process ended it)."""
        (ended,) = self.current(ended_session_id(session_id))
        return ended is not None
