"""Layout of the power/interest grid: pure geometry over plain data, no ORM and no templates.

The grid is drawn as SVG with interest on the x axis and power on the y axis, both 1–5, one
square cell per (power, interest) pair. Organisations in the same cell are spread over slots in
that cell so their dots never overlap; each slot has room for a (possibly shortened) label.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

from stakeholders.choices import Quadrant
from stakeholders.models import SCALE_MAX, SCALE_MIN, quadrant_for

SCALE_STEPS = SCALE_MAX - SCALE_MIN + 1
QUADRANT_ORDER = (
    Quadrant.MANAGE_CLOSELY,
    Quadrant.KEEP_SATISFIED,
    Quadrant.KEEP_INFORMED,
    Quadrant.MONITOR,
)

# Geometry, in SVG user units (the SVG scales to the page width).
CELL = 150
MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM = 64, 12, 12, 60
CELL_PADDING = 6
LABEL_BAND = 22  # room for the quadrant's name at the top of its first row of cells
SLOT_HEIGHT = 18  # one dot with its label beside it
DOT_RADIUS = 5.0
MIN_DOT_RADIUS = 2.0
DOT_GAP = 3  # space between a dot and its neighbour or its label
CHAR_WIDTH = 6.2  # average width of a character at the label's font size (11px)
MIN_LABEL_CHARS = 4


@dataclass(frozen=True)
class GridPoint:
    """One organisation as the grid needs it."""

    pk: int
    name: str
    power: int
    interest: int
    sector: str = ""
    resource_level: int | None = None
    salience: str = ""  # the salience type's value, when the page colours by it


@dataclass(frozen=True)
class PlacedDot:
    point: GridPoint
    quadrant: Quadrant
    cx: float
    cy: float
    r: float
    label: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class QuadrantArea:
    quadrant: Quadrant
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    points: tuple[GridPoint, ...]

    @property
    def visible(self) -> bool:
        return self.width > 0 and self.height > 0


@dataclass(frozen=True)
class Tick:
    value: int
    position: float


@dataclass(frozen=True)
class GridLayout:
    width: float
    height: float
    plot_left: float
    plot_top: float
    plot_size: float
    cell: float
    high_from: int
    quadrants: tuple[QuadrantArea, ...]
    dots: tuple[PlacedDot, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]

    @property
    def plot_right(self) -> float:
        return self.plot_left + self.plot_size

    @property
    def plot_bottom(self) -> float:
        return self.plot_top + self.plot_size

    @property
    def cell_origins(self) -> list[tuple[float, float]]:
        """Top-left corners of the 5 × 5 cells."""
        return [
            (self.plot_left + column * self.cell, self.plot_top + row * self.cell)
            for row in range(SCALE_STEPS)
            for column in range(SCALE_STEPS)
        ]

    @property
    def x_tick_y(self) -> float:
        return self.plot_bottom + 18

    @property
    def y_tick_x(self) -> float:
        return self.plot_left - 10

    @property
    def x_title_position(self) -> tuple[float, float]:
        return self.plot_left + self.plot_size / 2, self.plot_bottom + 46

    @property
    def y_title_position(self) -> tuple[float, float]:
        return MARGIN_LEFT / 3, self.plot_top + self.plot_size / 2

    def quadrant(self, quadrant: Quadrant) -> QuadrantArea:
        return next(area for area in self.quadrants if area.quadrant == quadrant)


def clamp_scale(value: int) -> int:
    return max(SCALE_MIN, min(SCALE_MAX, int(value)))


def shorten(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` characters, ending in an ellipsis when cut; '' if no room."""
    text = " ".join(str(text).split())
    if max_chars < MIN_LABEL_CHARS:
        return ""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rstrip() + "…"


def group_by_quadrant(points: Iterable[GridPoint], *, high_from: int) -> dict[Quadrant, list[GridPoint]]:
    """Points per quadrant, in QUADRANT_ORDER, each list in the order the points came in."""
    groups: dict[Quadrant, list[GridPoint]] = {quadrant: [] for quadrant in QUADRANT_ORDER}
    for point in points:
        groups[quadrant_for(point.power, point.interest, high_from)].append(point)
    return groups


