"""Charts drawn on the server as inline SVG: no script, no library, readable when printed.

Every label is escaped; the functions return markup marked safe for templates.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Two series everywhere: who has an account, and who is actually paid through one.
SERIES = (("#0f6e5a", "account_rate"), ("#e0a100", "paid_account_rate"))


def coverage_colour(percent: float) -> str:
    """Red (0 %) through amber to green (100 %), for table cells and map-like grids."""
    hue = max(0, min(120, round(percent * 1.2)))
    return f"hsl({hue}, 60%, 88%)"


def bars(rows: list[dict], *, label_width: int = 170, width: int = 640) -> SafeString:
    """Horizontal bars, two per row (with an account %, paid through an account %)."""
    row_height, bar = 34, 12
    chart = width - label_width - 50
    height = row_height * len(rows) + 24
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
    ]
    for tick in (0, 25, 50, 75, 100):
        x = label_width + chart * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" class="grid"/>'
            f'<text x="{x:.1f}" y="{height - 4}" class="tick" text-anchor="middle">{tick}%</text>'
        )
    for i, row in enumerate(rows):
        y = i * row_height + 4
        label = escape(str(row["label"]))
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" class="label" text-anchor="end">'
            f"{label}</text>"
        )
        for j, (colour, key) in enumerate(SERIES):
            if key == "paid_account_rate" and row.get("paid_note"):
                # No closed list: say so rather than draw 0 %.
                parts.append(
                    f'<text x="{label_width + 4}" y="{y + j * (bar + 1) + bar - 2}" '
                    f'class="value note">{escape(str(row["paid_note"]))}</text>'
                )
                continue
            value = max(0, min(100, row[key]))
            w = chart * value / 100
            parts.append(
                f'<rect x="{label_width}" y="{y + j * (bar + 1)}" width="{w:.1f}" '
                f'height="{bar}" fill="{colour}"><title>{label}: {value}%</title></rect>'
                f'<text x="{label_width + w + 4:.1f}" y="{y + j * (bar + 1) + bar - 2}" '
                f'class="value">{value}%</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def trend_lines(points: list[dict], *, width: int = 640, height: int = 220) -> SafeString:
    """The last months as two lines (with an account %, paid through an account %)."""
    left, right, top, bottom = 40, 12, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(points) - 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
    ]
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick}%</text>'
        )
    for i, point in enumerate(points):
        x = left + plot_w * i / n
        # A month not every closing unit has closed yet is marked with an asterisk.
        mark = "*" if _incomplete(point) else ""
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" class="tick" text-anchor="middle">'
            f"{point['month']:%m/%y}{mark}</text>"
        )
    for colour, key in SERIES:
        # A month without figures (before the first list) is a gap, not a zero; so is the
        # share paid of a month no unit has closed.
        runs: list[list[tuple[float, float, dict]]] = [[]]
        for i, p in enumerate(points):
            if p.get("empty") or (key == "paid_account_rate" and p.get("paid_state") == "none"):
                runs.append([])
                continue
            y = top + plot_h * (1 - max(0, min(100, p[key])) / 100)
            runs[-1].append((left + plot_w * i / n, y, p))
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _p in run)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
                )
            for x, y, p in run:
                # An incomplete month: a hollow point, its closed units in the tooltip.
                fill, note = colour, ""
                if _incomplete(p):
                    fill, note = "#fff", f" ({p['closed']}/{p['closing_units']})"
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{fill}" '
                    f'stroke="{colour}" stroke-width="1.5"{" data-incomplete" if note else ""}>'
                    f"<title>{p['month']:%m/%Y}: {p[key]}%{note}</title></circle>"
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _incomplete(point: dict) -> bool:
    return (
        not point.get("empty")
        and point.get("complete") is False
        and bool(point.get("closing_units"))
    )
