"""Random credential histories for the property tests: sequences of commands (certifications,
claims of every kind, renewals, audits, documentation reviews, and with `corrected_histories`
amendments and withdrawals), each judged by the aggregate as it would be in production; refused
commands are simply not recorded."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from domain.corrections import NOT_WITHDRAWABLE, activity_in_force, voiding
from domain.credential import Credential, Stamp
from domain.errors import CredentialError
from domain.events import ActivityClaimed, CredentialFact, CredentialOpened
from domain.policy import DEFAULT_POLICY, PolicyBook
from domain.policy_register import PolicyRegister
from domain.revisions import Cause, PolicyChange
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
# renewals (in time, late, or never), audits and lapses; with `corrections`, amendments to new
# content and withdrawals of any withdrawable fact (`picks` chooses which among those standing),
# so a correction meets earlier ones.
gaps = st.integers(min_value=0, max_value=100)
picks = st.integers(0, 1000)


Step = tuple[str, int, object]


def step_kinds(step_gaps: st.SearchStrategy[int], *, corrections: bool = False) -> st.SearchStrategy[Step]:
    kinds = [
        st.tuples(st.just("certify"), step_gaps, st.sampled_from(["CPT", "EP-C", "CES", "CIFT", "PAPHS"])),
        *[st.tuples(st.just("claim"), step_gaps, claims)] * 4,
        *[st.tuples(st.just("renew"), step_gaps, st.integers(-200, 200))] * 2,
        st.tuples(st.just("audit"), step_gaps, st.integers(0, 200)),
        st.tuples(st.just("review"), step_gaps, st.integers(0, 3)),
    ]
    if corrections:
        kinds += [st.tuples(st.just("amend"), step_gaps, st.tuples(picks, claims)),
                  st.tuples(st.just("withdraw"), step_gaps, picks)]
    return st.one_of(*kinds)


commands = step_kinds(gaps)
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

# Cycles each earned by a few workshops and renewed, so a withdrawal or an amendment often leaves
# a renewed cycle short; a refused CPR claim only moves the days on to the next cycle.
_earned_cycle = st.tuples(
    st.lists(st.tuples(st.just("claim"), st.integers(0, 150),
                       st.builds(lambda h: ("acsm_workshop", {"hours": Decimal(h)}), st.integers(15, 25))),
             min_size=2, max_size=3),
    st.tuples(st.just("renew"), st.integers(0, 30), st.integers(-200, 100)),
    st.lists(step_kinds(st.integers(0, 200), corrections=True), max_size=2),
).map(lambda parts: [*parts[0], parts[1], *parts[2], ("claim", 1100, ("cpr", {}))])
renewed_histories = st.tuples(first_certifications, st.lists(_earned_cycle, min_size=1, max_size=3).map(
    lambda cycles: [step for cycle in cycles for step in cycle]))

corrected_histories = st.one_of(
    st.tuples(first_certifications, st.lists(step_kinds(gaps, corrections=True), min_size=20, max_size=50)),
    renewed_histories,
)
# How many days after its business date each step is recorded (`Recording`); None: all in 2040.
lags = st.one_of(st.none(), st.lists(st.integers(0, 60), min_size=1, max_size=8))


def numbered(index: int) -> str:
    return f"a{index}"


class Recording:
    """One member's credential as the generated commands record it. Without `lags` every command
    is recorded a minute after the one before, from 2040 on, after every business date; with
    them, step `i` is recorded `lags[i % len(lags)]` days after its business date (never before
    the command before it), as staff do, so revisions and corrections fall among the facts."""

    def __init__(self, lags: Sequence[int] | None = None, *, kept_replays: bool = False) -> None:
        self.lags = lags
        self.kept_replays = kept_replays
        self.clock = datetime(2040, 1, 1, tzinfo=UTC) if not lags else datetime(2000, 1, 1, tzinfo=UTC)
        self._credential: Credential | None = None

    @property
    def credential(self) -> Credential:
        assert self._credential is not None, "open it first"
        return self._credential

    def stamp(self, business_date: date, index: int = 0) -> Stamp:
        self.clock += timedelta(minutes=1)
        if self.lags:
            late = business_date + timedelta(days=self.lags[index % len(self.lags)])
            self.clock = max(self.clock, datetime(late.year, late.month, late.day, 12, tzinfo=UTC))
        return Stamp(self.clock)

    def open(self, on: date) -> Credential:
        self._credential = Credential.open("m", None, on, self.stamp(on))
        if self.kept_replays:
            self._credential.keep_replays()
        return self._credential


def build(history_spec: tuple[tuple[int, str], list[tuple[str, int, object]]],
          activity_id: Callable[[int], str] = numbered, lags: Sequence[int] | None = None) -> list[CredentialFact]:
    """Record the generated commands, in business-date order, with increasing recorded times; the
    claim of step `index` gets the id `activity_id(index)`."""
    return record(history_spec, activity_id, lags).credential.history


def record(history_spec: tuple[tuple[int, str], list[tuple[str, int, object]]],
           activity_id: Callable[[int], str] = numbered, lags: Sequence[int] | None = None,
           *, kept_replays: bool = False) -> Recording:
    """`build`, keeping the credential and its clock, so a test can record more commands after
    (`kept_replays`: the credential judges each command on its kept replays, `Credential.keep_replays`)."""
    (first_day, first_code), steps = history_spec
    recording = Recording(lags, kept_replays=kept_replays)
    start = FIRST_DAY + timedelta(days=first_day)
    credential = recording.open(start)
    credential.certify(first_code, start, BOOK, recording.stamp(start))
    on = start
    for index, (kind, gap, argument) in enumerate(steps):
        on += timedelta(days=gap)

        def stamp(business_date: date = on, step: int = index) -> Stamp:
            return recording.stamp(business_date, step)

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
                credential.submit_renewal(when, None, BOOK, stamp(when))
            elif kind == "audit":
                when = _selection_day(credential, on, int(argument))  # type: ignore[call-overload]
                credential.select_for_audit(when, "seed", Decimal("0.1"), BOOK, stamp(when))
            elif kind == "audit_review":
                # Selected, and documentation received the same day.
                offset, rejections = argument  # type: ignore[misc]
                when = _selection_day(credential, on, offset)
                credential.select_for_audit(when, "seed", Decimal("0.1"), BOOK, stamp(when))
                credential.review_documentation(when, _rejections(credential, rejections), None, BOOK, stamp(when))
                on = max(on, when)  # the next steps follow the review, often on its day
            elif kind == "amend":  # the whole new content of an activity in force, completed on the step's day
                pick, (category, fields) = argument  # type: ignore[misc]
                standing = activities_in_force(credential.history)
                if standing:
                    new = ActivityClaim(category, f"amended {index}", on, **fields)
                    credential.amend_activity(standing[pick % len(standing)], new, "typed wrong", BOOK, stamp())
            elif kind == "withdraw":  # a withdrawable fact, decided on the step's day
                candidates = withdrawable(credential.history)
                if candidates:
                    credential.withdraw(candidates[int(argument) % len(candidates)].fact_id, "in error", on,  # type: ignore[call-overload]
                                        None, stamp())
            else:
                credential.review_documentation(on, _rejections(credential, int(argument)), None, BOOK, stamp())  # type: ignore[call-overload]
        except CredentialError:
            continue
    return recording


def withdrawable(history: Sequence[CredentialFact]) -> list[CredentialFact]:
    """The facts a withdrawal may name (rules.md section 8), not withdrawn yet."""
    withdrawn = voiding(history).withdrawn
    return [f for f in history if not isinstance(f, (*NOT_WITHDRAWABLE, CredentialOpened))
            and f.fact_id not in withdrawn]


def activities_in_force(history: Sequence[CredentialFact]) -> list[str]:
    """The ids of the activities claimed and not withdrawn, in the order first claimed."""
    ids = dict.fromkeys(f.activity_id for f in history if isinstance(f, ActivityClaimed))
    return [i for i in ids if activity_in_force(history, i) is not None]


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


# --- policy versions adopted (and maybe withdrawn) between a history's facts, effective before them ---

retroactive_changes = st.sampled_from([
    {"grace_months": 3},
    {"proof_days": 10},
    {"audit_inactive_months": 6},
    {"certifications": {"CPT": {"required_cecs": 60}}},
    {"categories": {"acsm_workshop": {"amount": 2}}},
])
adoptions = st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 2000), retroactive_changes, st.booleans()),
                     max_size=2)
# How late facts are recorded: often a day (each fact a moment of its own), sometimes weeks.
recording_lags = st.one_of(lags, st.just([1]), st.lists(st.sampled_from([0, 1, 1, 2, 30]), min_size=1, max_size=6))


def _stamp(at: datetime) -> dict[str, Any]:
    return {"timestamp": at, "idempotency_key": None, "request_hash": None}


def policy_known(history: list[CredentialFact], drawn: list[tuple[int, int, dict[str, Any], bool]],
            ) -> tuple[Any, list[PolicyChange]]:
    """The book known at each time and the changes, with the drawn versions adopted (and maybe
    withdrawn) between two of the member's facts, effective days before; the built-in book alone
    when none is drawn."""
    if not drawn:
        return lambda _at: DEFAULT_POLICY, []
    times = sorted({f.timestamp for f in history})
    register = PolicyRegister.open(**_stamp(times[0] - timedelta(days=1)))
    changes = []
    for index, (place, days_before, values, withdrawn) in enumerate(sorted(drawn, key=lambda d: d[0] % len(times))):
        at = times[place % len(times)] + timedelta(seconds=10 + index)
        effective = at.date() - timedelta(days=days_before)
        register.adopt(f"v{index}", effective, values, DEFAULT_POLICY, **_stamp(at))
        changes.append(PolicyChange(Cause("PolicyVersionAdopted", f"policy:v{index}", effective, at, f"v{index}")))
        if withdrawn:
            later = at + timedelta(seconds=5)
            register.withdraw(f"v{index}", "in error", DEFAULT_POLICY, **_stamp(later))
            changes.append(PolicyChange(Cause("PolicyVersionWithdrawn", f"policy:v{index}:withdrawal", effective,
                                              later, f"v{index}")))

    def book_at(at: datetime) -> PolicyBook:
        return register.book(DEFAULT_POLICY, at)

    return book_at, changes
