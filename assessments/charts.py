"""Result charts drawn on the server as SVG strings: no JavaScript, printable, readable by screen readers.

Every text is escaped; each chart has role="img" with a <title> and <desc>, and the page shows the same
figures as a table beside it. Colours come from ``currentColor`` (the admin's text colour, so dark mode
works) and a palette that also differs in dash pattern, so lines are told apart without colour.
"""

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 760
LABEL_WIDTH = 300  # item labels, right-aligned against the plot
PLOT_LEFT = LABEL_WIDTH + 10
PLOT_RIGHT = WIDTH - 60  # room for the mean written after each row
ROW_HEIGHT = 26
BAR_HEIGHT = 14
LABEL_CHARS = 44
BAR_COLOUR = "#79aec8"
# Colour and dash pattern per line of the trend chart.
PALETTE = (
    ("#417690", ""),
    ("#c0392b", "6 3"),
    ("#2e8b57", "2 3"),
    ("#8e44ad", "8 3 2 3"),
    ("#d35400", "4 4"),
    ("#7f8c8d", "1 2"),
    ("#1f618d", "10 4"),
    ("#b7950b", "3 6"),
)


def _number(value: float | None, decimals: int = 2) -> str:
    return "–" if value is None else number_format(value, decimals)


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _svg(ident: str, width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="results-chart" id="{escape(ident)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{escape(ident)}-title {escape(ident)}-desc" '
        'font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{escape(ident)}-title">{escape(title)}</title>'
        f'<desc id="{escape(ident)}-desc">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text above is escaped


def _item_name(item: dict) -> str:
    return item.get("label") or f"{item['position']}. {item.get('text', '')}"


def items_chart(results: dict, *, ident: str = "items-chart") -> SafeString:
    """A horizontal bar per scored item: the mean as a bar from the scale's start, the lowest–highest
    answer as a line across it, and the scale as the axis below."""
    low, high = results["scale"]["min"], results["scale"]["max"]
    items = results["items"]
    span = (high - low) or 1
    top = 10
    axis_y = top + len(items) * ROW_HEIGHT + 6
    height = axis_y + 34

    def x(value: float) -> float:
        return PLOT_LEFT + (value - low) / span * (PLOT_RIGHT - PLOT_LEFT)

    body = []
    # Grid and axis: one tick per scale value (an instrument has at most 20 steps).
    for value in range(low, high + 1):
        body.append(
            f'<line x1="{x(value):.1f}" y1="{top}" x2="{x(value):.1f}" y2="{axis_y}" '
            'stroke="currentColor" stroke-opacity="0.15"/>'
            f'<text x="{x(value):.1f}" y="{axis_y + 16}" text-anchor="middle" fill="currentColor">{value}</text>'
        )
    # gettext outside the f-string: makemessages does not look inside one.
    scale = _("Scale %(low)s–%(high)s") % {"low": low, "high": high}
    body.append(
        f'<line x1="{PLOT_LEFT}" y1="{axis_y}" x2="{PLOT_RIGHT}" y2="{axis_y}" stroke="currentColor"/>'
        f'<text x="{(PLOT_LEFT + PLOT_RIGHT) / 2:.1f}" y="{axis_y + 31}" text-anchor="middle" '
        f'fill="currentColor">{escape(scale)}</text>'
    )
    for row, item in enumerate(items):
        middle = top + row * ROW_HEIGHT + ROW_HEIGHT / 2
        name = _item_name(item)
        summary = _("%(name)s: mean %(mean)s, lowest %(min)s, highest %(max)s, %(n)s answers") % {
            "name": name,
            "mean": _number(item["mean"]),
            "min": _number(item["min"], 0),
            "max": _number(item["max"], 0),
            "n": item["n"],
        }
        parts = [
            f"<g><title>{escape(summary)}</title>",
            f'<text x="{LABEL_WIDTH}" y="{middle + 4:.1f}" text-anchor="end" fill="currentColor">'
            f"{escape(_short(name))}</text>",
        ]
        if item["mean"] is not None:
            parts.append(
                f'<rect x="{PLOT_LEFT}" y="{middle - BAR_HEIGHT / 2:.1f}" width="{x(item["mean"]) - PLOT_LEFT:.1f}" '
                f'height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>'
                f'<line x1="{x(item["min"]):.1f}" y1="{middle:.1f}" x2="{x(item["max"]):.1f}" y2="{middle:.1f}" '
                'stroke="currentColor" stroke-width="2"/>'
            )
            for end in (item["min"], item["max"]):
                parts.append(
                    f'<line x1="{x(end):.1f}" y1="{middle - 6:.1f}" x2="{x(end):.1f}" y2="{middle + 6:.1f}" '
                    'stroke="currentColor" stroke-width="2"/>'
                )
        mean = escape(_number(item["mean"]))
        parts.append(f'<text x="{PLOT_RIGHT + 8}" y="{middle + 4:.1f}" fill="currentColor">{mean}</text></g>')
        body.append("".join(parts))
    title = _("Mean per item")
    desc = _(
        "For each of %(count)s items a bar shows the mean answer on the scale %(low)s–%(high)s and a line "
        "across it runs from the lowest to the highest answer. The table beside the chart gives the same figures."
    ) % {"count": len(items), "low": low, "high": high}
    return _svg(ident, WIDTH, height, title, desc, body)


def _ticks(low: int, high: int) -> list[int]:
    """Axis values: every value of a short scale, every 2nd or 5th of a longer one, else quarters."""
    span = high - low
    for limit, step in ((6, 1), (12, 2), (30, 5)):
        if span <= limit:
            return list(range(low, high + 1, step)) if low % step == 0 else list(range(low, high + 1, 1))[::step]
    return sorted({round(low + span * i / 4) for i in range(5)})


def trend_chart(history: dict, *, ident: str = "trend-chart") -> SafeString:
    """A line per series over the rounds (oldest left): the mean total for instruments with bands, else
    the mean of each dimension. Rounds without answers leave a gap."""
    rounds = history["rounds"]
    series = history["series"]
    low, high = history["minimum"], history["maximum"]
    span = (high - low) or 1
    left, right, top, plot_bottom = 60, WIDTH - 50, 14, 214
    legend_top = plot_bottom + 44
    height = legend_top + ((len(series) + 1) // 2) * 20 + 6

    def x(index: int) -> float:
        if len(rounds) <= 1:
            return (left + right) / 2
        return left + index * (right - left) / (len(rounds) - 1)

    def y(value: float) -> float:
        return plot_bottom - (value - low) / span * (plot_bottom - top)

    body = []
    for tick in _ticks(low, high):
        body.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{right}" y2="{y(tick):.1f}" '
            'stroke="currentColor" stroke-opacity="0.15"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="currentColor">{tick}</text>'
        )
    body.append(f'<line x1="{left}" y1="{plot_bottom}" x2="{right}" y2="{plot_bottom}" stroke="currentColor"/>')
    for index, entry in enumerate(rounds):
        weight = ' font-weight="bold"' if entry.get("current") else ""
        body.append(
            f'<text x="{x(index):.1f}" y="{plot_bottom + 18}" text-anchor="middle" fill="currentColor"{weight}>'
            f"{escape(date_format(entry['closes_on'], 'SHORT_DATE_FORMAT'))}</text>"
        )
    for number, line in enumerate(series):
        colour, dash = PALETTE[number % len(PALETTE)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments = [segment]
        markers = []
        for index, entry in enumerate(rounds):
            value = entry["values"].get(line["key"])
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{x(index):.1f},{y(value):.1f}")
            point = _("%(series)s, round closing %(date)s: %(value)s") % {
                "series": line["label"],
                "date": date_format(entry["closes_on"], "SHORT_DATE_FORMAT"),
                "value": _number(value),
            }
            markers.append(
                f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="4" fill="{colour}">'
                f"<title>{escape(point)}</title></circle>"
            )
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
                )
        body.extend(markers)
        legend_x = left + (number % 2) * 340
        legend_y = legend_top + (number // 2) * 20
        body.append(
            f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 28}" y2="{legend_y - 4}" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
            f'<text x="{legend_x + 34}" y="{legend_y}" fill="currentColor">{escape(_short(line["label"], 48))}</text>'
        )
    if not rounds:
        empty = _("No closed rounds yet.")
        body.append(
            f'<text x="{(left + right) / 2:.1f}" y="{(top + plot_bottom) / 2:.1f}" text-anchor="middle" '
            f'fill="currentColor">{escape(empty)}</text>'
        )
    if history.get("summed"):
        title = _("Total over the rounds")
        what = _("the mean total (%(low)s–%(high)s points)") % {"low": low, "high": high}
    else:
        title = _("Dimensions over the rounds")
        what = _("the mean of each of %(count)s dimensions (%(low)s–%(high)s)") % {
            "count": len(series),
            "low": low,
            "high": high,
        }
    desc = _(
        "A line per series over %(rounds)s rounds, oldest first, showing %(what)s. "
        "The table beside the chart gives the same figures."
    ) % {"rounds": len(rounds), "what": what}
    return _svg(ident, WIDTH, height, title, desc, body)
