"""Chart geometry for the staff pages: numbers in, positioned shapes out.

The templates draw these as inline SVG; every position is decided here, so the markup is a
plain loop and the arithmetic can be checked without a browser. Colours are CSS classes
(`tone`), never inline styles, so the pages run under a strict Content-Security-Policy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from web.dashboard.wording import number

Quantity = int | Decimal
# A bar chart's width in its own units. The page scales it to its card (at most a little larger,
# see dashboard.css), so its words stay about their size from a desktop's card to a phone's.
WIDTH = 420
# The status band's widths: a desktop's, and a phone's (drawn too, shown instead on a small screen,
# where the wide one scaled down would write its years and labels too small to read).
BAND_WIDTH, NARROW_BAND_WIDTH = 960, 400


@dataclass(frozen=True)
class Part:
    """One coloured piece of a bar: a status, a level, "renewed late"..."""

    key: str  # the code, written to data-key so tests and scripts can find it
    label: str  # for a person: legends and tooltips
    tone: str  # the CSS class that colours it
    value: Quantity
    link: str | None = None  # where what it counts is listed (a plain link: the pages run no script)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    parts: tuple[Part, ...]

    @property
    def total(self) -> Quantity:
        return sum((p.value for p in self.parts), 0)


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class PlacedPart:
    part: Part
    box: Box
    title: str  # the tooltip, and what a screen reader says for the shape


@dataclass(frozen=True)
class PlacedRow:
    row: Row
    parts: tuple[PlacedPart, ...]  # zero parts are left out: they have no shape
    label_x: float
    label_y: float
    value_x: float
    value_y: float

    @property
    def value_text(self) -> str:
        return number(self.row.total)


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class BarChart:
    name: str  # data-chart
    title: str
    description: str
    vertical: bool
    width: int
    height: int
    plot: Box
    rows: tuple[PlacedRow, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[Part, ...]  # one entry per tone used; empty when the row labels say it all

    @property
    def linked(self) -> bool:
        """Whether any part is a link: then the chart is a group of links to assistive technology,
        not one picture (whose parts it would not announce)."""
        return any(placed.part.link for row in self.rows for placed in row.parts)

    def link(self, row_key: str, part_key: str) -> str | None:
        """The link of a row's part, for the table beside the chart; None if it has none (or no shape)."""
        return next((placed.part.link for row in self.rows if row.row.key == row_key
                     for placed in row.parts if placed.part.key == part_key), None)


