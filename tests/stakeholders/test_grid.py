"""The power/interest grid's geometry: pure functions, no database."""

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stakeholders.choices import Quadrant
from stakeholders.grid import (
    CELL,
    QUADRANT_ORDER,
    GridPoint,
    group_by_quadrant,
    layout_grid,
    shorten,
    spread_in_box,
)

scale = st.integers(min_value=1, max_value=5)
points_strategy = st.lists(
    st.builds(GridPoint, pk=st.integers(1, 10_000), name=st.text(max_size=40), power=scale, interest=scale),
    max_size=120,
)


def point(pk, power, interest, name=None):
    return GridPoint(pk=pk, name=name or f"Organisation {pk}", power=power, interest=interest)


def cell_of(layout, cx, cy):
    """(power, interest) of the cell containing an SVG position."""
    interest = int((cx - layout.plot_left) // layout.cell) + 1
    power = 5 - int((cy - layout.plot_top) // layout.cell)
    return power, interest


@pytest.mark.parametrize(
    ("power", "interest", "expected"),
    [
        (5, 5, Quadrant.MANAGE_CLOSELY),
        (3, 3, Quadrant.MANAGE_CLOSELY),
        (5, 1, Quadrant.KEEP_SATISFIED),
        (3, 2, Quadrant.KEEP_SATISFIED),
        (2, 3, Quadrant.KEEP_INFORMED),
        (1, 5, Quadrant.KEEP_INFORMED),
        (2, 2, Quadrant.MONITOR),
        (1, 1, Quadrant.MONITOR),
    ],
)
def test_points_are_grouped_into_their_quadrant(power, interest, expected):
    groups = group_by_quadrant([point(1, power, interest)], high_from=3)
    assert list(groups) == list(QUADRANT_ORDER)
    assert [p.pk for p in groups[expected]] == [1]
    assert sum(len(members) for members in groups.values()) == 1


def test_threshold_moves_the_quadrant_boundary():
    org = point(1, power=3, interest=4)
    assert group_by_quadrant([org], high_from=3)[Quadrant.MANAGE_CLOSELY] == [org]
    assert group_by_quadrant([org], high_from=4)[Quadrant.KEEP_INFORMED] == [org]
    assert group_by_quadrant([org], high_from=5)[Quadrant.MONITOR] == [org]


def test_dot_sits_in_its_cell_and_quadrant_area():
    layout = layout_grid([point(7, power=5, interest=2)], high_from=3)
    (dot,) = layout.dots
    assert dot.quadrant == Quadrant.KEEP_SATISFIED
    assert cell_of(layout, dot.cx, dot.cy) == (5, 2)
    area = layout.quadrant(Quadrant.KEEP_SATISFIED)
    assert area.x <= dot.cx - dot.r
    assert dot.cx + dot.r <= area.x + area.width
    assert area.y <= dot.cy - dot.r
    assert dot.cy + dot.r <= area.y + area.height
    assert [p.pk for p in area.points] == [7]


def test_quadrant_areas_tile_the_plot_with_high_from_3():
    layout = layout_grid([], high_from=3)
    manage = layout.quadrant(Quadrant.MANAGE_CLOSELY)
    monitor = layout.quadrant(Quadrant.MONITOR)
    # high = 3, 4, 5: three columns of interest to the right, three rows of power at the top
    assert (manage.width, manage.height) == (3 * CELL, 3 * CELL)
    assert (monitor.width, monitor.height) == (2 * CELL, 2 * CELL)
    assert manage.x == layout.plot_left + 2 * CELL
    assert manage.y == layout.plot_top
    assert sum(area.width * area.height for area in layout.quadrants) == layout.plot_size**2


@pytest.mark.parametrize("high_from", [1, 6])
def test_extreme_thresholds_leave_empty_areas_hidden(high_from):
    layout = layout_grid([point(1, 1, 1), point(2, 5, 5)], high_from=high_from)
    visible = [area.quadrant for area in layout.quadrants if area.visible]
    expected = [Quadrant.MANAGE_CLOSELY] if high_from == 1 else [Quadrant.MONITOR]
    assert visible == expected
    assert {dot.quadrant for dot in layout.dots} == set(visible)


def test_dots_in_the_same_cell_are_spread_and_labelled():
    layout = layout_grid([point(pk, 4, 4) for pk in range(1, 6)], high_from=3)
    positions = {(dot.cx, dot.cy) for dot in layout.dots}
    assert len(positions) == 5
    assert all(cell_of(layout, dot.cx, dot.cy) == (4, 4) for dot in layout.dots)
    assert all(dot.label.startswith("Organisation") for dot in layout.dots)


def test_ticks_run_one_to_five_along_both_axes():
    layout = layout_grid([], high_from=3)
    assert [t.value for t in layout.x_ticks] == [1, 2, 3, 4, 5]
    assert [t.position for t in layout.x_ticks] == sorted(t.position for t in layout.x_ticks)
    # power grows upwards, so its ticks' y positions fall as the value rises
    assert [t.position for t in layout.y_ticks] == sorted((t.position for t in layout.y_ticks), reverse=True)
    assert len(layout.cell_origins) == 25


def test_long_names_are_shortened_for_the_label_only():
    name = "Kommunstyrelsens förvaltning för samhällsbyggnad och hållbar utveckling"
    (dot,) = layout_grid([point(1, 2, 2, name=name)], high_from=3).dots
    assert dot.label.endswith("…")
    assert len(dot.label) < len(name)
    assert dot.point.name == name


def test_shorten():
    assert shorten("Region  Exempel", 40) == "Region Exempel"
    assert shorten("Region Exempel", 8) == "Region…"
    assert shorten("Region Exempel", 2) == ""


@settings(max_examples=200, deadline=None)
@given(count=st.integers(0, 400), width=st.integers(40, 200), height=st.integers(40, 200))
def test_spread_in_box_never_overlaps_and_stays_inside(count, width, height):
    positions = spread_in_box(count, x=10, y=20, width=width, height=height)
    assert len(positions) == count
    for cx, cy, r, _chars in positions:
        assert cx - r >= 10 - 1e-6
        assert cx + r <= 10 + width + 1e-6
        assert cy - r >= 20 - 1e-6
        assert cy + r <= 20 + height + 1e-6
    for (ax, ay, ar, _), (bx, by, br, _) in itertools.combinations(positions, 2):
        assert math.dist((ax, ay), (bx, by)) >= ar + br - 1e-6


@settings(max_examples=150, deadline=None)
@given(points=points_strategy, high_from=st.integers(1, 6))
def test_layout_places_every_point_once_in_its_own_cell(points, high_from):
    layout = layout_grid(points, high_from=high_from)
    assert len(layout.dots) == len(points)
    assert sorted(id(d.point) for d in layout.dots) == sorted(id(p) for p in points)
    grouped = group_by_quadrant(points, high_from=high_from)
    for area in layout.quadrants:
        assert list(area.points) == grouped[area.quadrant]
    for dot in layout.dots:
        assert cell_of(layout, dot.cx, dot.cy) == (dot.point.power, dot.point.interest)
    # dots never overlap (coordinates are rounded to 0.1, hence the tolerance)
    for a, b in itertools.combinations(layout.dots, 2):
        assert math.dist((a.cx, a.cy), (b.cx, b.cy)) >= a.r + b.r - 0.15
