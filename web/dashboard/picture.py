"""Geometry of the bitemporal picture: business dates across, recorded moments down.

One band per recorded moment, oldest at the top, each coloured by the member's status over
business dates as known right after that moment (the periods come in already worded, see
`figures.story_picture`). Read down a column to see how what we said about one day changed
as facts were recorded; read along a band to see the whole story as told at that time.
Within a band, the spans that differ from the band above are outlined, the moment's own
recorded day is marked, and the part after it is veiled: then, it was only what would follow
if nothing more were recorded.

Like `charts`, every position is decided here and colours are CSS classes, never inline
styles, so the template is a plain loop under a strict Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from web.dashboard.charts import Box, DayScale, Period, PlacedPeriod, Tick, year_ticks

ONE_DAY = timedelta(days=1)
CHARACTER_WIDTH = 7.2  # about one character of the 12px label inside a band


@dataclass(frozen=True)
class StoryBand:
    """One recorded moment, worded: its periods' `detail` is the sentence its shape shows."""

    key: str  # data-moment: the moment's place, oldest first
    time_label: str
    fact_label: str
    title: str  # the tooltip and what a screen reader says for the band
    periods: tuple[Period, ...]
    changes: tuple[tuple[date, date], ...]  # inclusive spans that differ from the band above
    recorded_on: date
    known: bool = True  # False: recorded after the time the page asks about (drawn greyed)


@dataclass(frozen=True)
class PlacedBand:
    band: StoryBand
    box: Box
    label_x: float
    periods: tuple[PlacedPeriod, ...]
    changed: tuple[Box, ...]
    recorded_x: float | None  # None when the recorded day is off the axis
    foreseen: Box | None  # after the recorded day


@dataclass(frozen=True)
class Picture:
    name: str
    title: str
    description: str
    width: int
    height: int
    plot: Box  # the area the bands share
    bands: tuple[PlacedBand, ...]
    ticks: tuple[Tick, ...]
    today_x: float


def story_picture(name: str, title: str, description: str, bands: Sequence[StoryBand], start: date, end: date,
                  today: date, *, width: int = 960, label_width: int = 300) -> Picture:
    right, top, band_height, gap, axis = 10, 26, 26, 12, 28
    plot = Box(label_width, top, width - label_width - right, len(bands) * (band_height + gap) - gap)
    x_of = DayScale(start, end, plot.x, plot.width)
    placed = []
    for index, band in enumerate(bands):
        box = Box(plot.x, top + index * (band_height + gap), plot.width, band_height)
        placed.append(_place(band, box, x_of))
    return Picture(name, title, description, width, int(plot.y + plot.height + axis), plot, tuple(placed),
                   year_ticks(x_of), x_of(today))


def _place(band: StoryBand, box: Box, x_of: DayScale) -> PlacedBand:
    periods = []
    for period in band.periods:
        stop = x_of.end if period.end is None else period.end
        if stop <= x_of.start or period.start >= x_of.end:
            continue
        x0, x1 = x_of(period.start), x_of(stop)
        shape = Box(x0, box.y, x1 - x0, box.height)
        periods.append(PlacedPeriod(period, shape, period.detail, len(period.label) * CHARACTER_WIDTH + 12 < x1 - x0))
    changed = []
    for first, last in band.changes:
        if last < x_of.start or first >= x_of.end:
            continue
        x0, x1 = x_of(first), x_of(last + ONE_DAY)
        changed.append(Box(x0, box.y, max(x1 - x0, 2.0), box.height))
    recorded_x = x_of(band.recorded_on) if x_of.start <= band.recorded_on <= x_of.end else None
    foreseen = None
    if band.recorded_on < x_of.end:
        x = x_of(band.recorded_on + ONE_DAY)
        foreseen = Box(x, box.y, box.x + box.width - x, box.height)
    return PlacedBand(band, box, box.x - 10, tuple(periods), tuple(changed), recorded_x, foreseen)
