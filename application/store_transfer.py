"""The whole event store as one NDJSON file, and back: `credentials export` and `credentials restore`.

Why the stored events, and nothing else: every answer of the service, on both time axes, is
computed from them (each fact carries its business date and, as `timestamp`, when it was
recorded; the policy register's versions are events of the same store), and the read models
are rebuilt from them. So a file holding each stored event exactly as stored (originator id,
version, topic, state) gives, loaded into an empty store, the same answers: no event is
re-judged, re-stamped or re-encoded on the way, as it would be by a replay of commands or an
import of facts.

The file, one JSON object a line (UTF-8, ASCII only in practice):

- line 1, the header: `{"format": "credentials-event-store", "format_version": 1,
  "application": "credentials", "exported_at": ..., "up_to_notification_id": N}`;
- one line per stored event, in notification order: `{"originator_id": "<uuid>",
  "originator_version": 3, "topic": "credential:Certified", "state": {...}}`. `state` is the
  stored JSON state as a JSON value (the library's transcoder writes plain JSON: no compressor
  or cipher is configured). It is embedded only when decoding and encoding it again as the
  transcoder does gives back exactly the stored bytes; otherwise (a state written by another
  encoder, compressed or enciphered) it is `"state_base64"` instead, so a restore always inserts
  the very bytes that were stored;
- the last line, `{"end": "credentials-event-store", "events": n}`: a file cut short (a disk
  full, an interrupted copy) has no such line, and is refused rather than restored in part.

Export reads the notifications in pages of the application recorder (`select_notifications`,
as `CredentialService.openings` does) up to the last notification id when it starts: a
consistent cut even while the server records (ids are committed in order, see
`application.recorder`), in constant memory.

Restore reads the file twice, line by line: first it checks every line (the header, each
event's fields, each aggregate's versions 1, 2, 3... in order, the closing line and its count),
refusing a bad one by its line number before anything is recorded; then it inserts the events,
in notification order, in batches through the recorder's `insert_events` (the same one commands
use, so on PostgreSQL each batch takes the table lock and notifies followers). Only the last
version of each aggregate is kept while checking (one integer per member, none per event). It
refuses a store that already holds events, changing nothing: the versions would collide, and a
merge of two stores is not a restore. The notification ids of the restored store are its own
(answers never depend on them); the read models follow them, so they need no backup (the
`credentials restore` command rebuilds them).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent

from application.service import CredentialService
from application.session_revocations import SessionEnded
from domain import events, policy_register

FORMAT = "credentials-event-store"
FORMAT_VERSION = 1
PAGE_SIZE = 1_000  # notifications read per query while exporting
BATCH_SIZE = 500  # events inserted per transaction while restoring

EVENT_FIELDS = frozenset({"originator_id", "originator_version", "topic"})
# The topics a store of this release holds: the member facts, the policy register's facts and the
# dashboard sessions ended (a restored store keeps a signed-out session ended).
TOPICS = frozenset({c.TOPIC for c in events.EVENT_CLASSES} | {c.TOPIC for c in policy_register.EVENT_CLASSES}
                   | {SessionEnded.TOPIC})


class TransferError(Exception):
    """Export or restore refused, or stopped; the message says why and what was recorded."""


class StoreNotEmpty(TransferError):
    def __init__(self, last_notification_id: int) -> None:
        super().__init__(f"the store already holds events (notification ids up to {last_notification_id}); "
                         f"restore needs an empty store, so nothing was recorded")


class MalformedExport(TransferError):
    """A line of the file that cannot be restored exactly; `line` counts from 1 (the header)."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        super().__init__(f"{source}, line {line}: {problem}; nothing was recorded")
        self.line = line
        self.problem = problem


class RestoreInterrupted(TransferError):
    """The storage failed once inserting had begun: the store holds the first `inserted` events."""

    def __init__(self, inserted: int, cause: str) -> None:
        super().__init__(f"restoring stopped after {inserted} events were recorded: {cause}; empty the store "
                         f"before restoring again")
        self.inserted = inserted


