"""Which facts the fold sees, and in which order: the replay behind every status answer.

`replay` folds the facts known at `known_at` whose business date is on or before `on`,
in business-date order (ties in a fixed order of kinds, see `business_order`), and applies
every deadline that falls due between them and up to `on`, whether or not a sweep has
recorded it. Recorded `MarkedInactive` and `Invalidated` facts therefore never change an
answer; they only make the transitions visible in the store.

Never snapshot this fold: a fact recorded late can land before everything a snapshot
would have folded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from domain import events
from domain.events import CredentialFact
from domain.fold import Fold
from domain.policy import PolicyBook


def known_facts(history: Iterable[CredentialFact], known_at: datetime | None) -> list[CredentialFact]:
    if known_at is None:
        return list(history)
    return [f for f in history if f.timestamp <= known_at]


# Within one business day facts fold in a fixed order, so the answers never depend on the
# order in which staff happened to record them: a certification before the activities of
# its day, activities before the renewal they may complete, rejections before the review.
_DAY_ORDER = {
    events.Certified: 0,
    events.ActivityClaimed: 1,
    events.DocumentationRejected: 2,
    events.AuditReviewed: 3,
    events.RenewalSubmitted: 4,
    events.AuditSelected: 5,
}


def business_order(fact: CredentialFact) -> tuple[date, int, str]:
    if isinstance(fact, events.ActivityClaimed):
        tie = fact.activity_id
    elif isinstance(fact, events.Certified):
        tie = fact.certification
    else:
        tie = ""
    return fact.effective_on, _DAY_ORDER.get(type(fact), 9), tie


def replay(history: Sequence[CredentialFact], on: date, known_at: datetime | None, book: PolicyBook) -> Fold:
    """The fold of what was known at `known_at` about the credential, as of `on`."""
    facts = sorted(
        (f for f in known_facts(history, known_at) if f.effective_on <= on),
        key=business_order,
    )
    fold = Fold(book)
    for fact in facts:
        fold.apply(fact)
    fold.advance_to(on)
    return fold
