"""Random credential histories for the property tests: sequences of commands (certifications,
claims of every kind, renewals, audits, documentation reviews), each judged by the aggregate as
it would be in production; refused commands are simply not recorded."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from domain.credential import Credential, Stamp
from domain.errors import CredentialError
from domain.events import CredentialFact
from domain.policy import DEFAULT_POLICY
from domain.rules import ActivityClaim

BOOK = DEFAULT_POLICY
FIRST_DAY = date(2015, 1, 1)
SPAN_DAYS = 365 * 10

days = st.integers(min_value=0, max_value=SPAN_DAYS)
claims = st.one_of(
    st.builds(lambda h: ("acsm_workshop", {"hours": Decimal(h)}), st.integers(5, 25)),
    st.builds(lambda u: ("conference", {"units": Decimal(u) / 10, "provider": "NSCA"}), st.integers(1, 30)),
    st.builds(lambda c, g: ("college_course", {"credit_hours": Decimal(c), "grade": g, "evidence": "transcript"}),
              st.integers(1, 4), st.sampled_from(["A", "B", "C", "C-", "D"])),
    st.builds(lambda h, c: ("teaching", {"hours": Decimal(h), "course_id": c}),
              st.integers(1, 12), st.sampled_from(["K101", "K102"])),
    st.just(("publication", {"evidence": "publication_copy"})),
    st.builds(lambda p: ("hfj_self_test", {"published_on": FIRST_DAY + timedelta(days=p)}), days),
    st.just(("cpr", {})),
)
# Each step happens some days after the one before, so a history walks through cycles,
# renewals (in time, late, or never), audits and lapses.
gaps = st.integers(min_value=0, max_value=100)
commands = st.one_of(
    st.tuples(st.just("certify"), gaps, st.sampled_from(["CPT", "EP-C", "CES", "CIFT", "PAPHS"])),
    st.tuples(st.just("claim"), gaps, claims),
    st.tuples(st.just("claim"), gaps, claims),
    st.tuples(st.just("claim"), gaps, claims),
    st.tuples(st.just("claim"), gaps, claims),
    st.tuples(st.just("renew"), gaps, st.integers(-200, 200)),
    st.tuples(st.just("renew"), gaps, st.integers(-200, 200)),
    st.tuples(st.just("audit"), gaps, st.integers(0, 200)),
    st.tuples(st.just("review"), gaps, st.integers(0, 3)),
)
first_certifications = st.tuples(st.integers(0, 1500), st.sampled_from(["CPT", "EP-C", "RCEP", "CET"]))
histories = st.tuples(first_certifications, st.lists(commands, min_size=30, max_size=70))

# Histories crowded onto few business days: most steps happen on the day of the step before, so
# one day holds several claims, several certifications (the first day of a cycle included), a
# renewal, an audit selection and, with `audit_review`, the documentation of that audit.
same_day_gaps = st.sampled_from([0, 0, 0, 0, 1, 60, 250])
same_day_commands = st.one_of(
    st.tuples(st.just("certify"), same_day_gaps, st.sampled_from(["CPT", "EP-C", "CES", "RCEP", "CIFT", "PAPHS"])),
    st.tuples(st.just("claim"), same_day_gaps, claims),
    st.tuples(st.just("claims"), same_day_gaps, st.lists(claims, min_size=2, max_size=4)),
    st.tuples(st.just("claims"), same_day_gaps, st.lists(claims, min_size=2, max_size=4)),
    st.tuples(st.just("renew"), same_day_gaps, st.integers(-200, 200)),
    st.tuples(st.just("audit_review"), same_day_gaps, st.tuples(st.integers(0, 200), st.integers(0, 3))),
    st.tuples(st.just("review"), same_day_gaps, st.integers(0, 3)),
)
same_day_histories = st.tuples(first_certifications, st.lists(same_day_commands, min_size=20, max_size=60))


def numbered(index: int) -> str:
    return f"a{index}"


def build(history_spec: tuple[tuple[int, str], list[tuple[str, int, object]]],
          activity_id: Callable[[int], str] = numbered) -> list[CredentialFact]:
    """Record the generated commands, in business-date order, with increasing recorded times; the
    claim of step `index` gets the id `activity_id(index)`."""
    (first_day, first_code), steps = history_spec
    clock = datetime(2040, 1, 1, tzinfo=UTC)

    def stamp() -> Stamp:
        nonlocal clock
        clock += timedelta(minutes=1)
        return Stamp(clock)

    start = FIRST_DAY + timedelta(days=first_day)
    credential = Credential.open("m", None, start, stamp())
    credential.certify(first_code, start, BOOK, stamp())
    on = start
    for index, (kind, gap, argument) in enumerate(steps):
        on += timedelta(days=gap)
        try:
            if kind == "certify":
                credential.certify(str(argument), on, BOOK, stamp())
            elif kind == "claim":
                _claim(credential, activity_id(index), argument, f"activity {index}", on, stamp())  # type: ignore[arg-type]
            elif kind == "claims":  # several claims of one day, the ids of steps after the last
                for offset, one in enumerate(argument, start=1):  # type: ignore[call-overload]
                    number = len(steps) + 10 * index + offset
                    try:
                        _claim(credential, activity_id(number), one, f"activity {number}", on, stamp())
                    except CredentialError:
                        continue
            elif kind == "renew":
                # Near the end of the cycle under way: early, in time, in grace or too late.
                cycle = credential.replay(on, BOOK).cycle
                when = cycle.end + timedelta(days=int(argument)) if cycle else on  # type: ignore[call-overload]
                credential.submit_renewal(when, None, BOOK, stamp())
            elif kind == "audit":
                credential.select_for_audit(_selection_day(credential, on, int(argument)), "seed",  # type: ignore[call-overload]
                                            Decimal("0.1"), BOOK, stamp())
            elif kind == "audit_review":
                # Selected, and documentation received the same day.
                offset, rejections = argument  # type: ignore[misc]
                when = _selection_day(credential, on, offset)
                credential.select_for_audit(when, "seed", Decimal("0.1"), BOOK, stamp())
                credential.review_documentation(when, _rejections(credential, rejections), None, BOOK, stamp())
                on = max(on, when)  # the next steps follow the review, often on its day
            else:
                credential.review_documentation(on, _rejections(credential, int(argument)), None, BOOK, stamp())  # type: ignore[call-overload]
        except CredentialError:
            continue
    return credential.history


def _claim(credential: Credential, activity_id: str, argument: tuple[str, dict[str, object]], title: str,
           on: date, stamp: Stamp) -> None:
    category, fields = argument
    credential.claim_activity(activity_id, ActivityClaim(category, title, on, **fields), BOOK, stamp)  # type: ignore[arg-type]


def _selection_day(credential: Credential, on: date, offset: int) -> date:
    """A day of the year after the latest renewal (when one can be audited), else `on`."""
    renewals = [f.effective_on for f in credential.history if type(f).__name__ == "RenewalSubmitted"]
    return date(max(renewals).year + 1, 1, 1) + timedelta(days=offset) if renewals else on


def _rejections(credential: Credential, count: int) -> list[tuple[str, str]]:
    audited = [f for f in credential.history if hasattr(f, "activity_id")][:count]
    return [(f.activity_id, "no proof") for f in audited]  # type: ignore[attr-defined]


def probe_dates(facts: list[CredentialFact], seed: int) -> list[date]:
    """A sample of the history's business dates, the days after some, and others around deadlines."""
    rng = random.Random(seed)
    business = sorted({f.effective_on for f in facts})
    chosen = set(rng.sample(business, min(len(business), 12)))
    chosen.update(d + timedelta(days=1) for d in rng.sample(business, min(len(business), 6)))
    chosen.update(FIRST_DAY + timedelta(days=rng.randint(0, SPAN_DAYS + 900)) for _ in range(6))
    # Deadlines fall on these days: the first day of inactivity and of invalidity.
    chosen.update(date(rng.randint(2015, 2032), month, day) for month, day in ((1, 1), (7, 1)) for _ in range(3))
    return sorted(chosen)
