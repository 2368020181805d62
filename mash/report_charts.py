"""The drawing behind the audit reports: inline SVG charts, tables and the page.

Everything here writes HTML with no scripts and no external stylesheets, fonts or
images, so a report is one file that opens offline and prints. Text from records
is untrusted: any ``str`` is escaped on the way out, and only :class:`Html`
(markup built here or by the caller) passes through as is. Charts carry a
``<title>`` and ``<desc>`` for screen readers, and the caller sets the table of
their numbers beside them. Times, durations and agencies are worded here too, in
UK local time, so that every report says them the same way.
"""

from __future__ import annotations

import html
import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mash.text_layout import LOCAL_TIME

#: Okabe-Ito blue, a darkened orange and Tol's wine: told apart with common colour
#: blindness, and each at least 3:1 against white (WCAG 1.4.11).
SHARED_COLOUR = "#0072b2"
REDACTED_COLOUR = "#b86e00"
WITHHELD_COLOUR = "#882255"
NEUTRAL_COLOUR = "#6b6b6b"
ACRONYMS = frozenset({"CAMHS", "CAFCASS"})
WIDTH = 720
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
CSS = f"""
:root {{ color: #1b1b1b; background: #ffffff; }}
body {{ font-family: {FONT}; line-height: 1.45; margin: 0 auto; max-width: 60rem;
  padding: 1rem 1.5rem 3rem; }}
h1 {{ font-size: 1.7rem; margin-bottom: 0.2rem; }}
h2 {{ font-size: 1.35rem; border-bottom: 2px solid #1b1b1b; padding-bottom: 0.2rem;
  margin-top: 2.2rem; }}
h3 {{ font-size: 1.1rem; margin-top: 1.6rem; }}
.meta {{ color: #3d3d3d; margin: 0.2rem 0; }}
.verification {{ border: 3px solid #1b1b1b; padding: 0.6rem 0.9rem; margin: 1rem 0;
  font-size: 1.1rem; background: #f3f3f3; }}
.warning {{ border-color: #882255; }}
.note {{ color: #3d3d3d; font-size: 0.92rem; }}
figure {{ margin: 1rem 0; display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }}
figure > svg {{ flex: 1 1 28rem; max-width: 100%; height: auto; }}
figure > table {{ flex: 1 1 16rem; }}
table {{ border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }}
caption {{ text-align: left; font-weight: 600; padding-bottom: 0.3rem; }}
th, td {{ border: 1px solid #8c8c8c; padding: 0.25rem 0.5rem; vertical-align: top;
  text-align: left; }}
thead th {{ background: #e8e8e8; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
@page {{ margin: 15mm; }}
@media print {{
  body {{ max-width: none; padding: 0; font-size: 10pt; }}
  figure, tr {{ break-inside: avoid; }}
  h2, h3 {{ break-after: avoid; }}
  .verification {{ background: none; }}
}}
"""


class Html(str):
    """Markup that is already safe: passed through, never escaped again."""

    __slots__ = ()


@dataclass(frozen=True)
class Series:
    """One stack of a chart: a name, a colour and a value per label."""

    name: str
    colour: str
    values: tuple[float, ...]


def text(value: object) -> Html:
    """``value`` as HTML text: escaped unless it is already :class:`Html`."""
    return value if isinstance(value, Html) else Html(html.escape(str(value), quote=True))


def number(value: float) -> str:
    """A count or measure without a needless ``.0``."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def note(sentence: str) -> Html:
    """A short explanatory paragraph."""
    return Html(f'<p class="note">{text(sentence)}</p>')


def when(moment: datetime) -> str:
    """An instant in UK local time (GMT or BST), to the minute."""
    return moment.astimezone(LOCAL_TIME).strftime("%d %b %Y %H:%M %Z")


def day(value: date) -> str:
    """A date as ``Tue 03 Mar 2026``."""
    return value.strftime("%a %d %b %Y")


def local_day(moment: datetime) -> date:
    """The UK local date of an instant."""
    return moment.astimezone(LOCAL_TIME).date()


def week_start(value: date) -> date:
    """The Monday of the week of ``value``."""
    return value - timedelta(days=value.weekday())


def period(first: datetime, last: datetime) -> str:
    """The UK local days from ``first`` to ``last``, e.g. ``Mon 02 Mar 2026 to ... (3 days)``."""
    start, end = local_day(first), local_day(last)
    return f"{day(start)} to {day(end)} ({(end - start).days + 1} days)"


def duration(span: timedelta) -> str:
    """A length of time as ``1 d 3 h 20 min``, to the minute."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = zip((days, hours, minutes), ("d", "h", "min"), strict=True)
    return " ".join(f"{count} {unit}" for count, unit in parts if count)


