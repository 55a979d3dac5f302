"""The member's story as it was known at each recorded moment: what the bitemporal picture draws.

A moment is a group of facts recorded together (one command records them with one time), or
a policy adoption or withdrawal that changed the member's status periods. After each moment
the member's status over every business date is `domain.timeline`'s periods of the facts
known then, under the policy book known then: the same fold every status answer uses, so each
band of the picture says exactly what `GET /members/{id}/status?on=X&known_at=T` said.

Most moments add facts dated after most of what was known; their periods are continued from the
moment before's (`domain.timeline.status_periods_continued`, from the fold kept by
`domain.continued_replay`), so a member of thousands of moments is drawn in time linear in them;
a correction, a policy change or facts recorded out of order fold the facts known then whole.

Each moment also keeps the spans of business dates on which its periods differ from the
moment before (`domain.revisions.changes_between`, over every date, not only those before the
recorded day): where the story changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from domain.continued_replay import ContinuedReplay
from domain.events import ActivityAmended, CredentialFact, CredentialOpened, FactWithdrawn
from domain.policy import PolicyBook
from domain.revisions import BookAt, Cause, Change, PolicyChange, changes_between
from domain.states import Status
from domain.timeline import BEGINNING, FOREVER, StatusPeriod, status_periods_continued, timeline

# Before anything is recorded the member is not certified on every date.
NOTHING_KNOWN = (StatusPeriod(BEGINNING, None, Status.NOT_CERTIFIED, None),)


@dataclass(frozen=True)
class Moment:
    recorded_at: datetime
    facts: tuple[CredentialFact, ...]  # recorded together; empty for a policy change
    policy: Cause | None  # the adoption or withdrawal, for a policy change
    periods: tuple[StatusPeriod, ...]  # every business date, as known right after
    changes: tuple[Change, ...]  # the spans that differ from the moment before

    @property
    def named_facts(self) -> tuple[CredentialFact, ...]:
        """The facts a person is told about: the opening only names the member."""
        return tuple(f for f in self.facts if not isinstance(f, CredentialOpened))


def moments(history: Sequence[CredentialFact], book_at: BookAt,
            policy_changes: Sequence[PolicyChange]) -> list[Moment]:
    """Every recorded moment of the member, oldest first; policy changes only from the member's
    first fact on, and only those that changed the member's periods."""
    if not history:
        return []
    groups: list[tuple[datetime, tuple[CredentialFact, ...], Cause | None]] = [
        (recorded_at, tuple(group), None) for recorded_at, group in groupby(history, key=lambda f: f.timestamp)]
    first = history[0].timestamp
    groups += [(c.cause.recorded_at, (), c.cause) for c in policy_changes if c.cause.recorded_at > first]
    groups.sort(key=lambda group: group[0])

    found: list[Moment] = []
    before: tuple[StatusPeriod, ...] = NOTHING_KNOWN
    in_order = all(a.timestamp <= b.timestamp for a, b in zip(history, history[1:], strict=False))
    running, known, book_before = ContinuedReplay(), 0, None
    for recorded_at, facts, policy in groups:
        book = book_at(recorded_at)
        known += len(facts)
        after = _periods_after(history, known, facts, book, book_before, before, running) if in_order else None
        if after is None:
            after = timeline([f for f in history if f.timestamp <= recorded_at], book).periods
        book_before = book
        if policy is not None and after == before:
            continue  # this version changed nothing of this member's
        found.append(Moment(recorded_at, facts, policy, after, tuple(changes_between(before, after, FOREVER))))
        before = after
    return found


def _periods_after(history: Sequence[CredentialFact], known: int, facts: Sequence[CredentialFact],
                   book: PolicyBook, book_before: PolicyBook | None, before: tuple[StatusPeriod, ...],
                   running: ContinuedReplay) -> tuple[StatusPeriod, ...] | None:
    """The periods after a moment that adds `facts` (the last of the first `known` facts), continued
    from those before it: the days before its earliest fact are as they were (the fold is causal),
    the rest watched from the fold of the facts dated before then. None where that cannot be said:
    a policy change, another book, a correction (it voids facts of any date), nothing before."""
    if not facts or book_before is None or not book.folds_as(book_before) or before is NOTHING_KNOWN:
        return None
    if any(isinstance(f, (FactWithdrawn, ActivityAmended)) for f in facts):
        return None
    day = min(f.effective_on for f in facts)
    if day == date.min:
        return None
    fold, rest = running.fold_before(history[:known], day, book)
    return status_periods_continued(before, fold, rest, day)
