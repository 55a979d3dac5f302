"""One member's recorded facts, for `GET /members/{member_id}/export` (http-api.md, "Bringing records in").

Every fact recorded for the member, withdrawn and amended ones included, in recorded order, each
with its business date (`effective_on`), when it was recorded (`timestamp`), its content and
what voided it as known now: what the history lists, without the status after each fact. That
status is not a fact but an answer derived from the facts (and the policy book) that any reader
of the export can ask for again; leaving it out keeps the export to what was recorded and costs
one read of the member instead of one fold per fact.

The opening fact (`CredentialOpened`) is given as the export's `member_id` and `name`, as the
history gives it, and not listed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.service import CredentialService, RecordedFact
from domain.corrections import voiding
from domain.events import CredentialOpened


@dataclass(frozen=True)
class MemberExport:
    member_id: str
    name: str | None
    facts: list[RecordedFact]


def member_export(service: CredentialService, member_id: str) -> MemberExport:
    """The member's facts as the module describes; MemberNotFound for a member with no credential."""
    history = service.credential(member_id).history
    voided = voiding(history)
    opened = next((fact for fact in history if isinstance(fact, CredentialOpened)), None)
    return MemberExport(
        member_id,
        opened.name if opened is not None else None,
        [RecordedFact(fact, voided.voided_by(fact.fact_id)) for fact in history
         if not isinstance(fact, CredentialOpened)],
    )
