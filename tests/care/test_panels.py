"""The episode page is drawn from the panels the apps register: in order, each drawn once, an
empty one left out."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from alliance.care import panels


def test_panels_are_drawn_once_in_order_and_an_empty_one_is_left_out(monkeypatch) -> None:
    monkeypatch.setattr(panels, "_panels", {panels.EPISODE: {}, panels.SESSION: {}})
    drawn: list[str] = []

    def base(page: panels.Page) -> dict[str, Any]:
        drawn.append("base")
        return {"base": [1, 2, 3]}

    def total(page: panels.Page) -> dict[str, Any]:
        drawn.append("total")
        return {"total": sum(page.data("base")), "extra": "kept"}

    panels.register("total", 10, total, "total.html")
    panels.register("base", 20, base, "base.html")
    panels.register("empty", 30, lambda page: {"empty": None}, "empty.html")
    panels.register("always", 40, lambda page: {"always": None}, "always.html", always=True)
    page = panels.Page(panels.EPISODE, RequestFactory().get("/"), None, None)
    context = panels.draw(page)
    assert [p.name for p in context["panels"]] == ["total", "base", "always"]
    assert context["total"] == 6 and context["extra"] == "kept"
    assert drawn == ["total", "base"]  # "base" was drawn once, when "total" asked for it
