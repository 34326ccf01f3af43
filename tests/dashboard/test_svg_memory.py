"""The server draws a chart's SVG once per spec: the same content gives the remembered drawing,
any change in the content draws anew."""

from __future__ import annotations

from alliance import charts
from alliance.charts import render


def _spec(progress: int) -> dict:
    return charts.goal_lines([charts.GoalPoint(1, "1. Sleep", progress)], "Progress you feel")


def test_the_same_spec_is_drawn_once_and_a_changed_one_anew() -> None:
    render._svg_of.cache_clear()
    first = render.render_svg(_spec(3))
    again = render.render_svg(_spec(3))
    assert again == first
    assert render._svg_of.cache_info().hits == 1
    changed = render.render_svg(_spec(7))
    assert changed != first
    assert render._svg_of.cache_info().misses == 2
