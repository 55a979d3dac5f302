"""The dashboard's charts, built from the report dataclasses, a member's transitions and the
member's recorded moments (the bitemporal picture). A bar of a report links to the list of the
members it counts (`ListLink`), asked with the report's own date and year."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from domain.fold import Transition
from domain.states import Status
from domain.timeline import StatusPeriod
from projections.answers import (
    NO_LEVEL,
    AuditsReport,
    AuditsSelected,
    CecCategories,
    CyclesEnding,
    MemberFilter,
    Renewal,
    RenewalsDue,
    StatusCounts,
)
from web.dashboard.charts import (
    BAND_WIDTH,
    BandChart,
    BarChart,
    Part,
    Period,
    Row,
    band_chart,
    horizontal_bars,
    vertical_bars,
)
from web.dashboard.moments import Moment
from web.dashboard.picture import Picture, StoryBand, story_picture
from web.dashboard.wording import (
    MONTHS,
    RENEWALS,
    Facts,
    humanize,
    moment,
    moment_details,
    moment_label,
    number,
    period_text,
    standing,
)

NO_LEVEL_LABEL = "no level"
LEVEL_TONES = 8  # tone-0 .. tone-7 in dashboard.css
PICTURE_AHEAD = timedelta(days=183)  # the picture runs to about half a year after today
# The members list behind a bar: the members it counts on a date (`member_list.list_link`).
ListLink = Callable[[date, MemberFilter], str]


def status_label(status: str) -> str:
    return humanize(status)


def level_tones(counts: StatusCounts) -> dict[str | None, str]:
    """A tone per level, in a fixed order (by code) so a level keeps its colour from day to day."""
    levels = sorted({row.level for row in counts.rows if row.level is not None})
    tones: dict[str | None, str] = {level: f"tone-{i % LEVEL_TONES}" for i, level in enumerate(levels)}
    tones[None] = "tone-none"
    return tones


def status_chart(counts: StatusCounts, link: ListLink) -> BarChart:
    tones = level_tones(counts)
    rows = []
    for status in Status:
        parts = tuple(Part(row.level or "none", row.level or NO_LEVEL_LABEL, tones[row.level], row.members,
                           link(counts.on, MemberFilter(status=status.value, level=row.level or NO_LEVEL)))
                      for row in counts.rows if row.status == status.value)
        rows.append(Row(status.value, status_label(status.value), parts))
    return horizontal_bars(
        "status-counts", f"Members by status and level on {counts.on}",
        f"{counts.members} members: " + ", ".join(f"{n} {humanize(s).lower()}" for s, n in counts.by_status.items()),
        rows)


def renewals_chart(report: RenewalsDue, link: ListLink) -> BarChart:
    rows = []
    for month in report.months:
        counts = {Renewal.ON_TIME: (month.renewed - month.renewed_late, "tone-renewed"),
                  Renewal.LATE: (month.renewed_late, "tone-renewed-late"),
                  Renewal.NOT_RENEWED: (month.not_renewed, "tone-not-renewed")}
        rows.append(Row(str(month.month), MONTHS[month.month - 1][:3], tuple(
            Part(renewal.value, RENEWALS[renewal.value], tone, count,
                 link(report.as_of, MemberFilter(counted=CyclesEnding(report.year, month.month, renewal.value))))
            for renewal, (count, tone) in counts.items())))
    return vertical_bars(
        "renewals-due", f"Renewals due in {report.year}, by month the cycle ends",
        f"{report.due} cycles end in {report.year}; {report.renewed} renewed as of {report.as_of}", rows)


def audits_chart(report: AuditsReport, link: ListLink) -> BarChart:
    rows = [Row(row.state, humanize(row.state), (Part(
        row.state, "audits", f"tone-{row.state}", row.audits,
        link(report.as_of, MemberFilter(counted=AuditsSelected(report.year, row.state)))),))
        for row in report.by_state]
    return horizontal_bars(
        "audits", f"Audits selected in {report.year}, by state on {report.as_of}",
        f"{report.selected} audits selected in {report.year}", rows, legend=False, label_width=180)


def cec_chart(report: CecCategories) -> BarChart:
    ordered = sorted(report.categories, key=lambda c: (-c.cecs, c.category))
    rows = [Row(c.category, humanize(c.category), (Part(c.category, "CECs claimed", "tone-cecs", c.cecs),))
            for c in ordered]
    return horizontal_bars(
        "cec-categories", f"CECs claimed in {report.year}, by category",
        f"{number(report.cecs)} CECs in {report.claims} claims for activities completed in {report.year}",
        rows, legend=False, label_width=180)


def status_periods(transitions: Sequence[Transition]) -> list[Period]:
    """Each transition starts a period that lasts until the next one."""
    periods = []
    for index, transition in enumerate(transitions):
        end = transitions[index + 1].on if index + 1 < len(transitions) else None
        status = transition.status.value
        periods.append(Period(status, status_label(status), f"tone-{status}", transition.on, end, transition.reason))
    return periods


def status_history_chart(periods: Sequence[Period], horizon: date, today: date, on: date, *,
                         name: str = "status-history", width: int = BAND_WIDTH) -> BandChart | None:
    """From the first certification to the horizon; None before any certification is known. A
    phone's copy is the same drawn `width` NARROW_BAND_WIDTH wide, under a `name` of its own."""
    if not periods:
        return None
    start = periods[0].start
    markers = [("today", "today", today)] + ([("on", f"as of {on}", on)] if on != today else [])
    return band_chart(
        name, f"Status from {start} to {horizon}",
        "Status periods: " + "; ".join(f"{p.label} from {p.start}" for p in periods)
        + ". After today: what happens if nothing more is recorded.",
        periods, start, horizon, markers, today, width=width)


def _story_periods(periods: Sequence[StatusPeriod]) -> tuple[Period, ...]:
    return tuple(Period(p.status.value, humanize(standing(p.status, p.level)), f"tone-{p.status.value}", p.valid_from,
                        p.valid_to, humanize(period_text(p))) for p in periods)


def member_story(moments: Sequence[Moment], facts: Facts, today: date, known_at: datetime) -> Picture | None:
    """The bitemporal picture, from January 1 of the earliest business date recorded to about
    half a year after today, the moments after `known_at` greyed; None before anything is recorded."""
    days = [f.effective_on for m in moments for f in m.facts]
    if not days:
        return None
    start, end = date(min(days).year, 1, 1), today + PICTURE_AHEAD
    bands = [StoryBand(str(index), moment(m.recorded_at), moment_label(m),
                       f"As known at {moment(m.recorded_at)}, after {moment_details(m, facts)}",
                       _story_periods(m.periods), tuple((c.first, c.last) for c in m.changes),
                       m.recorded_at.astimezone(UTC).date(), m.recorded_at <= known_at)
             for index, m in enumerate(moments, start=1)]
    return story_picture(
        "story", f"The status over business dates as known at each of {len(bands)} recorded moments",
        "One band per recorded moment, oldest at the top, each coloured by the status on every business date as "
        "known right after it; outlined spans changed from the band above. The table below says the same in words.",
        bands, start, end, today)
