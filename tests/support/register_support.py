"""Registers (the CSV files of rules.md section 13) for the import tests, written row by row as a
spreadsheet would save them, and what the tests read back to compare stores."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from application.imports import ImportReport
from application.service import CredentialService
from domain.events import ActivityClaimed, CredentialFact, CredentialOpened, DocumentationRejected
from web.schemas.register import COLUMNS, read_register

Row = dict[str, Any]


def certification(row_id: str, member: str, on: str, code: str = "CPT", **cells: Any) -> Row:
    return {"row_id": row_id, "member_id": member, "fact": "certification", "date": on, "certification": code,
            **cells}


def activity(row_id: str, member: str, on: str, hours: Any = 15, category: str = "acsm_workshop",
             **cells: Any) -> Row:
    row = {"row_id": row_id, "member_id": member, "fact": "activity", "date": on, "category": category,
           "title": cells.pop("title", f"{category} {on}"), **cells}
    if hours is not None:
        row["hours"] = hours
    return row


def renewal(row_id: str, member: str, on: str, **cells: Any) -> Row:
    return {"row_id": row_id, "member_id": member, "fact": "renewal", "date": on, **cells}


def selection(row_id: str, member: str, on: str, **cells: Any) -> Row:
    return {"row_id": row_id, "member_id": member, "fact": "audit_selection", "date": on, **cells}


def documentation(row_id: str, member: str, on: str, rejected: Iterable[str] = (), reason: str | None = None,
                  **cells: Any) -> Row:
    row = {"row_id": row_id, "member_id": member, "fact": "documentation", "date": on, **cells}
    if rejected:
        row["rejected_row_ids"] = ";".join(rejected)
        row["reason"] = reason or "no certificate"
    return row


def register(*rows: Mapping[str, Any], columns: Iterable[str] | None = None, delimiter: str = ",") -> str:
    """The rows as CSV text, with a header of `columns` (default: the contract's columns the rows use,
    in the contract's order)."""
    used = {name for row in rows for name in row}
    header = list(columns) if columns is not None else [name for name in COLUMNS if name in used]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({name: "" if value is None else str(value) for name, value in row.items()} for row in rows)
    return out.getvalue()


def imported(service: CredentialService, *rows: Mapping[str, Any], dry_run: bool = False) -> ImportReport:
    """The register of `rows` read and imported into `service` (in a dry run, only judged)."""
    return service.import_register(read_register(register(*rows).encode()).rows, dry_run=dry_run)


def refusals(report: ImportReport) -> list[tuple[str, str]]:
    """(row_id, code) of every refused row, in the file's order."""
    return [(refusal.row_id, refusal.code) for refusal in report.refused]


def stored(service: CredentialService) -> list[tuple[int, str, int, str]]:
    """Every event in the store (id, aggregate, version, topic), read from the store itself."""
    found: list[tuple[int, str, int, str]] = []
    start = 1
    while True:
        page = service.recorder.select_notifications(start, 1000)
        found += [(n.id, str(n.originator_id), n.originator_version, n.topic) for n in page]
        if len(page) < 1000:
            return found
        start = page[-1].id + 1


def histories(service: CredentialService) -> dict[str, list[CredentialFact]]:
    """Every member's facts, in recorded order, read from the store in pages (not member by member)."""
    by_aggregate: dict[str, list[CredentialFact]] = defaultdict(list)
    start = 1
    while True:
        page = service.recorder.select_notifications(start, 5000)
        for notification in page:
            fact = service.mapper.to_domain_event(notification)
            if isinstance(fact, CredentialFact):
                by_aggregate[str(notification.originator_id)].append(fact)
        if len(page) < 5000:
            break
        start = page[-1].id + 1
    members = {}
    for facts in by_aggregate.values():
        facts.sort(key=lambda f: f.originator_version)
        opening = facts[0]
        assert isinstance(opening, CredentialOpened)
        members[opening.member_id] = facts
    return members


# What a fact records that only says where and when it was stored, not what happened.
# Not a fact's content: where and when it was stored, under which key, and who recorded it (an import
# records as "import", a command as whoever asked).
STORAGE_FIELDS = {"originator_id", "originator_version", "timestamp", "idempotency_key", "request_hash", "member_id",
                  "recorded_by"}


def contents(facts: Iterable[CredentialFact]) -> list[tuple[str, dict[str, Any]]]:
    """Each fact's type and content, without its recorded time, keys or ids: activity ids (random)
    become the claim's place among the member's claims."""
    facts = list(facts)
    places = {f.activity_id: f"claim {n}" for n, f in enumerate(f for f in facts if isinstance(f, ActivityClaimed))}
    described = []
    for fact in facts:
        content = {name: value for name, value in vars(fact).items() if name not in STORAGE_FIELDS}
        if isinstance(fact, ActivityClaimed | DocumentationRejected):
            content["activity_id"] = places.get(fact.activity_id, fact.activity_id)
        described.append((type(fact).__name__, content))
    return described


def big_register(members: int, seed: int = 12) -> str:
    """A register of `members` members' careers, 12 rows each on average, in a shuffled order: most
    renew with their CECs, some are audited (one claim rejected, on time or late), some learned earlier
    (`recorded_at`: every row, or only the first few), and some rows are refused (a renewal short of
    CECs, a grade below C, a refused category)."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for n in range(members):
        member = f"m{n:05d}"
        learned = n % 5 == 0  # the old register says when it learned these facts
        partly = n % 5 == 1  # ... or only its first ones: the rest are known from the import

        def add(row: Row, learned: bool = learned) -> None:
            if learned:
                row["recorded_at"] = f"{row['date']}T17:00:00+00:00"
            rows.append(row)

        code = ("CPT", "HFS", "CIFT")[n % 3]
        add(certification(f"{member}-c", member, f"2019-0{1 + n % 9}-1{n % 10}", code, name=f"Member {n}"),
            learned or partly)
        claims = rng.randint(5, 9)
        for k in range(claims):
            day = f"202{rng.randint(0, 2)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            add(activity(f"{member}-a{k}", member, day, rng.choice([5, 7.5, 10]), title=f"Course {k}"),
                learned or (partly and k < 2))
        if n % 11 == 0:
            add(activity(f"{member}-cpr", member, "2021-05-05", 4, "cpr", title="CPR"))
        if n % 13 == 0:
            add(activity(f"{member}-d", member, "2021-06-06", None, "college_course", title="Physiology",
                         credit_hours=2, grade="D", evidence="transcript"))
        add(renewal(f"{member}-r", member, "2022-11-0" + str(1 + n % 9)))
        if n % 4 == 0:
            add(selection(f"{member}-s", member, "2023-01-16"))
            received = "2023-02-10" if n % 8 == 0 else "2023-02-20"  # proof is due on 2023-02-15
            add(documentation(f"{member}-doc", member, received, [f"{member}-a0"], "certificate missing"))
            add(activity(f"{member}-late", member, "2023-03-03", 10, title="Replacement"))
    rng.shuffle(rows)
    return register(*rows)