@dataclass(frozen=True)
class TransferReport:
    events: int
    aggregates: int


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True)


def _encoded_like_the_transcoder(value: Any) -> bytes:
    # What `eventsourcing.persistence.JSONTranscoder.encode` writes for an already encoded value.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _stored_events_of(recorder: ApplicationRecorder, upto: int, page_size: int) -> Iterator[Notification]:
    start = 1
    while start <= upto:
        page = recorder.select_notifications(start, page_size, stop=upto)
        yield from page
        if len(page) < page_size:
            return
        start = page[-1].id + 1


def event_line(event: StoredEvent) -> dict[str, Any]:
    """One stored event as a line of the file: its state as JSON when that is exact, else base64."""
    line: dict[str, Any] = {"originator_id": str(event.originator_id),
                            "originator_version": event.originator_version, "topic": event.topic}
    try:
        state = json.loads(event.state.decode("utf-8"))
    except ValueError:  # not UTF-8, or not JSON (UnicodeDecodeError is a ValueError)
        state = None
    else:
        if _encoded_like_the_transcoder(state) == event.state:
            line["state"] = state
            return line
    line["state_base64"] = base64.b64encode(event.state).decode("ascii")
    return line


def export_store(service: CredentialService, out: TextIO, *, page_size: int = PAGE_SIZE) -> TransferReport:
    """Write every stored event of `service`'s store to `out`, as the module describes."""
    recorder = service.recorder
    upto = recorder.max_notification_id() or 0
    out.write(_dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "application": service.name,
                      "exported_at": service.clock().isoformat(), "up_to_notification_id": upto}) + "\n")
    events = aggregates = 0
    for notification in _stored_events_of(recorder, upto, page_size):
        out.write(_dumps(event_line(notification)) + "\n")
        events += 1
        aggregates += notification.originator_version == 1
    out.write(_dumps({"end": FORMAT, "events": events}) + "\n")
    return TransferReport(events, aggregates)


# --- restoring ------------------------------------------------------------------------------