def median(spans: Sequence[timedelta]) -> str:
    """The median length of time, or ``n/a`` for none."""
    if not spans:
        return "n/a"
    return duration(timedelta(seconds=statistics.median(s.total_seconds() for s in spans)))


def ninetieth(spans: Sequence[timedelta]) -> str:
    """The 90th percentile length of time (nearest rank), or ``n/a`` for none."""
    return duration(sorted(spans)[math.ceil(0.9 * len(spans)) - 1]) if spans else "n/a"


def agency_name(symbol: str | None) -> str:
    """An ``Agency`` symbol as a name: ``SOCIAL_CARE`` is ``Social care``."""
    if not symbol:
        return "Not recorded"
    name = " ".join(w if w in ACRONYMS else w.lower() for w in symbol.split("_"))
    return name[:1].upper() + name[1:]


def table(
    caption: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: frozenset[int] = frozenset(),
    empty: str = "None.",
) -> Html:
    """A table whose first cell in each row heads the row; ``numeric`` columns align right."""
    body = []
    for row in rows:
        cells = [Html(f'<th scope="row">{text(row[0])}</th>')]
        for index, cell in enumerate(row[1:], start=1):
            css = ' class="num"' if index in numeric else ""
            cells.append(Html(f"<td{css}>{text(cell)}</td>"))
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}">{text(empty)}</td></tr>')
    head = "".join(f'<th scope="col">{text(h)}</th>' for h in headers)
    return Html(
        f"<table><caption>{text(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def stacked(
    counts: Mapping[tuple[Any, str], int],
    labels: Sequence[Any],
    stacks: Mapping[str, tuple[str, str]],
) -> list[Series]:
    """One series per key of ``stacks`` (its name and colour), valued ``counts[label, key]``."""
    return [
        Series(name, colour, tuple(float(counts.get((label, key), 0)) for label in labels))
        for key, (name, colour) in stacks.items()
    ]


def banner(label: str, message: str, warning: bool) -> Html:
    """A boxed line that must not be missed, e.g. whether the audit chain verified."""
    css = "verification warning" if warning else "verification"
    return Html(f'<p class="{css}"><strong>{text(label)}:</strong> {text(message)}</p>')


def series_table(caption: str, label: str, labels: Sequence[str], series: Sequence[Series]) -> Html:
    """The numbers of a chart as a table, leaving out labels where every value is zero."""
    rows = [
        (name, *(number(one.values[index]) for one in series))
        for index, name in enumerate(labels)
        if any(one.values[index] for one in series)
    ]
    headers = (label, *(one.name for one in series))
    return table(caption, headers, rows, numeric=frozenset(range(1, len(headers))))


def figure(chart: Html, numbers: Html) -> Html:
    """A chart with the table of its numbers beside it."""
    return Html(f"<figure>{chart}{numbers}</figure>")


