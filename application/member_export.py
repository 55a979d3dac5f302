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

from application.service import CredentialService
from domain.corrections import voiding
from domain.events import CredentialFact, CredentialOpened


@dataclass(frozen=True)
class ExportedFact:
    fact: CredentialFact
    # The withdrawal or amendment that voided the fact, as known now; None while it stands.
    withdrawn_by: str | None

    @property
    def fact_id(self) -> str:
        return self.fact.fact_id

    @property
    def type(self) -> str:
        return type(self.fact).__name__


@dataclass(frozen=True)
class MemberExport:
    member_id: str
    name: str | None
    facts: list[ExportedFact]


def member_export(service: CredentialService, member_id: str) -> MemberExport:
    """The member's facts as the module describes; MemberNotFound for a member with no credential."""
    history = service.credential(member_id).history
    voided = voiding(history)
    opened = next((fact for fact in history if isinstance(fact, CredentialOpened)), None)
    return MemberExport(
        member_id,
        opened.name if opened is not None else None,
        [ExportedFact(fact, voided.voided_by(fact.fact_id)) for fact in history
         if not isinstance(fact, CredentialOpened)],
    )
