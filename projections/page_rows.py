"""The writes of one page of a follower: each member's rows, whole or by difference.

A member the follower kept (`projections.member_cache`) is written by difference in the tables
replaced whole (`DIFFED_TABLES`): the rows it had there that changed or went are deleted by key,
the new or changed ones inserted; every other member, and every member's rows of the other tables,
as `ReadModels.replace_members` always wrote them. What it wrote is kept again, for the next page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.events import CredentialFact
from projections.known_policy import KnownPolicy
from projections.member_cache import Kept, diff
from projections.rows import Changes, Rows, add_member_rows, empty_rows
from projections.source import OriginatorId
from projections.tables import DIFFED_TABLES, MEMBER_TABLES


@dataclass
class PageRows:
    changes: Changes = field(default_factory=dict)
    rows: Rows = field(default_factory=empty_rows)  # to insert
    diffed: set[str] = field(default_factory=set)  # members written by difference
    removed: Rows = field(default_factory=empty_rows)  # their rows to delete, by key
    kept: dict[OriginatorId, Kept] = field(default_factory=dict)  # to keep, once written

    def add(self, originator: OriginatorId, history: list[CredentialFact], was: Kept | None, known: KnownPolicy,
            today: date, from_version: int) -> None:
        """Add the member of `history` (all of it, the page's facts from `from_version` on), as the
        follower kept it before the page (`was`) or not at all (None)."""
        computed = empty_rows()
        member, first_new, running = add_member_rows(computed, history, known, today, from_version,
                                                     running=None if was is None else was.running)
        self.changes[member] = first_new
        whole = {table.name: computed[table.name] for table in DIFFED_TABLES}
        if was is None or was.member != member:
            for table in MEMBER_TABLES:
                self.rows[table.name] += computed[table.name]
        else:
            removed, added = diff(was.rows, whole)
            for table in MEMBER_TABLES:
                self.rows[table.name] += added[table.name] if table in DIFFED_TABLES else computed[table.name]
                if table in DIFFED_TABLES:
                    self.removed[table.name] += removed[table.name]
            self.diffed.add(member)
        self.kept[originator] = Kept(member, history, whole, running)
