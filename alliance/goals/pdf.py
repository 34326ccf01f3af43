"""The written plan as a PDF the therapist can hand to the client.

Laid out as one A4-wide SVG page (as long as the plan needs) and turned into PDF by vl-convert,
which the charts already depend on: no further PDF library. Charts are the same Vega-Lite specs
as on screen, embedded as SVG images.
"""

from __future__ import annotations

import base64
import textwrap
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import charts
from alliance.charts.render import render_svg

from .models import GoalRating
from .panels import _rows

WIDTH = 595  # A4 in points
MARGIN = 48
WRAP = 78  # characters per line at 11 pt


class _Page:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.y = MARGIN

    def text(self, line: str, *, size: int = 11, bold: bool = False, indent: int = 0) -> None:
        self.y += int(size * 1.5)
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(
            f'<text x="{MARGIN + indent}" y="{self.y}" font-family="sans-serif" '
            f'font-size="{size}"{weight}>{escape(line)}</text>'
        )

    def para(self, text: str, *, size: int = 11, bold: bool = False, indent: int = 0) -> None:
        width = max(20, WRAP - indent // 6)
        for line in textwrap.wrap(text, width) or [""]:
            self.text(line, size=size, bold=bold, indent=indent)

    def gap(self, points: int = 8) -> None:
        self.y += points

    def image(self, svg: str, height: int) -> None:
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
        self.parts.append(
            f'<image x="{MARGIN}" y="{self.y + 6}" width="{WIDTH - 2 * MARGIN}" '
            f'height="{height}" href="{uri}"/>'
        )
        self.y += height + 12

    def svg(self) -> str:
        height = self.y + MARGIN
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}"><rect width="100%" height="100%" fill="white"/>'
            + "".join(self.parts)
            + "</svg>"
        )


def _rating_line(rating: GoalRating | None) -> str:
    if rating is None:
        return _("Not rated yet.")
    return _("Last rated at session %(n)s: still the right goal %(r)s/10, progress %(p)s/10.") % {
        "n": rating.review.session.number,
        "r": "–" if rating.still_right is None else rating.still_right,
        "p": "–" if rating.progress is None else rating.progress,
    }


def plan_svg(episode: Any, plan: Any) -> str:
    page = _Page()
    page.text(_("Our plan"), size=20, bold=True)
    page.para(f"{episode.organization.name} · {timezone.localdate():%Y-%m-%d}", size=10)
    page.gap()
    if not plan.rows:
        page.para(_("No active goals yet."))
    for row in plan.rows:
        page.gap()
        page.para(f"{row.number}. {row.goal.wording}", size=13, bold=True)
        page.para(
            _("Proposed by: %(who)s") % {"who": row.goal.get_proposed_by_display()}
            + (f" · {_('review on')} {row.goal.review_on:%Y-%m-%d}" if row.goal.review_on else ""),
            size=10,
            indent=14,
        )
        for task in row.goal.tasks.all():
            if task.status != "set_aside":
                mark = "✓" if task.status == "done" else "•"
                page.para(f"{mark} {task.wording}", indent=14)
        page.para(_rating_line(row.latest), size=10, indent=14)
    if plan.past:
        page.gap()
        page.text(_("Achieved or set aside"), size=13, bold=True)
        for row in plan.past:
            page.para(f"{row.goal.wording} ({row.goal.get_status_display()})", indent=14)
    _charts(page, plan)
    page.gap()
    if plan.next_review:
        page.para(_("Next review: %(d)s") % {"d": f"{plan.next_review:%Y-%m-%d}"}, bold=True)
    page.para(
        _("This plan is ours to change: tell your therapist if a goal no longer fits."), size=10
    )
    return page.svg()


def _charts(page: _Page, plan: Any) -> None:
    rows, past, ratings = _rows(plan.episode)
    labels = {r.goal.pk: f"{r.number}. {r.goal.wording[:40]}" for r in rows + past}
    points = [
        charts.GoalPoint(r.review.session.number, labels[r.goal_id], r.progress)
        for r in ratings
        if r.goal_id in labels and r.progress is not None
    ]
    if points:
        page.gap()
        page.image(render_svg(charts.goal_lines(points, _("Progress you feel"))), 300)


def plan_pdf(episode: Any, plan: Any) -> bytes:
    import vl_convert

    return bytes(vl_convert.svg_to_pdf(plan_svg(episode, plan)))
