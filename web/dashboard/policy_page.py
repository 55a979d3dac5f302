"""The policy page: every version of the rule book side by side, and (for staff) the forms that
adopt a version and withdraw one adopted in error (rules.md section 9).

One row per value (its dotted path, as `GET /policy` nests it: `certifications.CPT.renewal_fee`),
one column per version in effective order, each cell the whole book in force from that
version's date (`domain.policy_values`, carried-over values included). A cell is marked changed
when it differs from the version that governed before it: the previous version in effective
order that is not withdrawn (a withdrawn one governs nothing). Withdrawn versions stay, struck
through, with when and why. `?known_at=` shows the book as known at a time.

The forms post, build the API's commands from the API's own schemas and redirect back; a
refusal (`invalid_policy` with every bad value, `version_exists`...) is shown on the page, with
what was typed, at the status the API would answer, and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from application.commands import AdoptPolicyVersion, WithdrawPolicyVersion
from domain.policy_register import VersionRecord
from domain.policy_values import policy_values
from web.auth import Permission, recorded_by
from web.dashboard import data
from web.dashboard.access import form, page
from web.dashboard.arguments import time_arg
from web.dashboard.blueprint import REFUSALS, Refusal, dashboard, refusal_of
from web.dashboard.forms import invalid, json_field, new_submission_key, read_form, submission_key
from web.dashboard.wording import moment, moment_input
from web.schemas.policy import AdoptionBody, VersionWithdrawalBody
from web.services import service

ABSENT = "—"  # a value the version does not have (a certification added later)
GENERAL = "general"
ALL, CHANGED = "all", "changed"  # ?values=: every value, or only those some version changed
# Which of the two forms a refusal belongs beside.
ADOPTION, WITHDRAWAL = "adoption", "withdrawal"


@dataclass(frozen=True)
class Cell:
    text: str
    before: str | None  # the value of the version that governed before this one; None for the first

    @property
    def changed(self) -> bool:
        return self.before is not None and self.before != self.text


@dataclass(frozen=True)
class ValueRow:
    path: str
    cells: tuple[Cell, ...]

    @property
    def group(self) -> str:
        """The top-level key of a nested value (a heading row starts each group); the single
        values (grace months, late fee...) make one group."""
        top, nested, _ = self.path.partition(".")
        return top if nested else GENERAL

    @property
    def changed(self) -> bool:
        return any(cell.changed for cell in self.cells)


@dataclass(frozen=True)
class Change:
    path: str
    before: str
    after: str


def flattened(values: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Every leaf of the published values by its dotted path, as text."""
    leaves: dict[str, str] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            leaves.update(flattened(value, f"{path}."))
        elif isinstance(value, list):
            leaves[path] = ", ".join(str(item) for item in value) or "none"
        elif isinstance(value, bool):
            leaves[path] = "yes" if value else "no"
        else:
            leaves[path] = ABSENT if value is None else str(value)
    return leaves


def side_by_side(records: Sequence[VersionRecord]) -> list[ValueRow]:
    """One row per value path of any version, grouped by top-level key in the published order."""
    columns = [flattened(policy_values(record.policy)) for record in records]
    paths: dict[str, None] = {}
    for column in columns:
        paths.update(dict.fromkeys(column))
    groups = list(dict.fromkeys(path.split(".", 1)[0] for path in paths))
    ordered = sorted(paths, key=lambda path: groups.index(path.split(".", 1)[0]))  # stable: first seen within
    rows = []
    for path in ordered:
        cells, governing = [], None
        for record, column in zip(records, columns):
            cells.append(Cell(column.get(path, ABSENT), None if governing is None else governing.get(path, ABSENT)))
            if record.withdrawn_at is None:
                governing = column
        rows.append(ValueRow(path, tuple(cells)))
    return rows


def changes_made(records: Sequence[VersionRecord],
                 rows: Sequence[ValueRow]) -> list[tuple[VersionRecord, list[Change]]]:
    """What each version changed from the one that governed before it, version by version."""
    return [(record, [Change(row.path, row.cells[index].before or ABSENT, row.cells[index].text)
                      for row in rows if row.cells[index].changed])
            for index, record in enumerate(records) if index > 0]


def grouped(rows: Sequence[ValueRow]) -> list[tuple[str, list[ValueRow]]]:
    """The rows by group, each group where its first row is."""
    groups: dict[str, list[ValueRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    return list(groups.items())


@dashboard.get("/dashboard/policy")
@page(Permission.READ)
def policy() -> str:
    return policy_page()[0]


def _only_changed() -> bool:
    shown = request.args.get("values", ALL)
    if shown not in (ALL, CHANGED):
        raise invalid("values", f"{shown!r} is not one of {ALL!r} or {CHANGED!r}")
    return shown == CHANGED


def policy_page(refusal: Refusal | None = None, refused_form: str | None = None) -> tuple[str, int]:
    known_at = time_arg("known_at")
    only_changed = _only_changed()
    records = data.policy_versions(known_at)
    rows = side_by_side(records)
    page_html = render_template(
        "dashboard/policy.html", records=records, changes=changes_made(records, rows), only_changed=only_changed,
        groups=grouped([row for row in rows if row.changed or not only_changed]), known_at_asked=known_at,
        known_at_value=moment_input(known_at), known_at_text=moment(known_at or data.now()),
        withdrawable=[r.version for r in records if r.adopted_at is not None and r.withdrawn_at is None],
        refusal=refusal, refused_form=refused_form, typed=request.form if refusal else {},
        submission_key=new_submission_key(),
    )
    return page_html, refusal.status if refusal else 200


def _back() -> BaseResponse:
    return redirect(url_for("dashboard.policy"), 303)


@dashboard.post("/dashboard/policy/versions")
@form(Permission.SET_POLICY)
def adopt_version() -> tuple[str, int] | BaseResponse:
    try:
        body = read_form(AdoptionBody, values=json_field("values"))
        command = AdoptPolicyVersion(body["version"], body["effective_from"], body["values"])
        service().execute(command, submission_key(), recorded_by())
    except REFUSALS as error:
        return policy_page(refusal_of(error), ADOPTION)
    flash(f"Policy version {command.version} adopted, in force from {command.effective_from}.")
    return _back()


@dashboard.post("/dashboard/policy/withdrawals")
@form(Permission.SET_POLICY)
def withdraw_version() -> tuple[str, int] | BaseResponse:
    try:
        version = request.form.get("version", "").strip()
        if not version:
            raise invalid("version", "choose the version to withdraw")
        body = read_form(VersionWithdrawalBody)
        service().execute(WithdrawPolicyVersion(version, body["reason"]), submission_key(), recorded_by())
    except REFUSALS as error:
        return policy_page(refusal_of(error), WITHDRAWAL)
    flash(f"Policy version {version} withdrawn: from now on it governs nothing.")
    return _back()
