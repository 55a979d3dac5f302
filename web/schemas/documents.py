"""Answers about a member: the status document, a command's outcome, the history.

Every answer is dumped through one of these, so what the service says is exactly what
/openapi.json describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from domain.document import CredentialStatus
from domain.events import CredentialOpened
from domain.states import AuditState, Status
from web.fields import Cecs, Date, Money, Time
from web.schemas import shared
from web.schemas.events import DATA_SCHEMAS, EventData
from web.schemas.flat import FlatSchema


@dataclass(frozen=True)
class MemberStatus:
    """A status answer with the member it is about and the time it is known at."""

    member_id: str
    status: CredentialStatus
    known_at: datetime


class CycleDocument(FlatSchema):
    start = Date(required=True)
    end = Date(required=True)
    required_cecs = Cecs(required=True)
    counted_cecs = Cecs(required=True)
    claimed_cecs = Cecs(required=True)


class AuditDocument(FlatSchema):
    selected_on = Date(required=True)
    proof_due_on = Date(required=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in AuditState]))
    # Beyond the contract's three fields: what staff need to follow an audit.
    cycle_end = Date(required=True)
    required_cecs = Cecs(required=True)
    proven_cecs = Cecs(required=True)
    documentation_received_on = Date(required=True, allow_none=True)
    replace_by = Date(required=True, allow_none=True)
    inactive_since = Date(required=True, allow_none=True)
    closed_on = Date(required=True, allow_none=True)

    @pre_dump
    def _values(self, audit: Any, **_: Any) -> dict[str, Any]:
        return {**vars(audit), "state": audit.state.value}


class NeededDocument(FlatSchema):
    cecs_missing = Cecs(required=True, metadata={"description": "CECs still missing to meet the requirement"})
    capped_cecs_room = Cecs(required=True, metadata={
        "description": "how many more teaching and lecturing CECs could still count under the cap"})
    earn_by = Date(required=True, metadata={
        "description": "the day to earn them by: the cycle's end, or the end of grace once it ended unrenewed"})
    renew_by = Date(required=True, metadata={"description": "the last day to renew at all: the end of grace"})


class StatusDocument(FlatSchema):
    member_id = fields.String(required=True)
    on = Date(required=True)
    known_at = Time(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    certifications = fields.List(fields.String(), required=True)
    level = fields.String(required=True, allow_none=True)
    cycle = fields.Nested(CycleDocument, required=True, allow_none=True)
    grace_ends_on = Date(required=True, allow_none=True)
    audit = fields.Nested(AuditDocument, required=True, allow_none=True)
    renewal_fee = Money(required=True, allow_none=True, metadata={
        "description": "what a renewal submitted on `on` would cost; null when no renewal is open",
    })
    reason = fields.String(required=True)
    since = Date(required=True, allow_none=True, metadata={"description": "the day the current status began"})
    policy_version = fields.String(required=True, metadata={
        "description": "the policy version in force on `on`, among those known at `known_at`",
        "example": "2012-06-01",
    })
    needed = fields.Nested(NeededDocument, required=True, allow_none=True, metadata={
        "description": "what the cycle still needs while it owes a renewal; null when none is owed",
    })

    @pre_dump
    def _flatten(self, answer: MemberStatus, **_: Any) -> dict[str, Any]:
        status = answer.status
        return {
            **vars(status),
            "member_id": answer.member_id,
            "known_at": answer.known_at,
            "status": status.status.value,
            "certifications": list(status.certifications),
            "cycle": None if status.cycle is None else vars(status.cycle),
            "needed": None if status.needed is None else vars(status.needed),
        }


class ActivityOutcome(FlatSchema):
    activity_id = fields.String(required=True)
    cecs_awarded = Cecs(required=True)
    status = fields.Nested(StatusDocument, required=True)


class HistoryEvent(FlatSchema):
    type = fields.String(required=True, metadata={"example": "Certified"})
    fact_id = fields.String(required=True, metadata={"description": "stable, unique within the member",
                                                     "example": "2"})
    effective_on = Date(required=True)
    recorded_at = Time(required=True)
    data = EventData(required=True)
    status_after = fields.Nested(StatusDocument, required=True)
    withdrawn_by = fields.String(required=True, allow_none=True, metadata={
        "description": "the `fact_id` of the withdrawal or amendment that voided this fact; null while it stands",
    })
    recorded_by = fields.String(required=True, allow_none=True, metadata={
        "description": "who recorded the fact: the name of the token that asked, else its role; `system` for the "
                       "sweep and reminder runs; `import` for imports; null for a fact recorded before facts said "
                       "who recorded them",
        "example": "staff",
    })


def _typed_event(fact_type: str, data: type[Schema]) -> type[Schema]:
    """The history event of one type: `type` is that type's name, `data` dumped by its own schema."""
    fields_of_type: dict[str, fields.Field[Any]] = {
        "type": fields.String(required=True, validate=validate.OneOf([fact_type])),
        "data": fields.Nested(data, required=True),
    }
    typed: type[Schema] = type(HistoryEvent)(  # marshmallow's metaclass, which gathers the declared fields
        f"{fact_type}Event", (HistoryEvent,), {**fields_of_type, "__doc__": f"A `{fact_type}` fact in a history."})
    return typed


# The history lists every fact but `CredentialOpened` (its `name` is the history's own).
HISTORY_EVENTS: dict[str, type[Schema]] = {
    fact_type.__name__: _typed_event(fact_type.__name__, type(data))
    for fact_type, data in DATA_SCHEMAS.items() if fact_type is not CredentialOpened
}


class TypedEvent(fields.Field[dict[str, Any]]):
    """One history event, dumped by the schema of its `type` (`variants`), so its `data` has that
    type's fields; /openapi.json documents it as the variants' `oneOf`, discriminated by `type`
    (web.openapi), for a generated client to read each event's data as its own class. A type
    without a variant (none today: a test checks every fact type has one) is dumped generically."""

    def __init__(self, variants: dict[str, type[Schema]], component: str, **kwargs: Any) -> None:
        self.variants = variants
        self.component = component  # the name the oneOf is documented under
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        dumped: dict[str, Any] = shared(self.variants.get(value["type"], HistoryEvent)).dump(value)
        return dumped


class HistoryDocument(FlatSchema):
    member_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    events = fields.List(TypedEvent(HISTORY_EVENTS, "HistoryEvent"), required=True)
    next_after = fields.String(required=True, allow_none=True, metadata={
        "description": "when more events follow: the `after` that asks for them; null on the last page"})


class ExportedFact(HistoryEvent):
    """A history event without `status_after`: an answer derived from the facts, not one of them
    (see application.member_export)."""

    class Meta:
        exclude = ("status_after",)


class MemberExportDocument(Schema):
    member_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    facts = fields.List(fields.Nested(ExportedFact), required=True, metadata={
        "description": "every recorded fact, withdrawn and amended ones included, in recorded order",
    })