def column_chart(
    ident: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]
) -> Html:
    """Stacked vertical bars, one per label (a time axis), with a legend above."""
    left, right, top, plot_height = 44, 10, 30, 170
    plot_width = WIDTH - left - right
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top_value, step = _scale(max(totals, default=0))
    slot = plot_width / max(len(labels), 1)
    bar = max(slot * 0.7, 1.0)
    parts = _legend(series, left, 14)
    parts += _value_axis(top_value, step, left, top, plot_width, plot_height)
    for index in range(len(labels)):
        x = left + index * slot + (slot - bar) / 2
        base = float(top + plot_height)
        for one in series:
            size = one.values[index] / top_value * plot_height
            if size > 0:
                base -= size
                parts.append(
                    f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{size:.1f}" '
                    f'fill="{one.colour}" stroke="#ffffff" stroke-width="0.5"/>'
                )
    every = max(1, math.ceil(len(labels) / 10))
    for index in range(0, len(labels), every):
        x = left + index * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_height + 16}" text-anchor="middle" '
            f'font-size="11">{text(labels[index])}</text>'
        )
    return _svg(ident, title, desc, top + plot_height + 26, parts)


def bar_chart(
    ident: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]
) -> Html:
    """Stacked horizontal bars, one row per label, each row's total at its end."""
    left, right, top, row = 150, 60, 30, 26
    plot_width = WIDTH - left - right
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    scale_top = _scale(max(totals, default=0))[0]
    parts = _legend(series, 10, 14) if len(series) > 1 else []
    for index, label in enumerate(labels):
        y = top + index * row
        parts.append(
            f'<text x="{left - 6}" y="{y + 16}" text-anchor="end" font-size="12">'
            f"{text(_clip(label, 22))}</text>"
        )
        x = float(left)
        for one in series:
            size = one.values[index] / scale_top * plot_width
            if size > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{size:.1f}" height="{row - 8}" '
                    f'fill="{one.colour}" stroke="#ffffff" stroke-width="0.5"/>'
                )
                x += size
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 16}" font-size="12">{number(totals[index])}</text>'
        )
    bottom = top + len(labels) * row
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#1b1b1b"/>')
    return _svg(ident, title, desc, bottom + 8, parts)


def page(title: str, meta: Sequence[str], body: Iterable[Html]) -> Html:
    """A whole HTML document: the title as the only ``h1``, ``meta`` lines under it."""
    lines = "".join(f'<p class="meta">{text(line)}</p>' for line in meta)
    return Html(
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"<title>{text(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{text(title)}</h1>\n{lines}\n</header>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def section(ident: str, heading: str, content: Iterable[Html]) -> Html:
    """A numbered report section under an ``h2``."""
    slug = _slug(ident)
    return Html(
        f'<section aria-labelledby="{slug}">\n<h2 id="{slug}">{text(heading)}</h2>\n'
        + "\n".join(content)
        + "\n</section>"
    )


def _svg(ident: str, title: str, desc: str, height: float, parts: Sequence[str]) -> Html:
    slug = _slug(ident)
    return Html(
        f'<svg role="img" aria-labelledby="{slug}-title {slug}-desc" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'font-family="{html.escape(FONT)}" fill="#1b1b1b">'
        f'<title id="{slug}-title">{text(title)}</title>'
        f'<desc id="{slug}-desc">{text(desc)}</desc>' + "".join(parts) + "</svg>"
    )


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for one in series:
        parts.append(
            f'<rect x="{x:.0f}" y="{y - 9:.0f}" width="10" height="10" fill="{one.colour}"/>'
            f'<text x="{x + 14:.0f}" y="{y:.0f}" font-size="12">{text(one.name)}</text>'
        )
        x += 24 + 7 * len(one.name)
    return parts


def _value_axis(
    top_value: float, step: float, left: float, top: float, width: float, height: float
) -> list[str]:
    parts = []
    for tick in range(round(top_value / step) + 1):
        value = tick * step
        y = top + height - value / top_value * height
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" '
            f'stroke="{"#1b1b1b" if tick == 0 else "#d0d0d0"}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{number(value)}</text>"
        )
    return parts


def _scale(largest: float) -> tuple[float, float]:
    """A round top for an axis holding ``largest``, and its tick step (1, 2 or 5 x 10^n)."""
    if largest <= 0:
        return 1.0, 1.0
    rough = largest / 5
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    step = max(step, 1.0)
    return math.ceil(largest / step) * step, step


def _clip(label: str, length: int) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"


def _slug(ident: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", ident.lower()).strip("-") or "chart"
