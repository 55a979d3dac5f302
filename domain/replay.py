"""Which facts the fold sees, and in which order: the replay behind every status answer.

`replay` folds the facts known at `known_at` whose business date is on or before `on`,
in business-date order (ties by kind, then content, see `business_order`), and applies
every deadline that falls due between them and up to `on`, whether or not a sweep has
recorded it. Recorded `MarkedInactive` and `Invalidated` facts therefore never change an
answer; they only make the transitions visible in the store.

Never snapshot this fold: a fact recorded late can land before everything a snapshot
would have folded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime

from domain import events
from domain.corrections import CorrectionDecided, decisions, in_force
from domain.events import CredentialFact
from domain.fold import Fold, Foldable
from domain.policy import PolicyBook


def known_facts(history: Iterable[CredentialFact], known_at: datetime | None) -> list[CredentialFact]:
    if known_at is None:
        return list(history)
    return [f for f in history if f.timestamp <= known_at]


# Within one business day facts fold in a fixed order of kind (rules.md section 14), so the
# answers never depend on the order in which staff happened to record them: certifications,
# the audit selection (so documentation of its day is reviewed against it), activities,
# documentation (its rejections before its outcome), then the renewal they may complete.
# Raised whenever a change to the rules' code (not to the policy book) changes an answer for the
# same facts: read models record it beside the book's fingerprint, so they are rebuilt after
# such a deployment instead of serving rows computed under the old rules.
# 2: same-day order by kind and content; places of renewals and audits derived; first-day certifications.
# 3: corrections; an activity's CECs computed under the version in force on its completion date.
# 4: a correction opens a replacement window only for a renewed cycle of the current run it left short.
RULES_REVISION = 4

_DAY_ORDER = {
    events.Certified: 0,
    events.AuditSelected: 1,
    events.ActivityClaimed: 2,
    events.ActivityAmended: 2,
    events.DocumentationRejected: 3,
    events.AuditReviewed: 4,
    events.RenewalSubmitted: 5,
    # A correction decided on a day sees every fact of that day.
    CorrectionDecided: 8,
}


def _content(fact: Foldable, book: PolicyBook) -> tuple[object, ...]:
    """Within a kind, facts of one day fold by their content, never by a random id: activities
    by CECs descending, then category, then title (then the rest of what they say); certifications
    the lower level first, so each earned on a later day of a cycle is judged as higher or not
    than those of the days before."""
    if isinstance(fact, events.ActivityClaimed):
        return (-fact.cecs, fact.category, fact.title, fact.course_id or "", fact.evidence.value,
                fact.provider or "", fact.activity_id)
    if isinstance(fact, events.Certified):
        rule = book.in_force(fact.effective_on).certification(fact.certification)
        return (rule.level or 0) if rule else 0, fact.certification
    return ()


def business_order(book: PolicyBook) -> Callable[[Foldable], tuple[object, ...]]:
    """The sort key of facts in the order they fold: business date, kind, content."""
    return lambda fact: (fact.effective_on, _DAY_ORDER.get(type(fact), 9), *_content(fact, book))


def foldables(history: Sequence[CredentialFact], known_at: datetime | None, book: PolicyBook,
              until: date = date.max) -> list[Foldable]:
    """What the fold folds, in business order: the facts known at `known_at` and in force then
    (`domain.corrections`) and the day each correction among them was decided, up to `until`.
    A withdrawal is folded as its decision: what it voids is already left out."""
    known = known_facts(history, known_at)
    return _Decisions(known, book).foldables(known, until)


class _Decisions:
    """Each correction's decision, with the renewed cycles already short just before it was
    recorded: those it did not leave short (rules.md section 8). A correction leaves a cycle
    short as the facts stood when it was recorded, so a later one that voids more of the same
    cycle finds the window already open, and an unrelated one never opens a window for a cycle
    another fact made short. What was known before a correction never changes, so each is
    weighed once, from the facts recorded before it (their own corrections weighed alike)."""

    def __init__(self, known: Sequence[CredentialFact], book: PolicyBook) -> None:
        self.known = known
        self.book = book
        self.recorded_at = {f.fact_id: f.timestamp for f in known}
        self.short_before: dict[str, frozenset[date]] = {}

    def foldables(self, known: Sequence[CredentialFact], until: date) -> list[Foldable]:
        facts = in_force(known)
        kept: list[Foldable] = [f for f in facts if f.effective_on <= until and not isinstance(f, events.FactWithdrawn)]
        decided = [self.weighed(d) for d in decisions(facts) if d.effective_on <= until]
        return sorted((*kept, *decided), key=business_order(self.book))

    def weighed(self, decision: CorrectionDecided) -> CorrectionDecided:
        return replace(decision, weigh=lambda: self.short_before_of(decision))

    def short_before_of(self, decision: CorrectionDecided) -> frozenset[date]:
        # Folded only when the fold finds a renewed cycle short on the decision's day, so a
        # correction that leaves every cycle its requirement costs nothing more.
        if decision.fact_id not in self.short_before:
            recorded_at = self.recorded_at[decision.fact_id]
            before = [f for f in self.known if f.timestamp < recorded_at]
            fold = Fold(self.book)
            for fact in self.foldables(before, decision.effective_on):
                fold.apply(fact)
            fold.advance_to(decision.effective_on)
            self.short_before[decision.fact_id] = fold.short_renewed_cycles()
        return self.short_before[decision.fact_id]


def replay(history: Sequence[CredentialFact], on: date, known_at: datetime | None, book: PolicyBook) -> Fold:
    """The fold of what was known at `known_at` about the credential, as of `on`."""
    facts = foldables(history, known_at, book, on)
    fold = Fold(book)
    for fact in facts:
        fold.apply(fact)
    fold.advance_to(on)
    return fold
