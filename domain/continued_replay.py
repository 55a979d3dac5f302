"""A credential's replays, each continued from a fold kept along the way instead of folded anew.

`domain.replay.replay` folds every known fact from the first, so a command or an answer costs
more the longer the member's history. Most commands add a fact dated on or after every fact
already folded, or a few days before the latest; judging it, and answering the status after it,
fold the same facts as last time but for the new one. `ContinuedReplay` keeps the facts in the
order they fold (`domain.replay.foldables`) and copies of the fold at a few places along them
(checkpoints: dense near the latest fact, sparser further back). A replay on day D starts from
the last checkpoint at or before the facts dated up to D and folds only the facts after it.

That is exactly the replay's fold, in the same steps: a fold is a function of the facts it
applied, in order, and of the days it was advanced to. A checkpoint stops on the day of the last
fact it folded, and every deadline up to that day is one the replay applies before the next fact
too (a deadline on that very day comes before any fact of that day in both).

This is not the snapshot `domain.replay` warns against: a fact recorded late takes its place
among the kept facts by business date, and every checkpoint that folded past that place is
dropped. A correction re-places earlier facts (which are in force, where decisions fold) and
another policy book folds differently; after either, the facts are folded again from the first.
Only "as known now" is continued: an answer as known at an earlier time replays.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain import events
from domain.events import CredentialFact
from domain.fold import Fold, Foldable
from domain.policy import PolicyBook
from domain.replay import business_order, foldables
from domain.rules import ONE_DAY

# Checkpoints lie this many facts apart next to the latest fact, and twice as far apart with
# each doubling of the distance from it: about two per doubling in all, so a member's kept folds
# take memory in proportion to its history times the log of its length, not its square. Beside
# them are kept the latest (all facts folded) and the one where the last replay stopped.
CHECKPOINT_SPACING = 16


@dataclass(frozen=True)
class _Checkpoint:
    folded: int  # how many of the kept facts, in folding order, it has folded
    fold: Fold  # on the day of the last of them; shared, so never changed: continued on a copy


@dataclass(frozen=True)
class _Kept:
    """The facts of a history as known now, in folding order, with the checkpoints along them."""

    book: PolicyBook
    length: int  # the history's facts it holds
    last: CredentialFact | None  # the last of them: a history that goes on from it extends this one
    order: list[Foldable]  # never changed once kept: a new fact makes new lists
    keys: list[tuple[object, ...]]  # `business_order` of each
    days: list[date]
    checkpoints: tuple[_Checkpoint, ...]  # by `folded`, ascending
    corrected: bool  # the history holds a withdrawal or an amendment

    @classmethod
    def of(cls, history: Sequence[CredentialFact], book: PolicyBook) -> _Kept:
        order = foldables(history, None, book)
        key = business_order(book)
        return cls(book, len(history), history[-1] if history else None, order, [key(f) for f in order],
                   [f.effective_on for f in order], (), any(map(_re_places, history)))

    def extends_to(self, history: Sequence[CredentialFact], book: PolicyBook) -> bool:
        if not book.folds_as(self.book) or len(history) < self.length:
            return False
        last = history[self.length - 1] if self.length else None
        return last is self.last or last == self.last

    def grown_by(self, history: Sequence[CredentialFact]) -> _Kept | None:
        """These facts with the history's newer facts in their places; None when one of them
        re-places others (a correction), or would change which facts are in force."""
        new = history[self.length:]
        if any(map(_re_places, new)):
            return None
        if self.corrected:
            # A correction is weighed against the facts recorded before it: one stamped earlier
            # (an imported row's recorded time) would change that.
            if self.last is not None and any(f.timestamp < self.last.timestamp for f in new):
                return None
            # In force, a claim of an activity already claimed supersedes it.
            claimed = {f.activity_id for f in self.order if isinstance(f, events.ActivityClaimed)}
            if any(isinstance(f, events.ActivityClaimed) and f.activity_id in claimed for f in new):
                return None
        order, keys, days = list(self.order), list(self.keys), list(self.days)
        key, first = business_order(self.book), len(order)
        for fact in new:
            fact_key = key(fact)
            at = bisect_right(keys, fact_key)  # after equal keys: recorded order, as a stable sort
            order.insert(at, fact)
            keys.insert(at, fact_key)
            days.insert(at, fact.effective_on)
            first = min(first, at)
        checkpoints = tuple(c for c in self.checkpoints if c.folded <= first)
        return _Kept(self.book, len(history), history[-1], order, keys, days, checkpoints, self.corrected)

    def start_for(self, end: int) -> _Checkpoint | None:
        """The last checkpoint that folded none of the facts after the first `end`."""
        found = None
        for checkpoint in self.checkpoints:
            if checkpoint.folded > end:
                break
            found = checkpoint
        return found

    def with_checkpoints(self, made: Sequence[_Checkpoint], last_end: int) -> _Kept:
        """These facts with the checkpoints `made` too: those worth keeping, the latest, and the one
        where the last replay stopped (`last_end`): a command's fact mostly takes its place there,
        so the status after it continues from the fold that judged it."""
        total = len(self.order)
        merged = sorted({c.folded: c for c in (*self.checkpoints, *made)}.values(), key=lambda c: c.folded)
        kept = tuple(c for c in merged if c.folded in (total, last_end) or _worth_keeping(c.folded, total))
        return _Kept(self.book, self.length, self.last, self.order, self.keys, self.days, kept, self.corrected)


def _worth_keeping(folded: int, total: int) -> bool:
    spacing = CHECKPOINT_SPACING
    while total - folded >= 2 * spacing:
        spacing *= 2
    return folded % spacing == 0


def _marks(begin: int, end: int, total: int) -> list[int]:
    """The places strictly between `begin` and `end` where a checkpoint is worth keeping."""
    first = (begin // CHECKPOINT_SPACING + 1) * CHECKPOINT_SPACING
    return [mark for mark in range(first, end, CHECKPOINT_SPACING) if _worth_keeping(mark, total)]


def _re_places(fact: CredentialFact) -> bool:
    """A correction changes which earlier facts are in force, and where they fold."""
    return isinstance(fact, (events.FactWithdrawn, events.ActivityAmended))


class ContinuedReplay:
    """The replays of one credential as known now, each continued from the last kept fold.

    `fold` answers what `replay(history, on, None, book)` answers, for any day and any history
    that extends the one asked about before (a history that does not is folded anew). The fold
    it returns may be one it keeps: read it, never change it. One may be shared by the threads
    serving a member: each call reads what is kept once and replaces it whole."""

    def __init__(self) -> None:
        self._kept: _Kept | None = None

    def fold_before(self, history: Sequence[CredentialFact], day: date, book: PolicyBook,
                    ) -> tuple[Fold, list[Foldable]]:
        """The fold of the facts dated before `day`, advanced to the day before (a copy: the caller's
        to go on with), and the foldables dated on or after `day`, in the order they fold."""
        fold = self.fold(history, day - ONE_DAY, book).copied()
        kept = self._kept
        assert kept is not None
        return fold, kept.order[bisect_right(kept.days, day - ONE_DAY):]

    def fold(self, history: Sequence[CredentialFact], on: date, book: PolicyBook) -> Fold:
        kept = self._kept
        grown = kept.grown_by(history) if kept is not None and kept.extends_to(history, book) else None
        kept = grown or _Kept.of(history, book)
        end = bisect_right(kept.days, on)
        start = kept.start_for(end)
        if start is not None and start.folded == end and start.fold.today == on:
            self._kept = kept
            return start.fold
        fold = start.fold.copied() if start is not None else Fold(book)
        begin, total = start.folded if start is not None else 0, len(kept.order)
        made = []
        for mark in (*_marks(begin, end, total), end):
            for fact in kept.order[begin:mark]:
                fold.apply(fact)
            begin = mark
            if mark < end:
                made.append(_Checkpoint(mark, fold.copied()))
        if end > (start.folded if start is not None else 0):
            made.append(_Checkpoint(end, fold))
            if fold.today != on:
                fold = fold.copied()
        self._kept = kept.with_checkpoints(made, end)
        fold.advance_to(on)
        return fold
