"""Where the reports read from for now: every member's facts, straight from the event store.

The read-model tables of a later issue replace this module; the report functions stay.
"""

from __future__ import annotations

from credentials.application import CredentialService
from domain.events import CredentialFact


def member_histories(service: CredentialService) -> list[list[CredentialFact]]:
    return [service.credential(member_id).history for member_id in service.member_ids()]