def spread_in_box(
    count: int, *, x: float, y: float, width: float, height: float
) -> list[tuple[float, float, float, int]]:
    """Positions for ``count`` dots inside a box, as (cx, cy, r, label_chars), never overlapping.

    Dots go into slots of one dot plus a label, filled column by column; when the columns would
    get too narrow for even a dot and a gap, the dots fall back to a dense grid without labels
    and shrink as needed.
    """
    if count <= 0:
        return []
    rows_fit = max(1, int(height // SLOT_HEIGHT))
    columns = math.ceil(count / rows_fit)
    column_width = width / columns
    if column_width >= 2 * DOT_RADIUS + DOT_GAP:
        rows = math.ceil(count / columns)
        block_top = y + (height - rows * SLOT_HEIGHT) / 2
        label_room = column_width - (2 * DOT_RADIUS + 2 * DOT_GAP)
        label_chars = int(label_room // CHAR_WIDTH)
        positions = []
        for index in range(count):
            column, row = divmod(index, rows)
            cx = x + column * column_width + DOT_RADIUS + DOT_GAP / 2
            cy = block_top + row * SLOT_HEIGHT + SLOT_HEIGHT / 2
            positions.append((cx, cy, DOT_RADIUS, label_chars))
        return positions
    # Dense fallback: a columns × rows lattice with the box's aspect ratio.
    columns = max(1, math.ceil(math.sqrt(count * width / height)))
    rows = math.ceil(count / columns)
    step_x, step_y = width / columns, height / rows
    radius = max(MIN_DOT_RADIUS, min(DOT_RADIUS, (min(step_x, step_y) - 1) / 2))
    radius = min(radius, min(step_x, step_y) / 2)
    return [
        (x + (index % columns + 0.5) * step_x, y + (index // columns + 0.5) * step_y, radius, 0)
        for index in range(count)
    ]


def layout_grid(points: Iterable[GridPoint], *, high_from: int) -> GridLayout:
    """Place ``points`` on the power/interest grid; "high" means a value ≥ ``high_from``."""
    points = list(points)
    high_from = max(SCALE_MIN, min(SCALE_MAX + 1, int(high_from)))
    plot_size = CELL * SCALE_STEPS
    left, top = MARGIN_LEFT, MARGIN_TOP
    right, bottom = left + plot_size, top + plot_size

    def column_x(interest: int) -> float:
        return left + (interest - SCALE_MIN) * CELL

    def row_y(power: int) -> float:
        return top + (SCALE_MAX - power) * CELL

    # Interest below high_from is "low" (left); power at or above it is "high" (top).
    split_x = left + (high_from - SCALE_MIN) * CELL
    split_y = top + (SCALE_MAX + 1 - high_from) * CELL
    groups = group_by_quadrant(points, high_from=high_from)
    boxes = {
        Quadrant.MANAGE_CLOSELY: (split_x, top, right - split_x, split_y - top),
        Quadrant.KEEP_SATISFIED: (left, top, split_x - left, split_y - top),
        Quadrant.KEEP_INFORMED: (split_x, split_y, right - split_x, bottom - split_y),
        Quadrant.MONITOR: (left, split_y, split_x - left, bottom - split_y),
    }
    quadrants = tuple(
        QuadrantArea(
            quadrant=quadrant,
            x=x,
            y=y,
            width=w,
            height=h,
            label_x=x + 8,
            label_y=y + 16,
            points=tuple(groups[quadrant]),
        )
        for quadrant, (x, y, w, h) in boxes.items()
    )
    # The first row of cells in each quadrant gives up a band to the quadrant's name.
    banded_powers = {SCALE_MAX, high_from - 1}

    cells: dict[tuple[int, int], list[GridPoint]] = {}
    for point in points:
        key = (clamp_scale(point.power), clamp_scale(point.interest))
        cells.setdefault(key, []).append(point)

    dots = []
    for (power, interest), members in cells.items():
        band = LABEL_BAND if power in banded_powers else 0
        box_x = column_x(interest) + CELL_PADDING
        box_y = row_y(power) + CELL_PADDING + band
        box_w = CELL - 2 * CELL_PADDING
        box_h = CELL - 2 * CELL_PADDING - band
        positions = spread_in_box(len(members), x=box_x, y=box_y, width=box_w, height=box_h)
        for point, (cx, cy, r, label_chars) in zip(members, positions, strict=True):
            dots.append(
                PlacedDot(
                    point=point,
                    quadrant=quadrant_for(power, interest, high_from),
                    cx=round(cx, 1),
                    cy=round(cy, 1),
                    r=round(r, 1),
                    label=shorten(point.name, label_chars),
                    label_x=round(cx + r + DOT_GAP, 1),
                    label_y=round(cy + 4, 1),
                )
            )

    values = range(SCALE_MIN, SCALE_MAX + 1)
    return GridLayout(
        width=left + plot_size + MARGIN_RIGHT,
        height=top + plot_size + MARGIN_BOTTOM,
        plot_left=left,
        plot_top=top,
        plot_size=plot_size,
        cell=CELL,
        high_from=high_from,
        quadrants=quadrants,
        dots=tuple(dots),
        x_ticks=tuple(Tick(v, column_x(v) + CELL / 2) for v in values),
        y_ticks=tuple(Tick(v, row_y(v) + CELL / 2) for v in values),
    )
