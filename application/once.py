"""Exactly once: a command is recorded at most once, and its caller is told what was recorded.

An insert can fail after it committed: the connection drops, or the server restarts, between
the commit and its reply. The client cannot tell that from an insert that never arrived. A
recorder that retried the insert would, after a committed first attempt, hit the version check
(`IntegrityError`), and a command loop would then judge the command again and record it a second
time. So inserts are never retried blindly (application/recorder.py); a writer whose insert may
or may not have been recorded re-reads the aggregate and decides:

- its facts are stored: the command was recorded; it answers what it would have answered;
- they are not: nothing was recorded; it judges the command again, against the aggregate as now
  stored, like any writer that lost a race.

Its facts are known by the command id they carry in `idempotency_key`: the caller's idempotency
key, or one the service makes for the command (`new_command_id`), with their place and their
recorded time, so neither another writer's facts nor a second request under the same key are
taken for this attempt's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import InterfaceError, OperationalError

# What an insert raises when its reply is lost, or the store cannot be reached: recorded or not,
# only a read tells. (A lock wait that timed out raises OperationalError too: not recorded.)
LOST_REPLY = (OperationalError, InterfaceError)

# Command ids the service makes: never sent by a client (they are not shown), so never a client's key.
COMMAND_ID_PREFIX = "command:"


def new_command_id() -> str:
    return f"{COMMAND_ID_PREFIX}{uuid4().hex}"


def recorded(stored: Sequence[Any], sent: Any) -> bool:
    """Whether the event `sent` (of an insert whose outcome is unknown) is among `stored`, an
    aggregate's facts as stored now, in version order from 1: the same kind of fact in its place,
    under the same command id, recorded at the same time."""
    place = sent.originator_version - 1
    if not 0 <= place < len(stored):
        return False
    fact = stored[place]
    return (type(fact) is type(sent) and fact.idempotency_key == sent.idempotency_key
            and fact.timestamp == sent.timestamp)