class _Reading:
    """The events of an export file, checked line by line (see the module)."""

    def __init__(self, path: Path, application: str) -> None:
        self.path = path
        self.application = application
        self.aggregates = 0

    def refuse(self, line: int, problem: str) -> MalformedExport:
        return MalformedExport(str(self.path), line, problem)

    def events(self) -> Iterator[StoredEvent]:
        versions: dict[UUID | str, int] = {}
        count, number, ended = 0, 0, False
        with self.path.open("rb") as lines:  # split on b"\n" only, each line decoded on its own
            for number, raw in enumerate(lines, start=1):
                if ended:
                    raise self.refuse(number, "a line after the closing line")
                value = self._json(number, raw)
                if number == 1:
                    self._header(value)
                elif "end" in value:
                    self._end(number, value, count)
                    ended = True
                else:
                    event = self._event(number, value)
                    last = versions.get(event.originator_id, 0)
                    if event.originator_version != last + 1:
                        expected = "1 (its first event)" if last == 0 else str(last + 1)
                        raise self.refuse(number, f"version {event.originator_version} of {event.originator_id}, "
                                                  f"expected {expected}")
                    versions[event.originator_id] = event.originator_version
                    count += 1
                    yield event
        if number == 0:
            raise self.refuse(1, "the file is empty, expected the header line")
        if not ended:
            raise self.refuse(number + 1, "the file ends without its closing line (cut short?)")
        self.aggregates = len(versions)

    def _json(self, number: int, raw: bytes) -> dict[str, Any]:
        if not raw.endswith(b"\n"):
            raise self.refuse(number, "the line does not end with a newline (cut short?)")
        try:
            value = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise self.refuse(number, f"not UTF-8 ({error.reason} at byte {error.start})") from None
        except ValueError as error:
            raise self.refuse(number, f"not JSON ({error})") from None
        if not isinstance(value, dict):
            raise self.refuse(number, "not a JSON object")
        return value

    def _header(self, value: dict[str, Any]) -> None:
        if value.get("format") != FORMAT:
            raise self.refuse(1, f"not a {FORMAT} file: the first line must be its header")
        if value.get("format_version") != FORMAT_VERSION:
            raise self.refuse(1, f"format_version {value.get('format_version')!r}, this release reads "
                                 f"{FORMAT_VERSION}")
        if value.get("application") != self.application:
            raise self.refuse(1, f"exported from the application {value.get('application')!r}, "
                                 f"not {self.application!r}")

    def _end(self, number: int, value: dict[str, Any], count: int) -> None:
        if value.get("end") != FORMAT or value.keys() != {"end", "events"}:
            raise self.refuse(number, f'a closing line is {{"end": "{FORMAT}", "events": n}}')
        if type(value["events"]) is not int or value["events"] != count:
            raise self.refuse(number, f"the closing line counts {value['events']!r} events, the file has {count} "
                                      f"(lines missing?)")

    def _event(self, number: int, value: dict[str, Any]) -> StoredEvent:
        states = {"state", "state_base64"} & value.keys()
        if len(states) != 1 or value.keys() != EVENT_FIELDS | states:
            raise self.refuse(number, "an event is exactly originator_id, originator_version, topic and "
                                      "one of state or state_base64")
        try:
            originator_id = UUID(value["originator_id"])
        except (TypeError, ValueError, AttributeError):
            raise self.refuse(number, f"originator_id {value['originator_id']!r} is not a UUID") from None
        version = value["originator_version"]
        if type(version) is not int or version < 1:
            raise self.refuse(number, f"originator_version {version!r} is not a whole number of at least 1")
        topic = value["topic"]
        if topic not in TOPICS:
            raise self.refuse(number, f"topic {topic!r} names no event of this release")
        if "state" in value:
            state = _encoded_like_the_transcoder(value["state"])
        else:
            try:
                state = base64.b64decode(value["state_base64"], validate=True)
            except (TypeError, ValueError):  # binascii.Error is a ValueError
                raise self.refuse(number, "state_base64 is not base64") from None
        return StoredEvent(originator_id, version, topic, state)


def _stored_count(recorder: ApplicationRecorder) -> int:
    return recorder.max_notification_id() or 0


def check_export(service: CredentialService, path: Path) -> TransferReport:
    """Read the file at `path` through, as a restore would, recording nothing; MalformedExport names
    the first bad line."""
    reading = _Reading(path, service.name)
    events = sum(1 for _ in reading.events())
    return TransferReport(events, reading.aggregates)


def restore_store(service: CredentialService, path: Path, *, batch_size: int = BATCH_SIZE) -> TransferReport:
    """Load an export into `service`'s store, which must hold no event (StoreNotEmpty), after checking
    the whole file (MalformedExport); inserts the events exactly as they were stored."""
    recorder = service.recorder
    if held := _stored_count(recorder):
        raise StoreNotEmpty(held)
    report = check_export(service, path)
    if held := _stored_count(recorder):  # recorded meanwhile: refused still, before inserting anything
        raise StoreNotEmpty(held)
    inserted, batch = 0, []
    try:
        for event in _Reading(path, service.name).events():
            batch.append(event)
            if len(batch) == batch_size:
                recorder.insert_events(batch)
                inserted += len(batch)
                batch = []
        if batch:
            recorder.insert_events(batch)
            inserted += len(batch)
    except MalformedExport as error:
        if inserted:  # the file changed between the two readings
            raise RestoreInterrupted(inserted, f"the file changed while it was restored ({error.problem})") from None
        raise
    except Exception as error:
        if inserted:
            raise RestoreInterrupted(inserted, f"the store failed ({error})") from error
        raise
    return report