def nice_step(maximum: float, ticks: int = 4) -> float:
    """A 1, 2 or 5 times a power of ten step giving about `ticks` gridlines up to `maximum`."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if raw <= m * power)
    return max(step, 1.0)  # the charts count members or CECs: no gridline between 0 and 1


def _scale(rows: Sequence[Row]) -> tuple[float, float]:
    """(step, the axis maximum): a whole number of steps at or above the largest total."""
    largest = max((float(r.total) for r in rows), default=0.0)
    step = nice_step(largest)
    return step, step * max(1, math.ceil(largest / step))


def _legend(rows: Sequence[Row]) -> tuple[Part, ...]:
    seen: dict[str, Part] = {}
    for row in rows:
        for part in row.parts:
            seen.setdefault(part.tone, part)
    return tuple(seen.values())


def _tick_label(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def horizontal_bars(name: str, title: str, description: str, rows: Sequence[Row], *, legend: bool = True,
                    width: int = WIDTH, label_width: int = 150) -> BarChart:
    bar, gap, top, axis, value_room = 22, 12, 6, 22, 56
    plot = Box(label_width, top, width - label_width - value_room, len(rows) * (bar + gap))
    step, maximum = _scale(rows)
    per_unit = plot.width / maximum
    placed = []
    for index, row in enumerate(rows):
        y = plot.y + index * (bar + gap) + gap / 2
        x = plot.x
        parts = []
        for part in row.parts:
            if part.value <= 0:
                continue
            length = float(part.value) * per_unit
            parts.append(PlacedPart(part, Box(x, y, length, bar), f"{row.label}: {number(part.value)} {part.label}"))
            x += length
        placed.append(PlacedRow(row, tuple(parts), plot.x - 8, y + bar / 2, x + 6, y + bar / 2))
    ticks = tuple(Tick(plot.x + i * step * per_unit, _tick_label(i * step))
                  for i in range(int(round(maximum / step)) + 1))
    return BarChart(name, title, description, False, width, int(plot.y + plot.height + axis), plot, tuple(placed),
                    ticks, _legend(rows) if legend else ())


def vertical_bars(name: str, title: str, description: str, rows: Sequence[Row], *, width: int = WIDTH) -> BarChart:
    left, top, bottom, height = 36, 18, 24, 220
    plot = Box(left, top, width - left - 8, height)
    step, maximum = _scale(rows)
    per_unit = plot.height / maximum
    column = plot.width / max(1, len(rows))
    bar = column * 0.62
    placed = []
    for index, row in enumerate(rows):
        x = plot.x + index * column + (column - bar) / 2
        y = plot.y + plot.height
        parts = []
        for part in row.parts:
            if part.value <= 0:
                continue
            length = float(part.value) * per_unit
            y -= length
            parts.append(PlacedPart(part, Box(x, y, bar, length), f"{row.label}: {number(part.value)} {part.label}"))
        centre = x + bar / 2
        placed.append(PlacedRow(row, tuple(parts), centre, plot.y + plot.height + 16, centre, y - 5))
    ticks = tuple(Tick(plot.y + plot.height - i * step * per_unit, _tick_label(i * step))
                  for i in range(int(round(maximum / step)) + 1))
    return BarChart(name, title, description, True, width, int(plot.y + plot.height + bottom), plot, tuple(placed),
                    ticks, _legend(rows))


# --- a band of periods along a time axis ---------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    tone: str
    start: date
    end: date | None  # exclusive; None: no later change is known
    detail: str  # why it began: the fold's reason sentence


@dataclass(frozen=True)
class PlacedPeriod:
    period: Period
    box: Box
    title: str
    show_label: bool  # wide enough to write its label inside


@dataclass(frozen=True)
class Marker:
    key: str
    label: str
    day: date
    x: float


@dataclass(frozen=True)
class BandChart:
    name: str
    title: str
    description: str
    width: int
    height: int
    band: Box
    periods: tuple[PlacedPeriod, ...]
    ticks: tuple[Tick, ...]
    markers: tuple[Marker, ...]
    projected: Box | None  # the part after today: what happens if nothing more is recorded


@dataclass(frozen=True)
class DayScale:
    """Business dates from `start` to `end` across `width` from `x`; days outside are clamped."""

    start: date
    end: date
    x: float
    width: float

    def __call__(self, day: date) -> float:
        span = max(1, (self.end - self.start).days)
        day = min(max(day, self.start), self.end)
        return self.x + (day - self.start).days / span * self.width


def year_ticks(scale: DayScale) -> tuple[Tick, ...]:
    """A tick on January 1 of every year (or every 2nd, 5th...: a dozen at most)."""
    years = range(scale.start.year + 1, scale.end.year + 1)
    every = next(n for n in (1, 2, 5, 10, 20, 50, 100) if len(years) / n <= 12)
    return tuple(Tick(scale(date(y, 1, 1)), str(y)) for y in years if y % every == 0)


def band_chart(name: str, title: str, description: str, periods: Sequence[Period], start: date, end: date,
               markers: Sequence[tuple[str, str, date]], projected_from: date | None, *,
               width: int = 960) -> BandChart:
    left, right, top, band_height = 8, 8, 30, 40
    band = Box(left, top, width - left - right, band_height)
    x_of = DayScale(start, end, band.x, band.width)
    placed = []
    for period in periods:
        stop = end if period.end is None else period.end
        if stop <= start or period.start >= end:
            continue
        x0, x1 = x_of(period.start), x_of(stop)
        until = "onward" if period.end is None else f"to {period.end - timedelta(days=1)}"
        title = f"{period.label} from {period.start} {until}: {period.detail}"
        placed.append(PlacedPeriod(period, Box(x0, band.y, x1 - x0, band.height), title, x1 - x0 > 64))
    placed_markers = tuple(Marker(key, label, day, x_of(day)) for key, label, day in markers if start <= day <= end)
    projected = None
    if projected_from is not None and projected_from < end:
        x = x_of(projected_from)
        projected = Box(x, band.y, band.x + band.width - x, band.height)
    return BandChart(name, title, description, width, top + band_height + 30, band, tuple(placed),
                     year_ticks(x_of), placed_markers, projected)
