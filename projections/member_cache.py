"""What a follower keeps of the members it wrote, so that their next facts cost only themselves.

Recomputing a member from its whole history for every page read and decoded all of its earlier
events, folded its revisions' running fold from the first fact, and rewrote every row it has.
A follower keeps, for the members it wrote last (a bounded LRU), the decoded history, the rows it
wrote in the tables replaced whole, and the running fold `member_revisions` returned; then a page
whose facts continue a kept history needs no read and no decode of the earlier events, the running
fold goes on from where it was, and only the rows that differ from those kept are deleted (by key)
and inserted (`diff`).

Kept rows are only worth anything while they are the rows in the tables. They are, as long as the
tracking row still holds the position and policy this follower wrote last (`MemberCache.trust`):
every write of a page moves the position under the tracking row's lock, and every rebuild swaps in
its own position and fingerprint, so no other writer came between. The one write that keeps the
position, a recompute of members whose deadlines passed (`Projector.recompute`, in this process or
another), changes only `current_status` (nothing else depends on the day), which is why that table is
never kept, always replaced whole. Anything else (a failed or refused write, a rebuild, a policy
step, an error while computing) empties the cache: the next page recomputes its members whole.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.events import CredentialFact
from domain.running_revisions import RunningFold
from projections.rows import Row, Rows
from projections.source import OriginatorId
from projections.tables import CECS, DIFFED_TABLES, MONEY

# Members kept: about 100 kB each for a member of 50 facts.
CACHE_MEMBERS = 5_000


@dataclass
class Kept:
    """A member as this follower wrote it last."""

    member: str
    history: list[CredentialFact]  # decoded, in version order: its last fact's version is len(history)
    rows: Rows  # its rows of each of `DIFFED_TABLES`, as written
    running: RunningFold | None  # the revisions' running fold of `history`


class MemberCache:
    def __init__(self, capacity: int = CACHE_MEMBERS) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[OriginatorId, Kept] = OrderedDict()
        # The tracking row (position, policy fingerprint) after this follower's last write.
        self._written: tuple[int, str | None] | None = None
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._kept)

    def trust(self, tracking: tuple[int, str | None]) -> None:
        """Keep what is kept only if the tables are still as this follower left them."""
        if tracking != self._written:
            self.clear()

    def take(self, originator: OriginatorId, next_version: int) -> Kept | None:
        """The member as kept, if its history is exactly the facts before `next_version`; removed
        from the cache either way (it is kept again once written: `written`)."""
        kept = self._kept.pop(originator, None)
        if kept is None or len(kept.history) != next_version - 1:
            self.misses += 1
            return None
        self.hits += 1
        return kept

    def written(self, tracking: tuple[int, str | None], members: dict[OriginatorId, Kept]) -> None:
        """The page holding `members` was committed, moving the tracking row to `tracking`."""
        self._written = tracking
        for originator, kept in members.items():
            self._kept[originator] = kept
            self._kept.move_to_end(originator)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)

    def clear(self) -> None:
        self._kept.clear()
        self._written = None


def stored_form(row: Row, decimals: Sequence[int]) -> tuple[Any, ...]:
    """The row as the tables keep it, for comparing: its Decimals (at `decimals`) by their digits
    (SQLite keeps them as text, so 1.0 and 1.00 are different rows there), everything else as
    Python compares it."""
    if not decimals:
        return row
    kept = list(row)
    for index in decimals:
        if isinstance(kept[index], Decimal):
            kept[index] = (Decimal, str(kept[index]))
    return tuple(kept)


# The positions of the columns that hold Decimals (CECs and money), the only values whose equality
# in Python is looser than the tables'.
DECIMAL_COLUMNS = {table.name: tuple(index for index, (_name, kind) in enumerate(table.columns)
                                     if kind in (CECS, MONEY))
                   for table in DIFFED_TABLES}


def diff(old: Rows, new: Rows) -> tuple[Rows, Rows]:
    """The rows of `old` that `new` has not (to delete, by key) and those of `new` that `old` has not
    (to insert), for each of `DIFFED_TABLES`. Deletes go before inserts, so a row changed under the
    same key is in both."""
    removed: Rows = {}
    added: Rows = {}
    for table in DIFFED_TABLES:
        before, after, decimals = old[table.name], new[table.name], DECIMAL_COLUMNS[table.name]
        if not decimals and before == after:
            removed[table.name], added[table.name] = [], []
            continue
        had = {stored_form(row, decimals) for row in before}
        has = {stored_form(row, decimals) for row in after}
        removed[table.name] = [row for row in before if stored_form(row, decimals) not in has]
        added[table.name] = [row for row in after if stored_form(row, decimals) not in had]
    return removed, added
