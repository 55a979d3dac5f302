"""How the domain's dates and enums are written into stored events."""

from __future__ import annotations

from datetime import date
from enum import Enum

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.events import AuditOutcome, Evidence, Lapse


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    def __init__(self, enum_class: type[Enum], name: str) -> None:
        self.type = enum_class
        self.name = name

    def encode(self, obj: Enum) -> str:
        return str(obj.value)

    def decode(self, data: str) -> Enum:
        return self.type(data)


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(EnumAsValue(Evidence, "evidence"))
    transcoder.register(EnumAsValue(AuditOutcome, "audit_outcome"))
    transcoder.register(EnumAsValue(Lapse, "lapse"))
