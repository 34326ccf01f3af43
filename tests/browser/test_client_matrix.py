"""A client's whole journey in a real browser, at a phone's and a tablet's size, in each language,
with JavaScript on and off: the check-in by keyboard alone, the combined PHQ-9/GAD-7 form, the
goal review, the agenda and the thank-you page. On every page: no sideways scrolling, the page's
language, no English left over from the catalogue, the honest length, targets big enough, and
axe-core (tests/browser/assets/axe-core) with no violation.

One browser for all runs (tests/browser/conftest.py); each run is one browser context whose
viewport is switched between the two sizes on every page, rather than a run per size.
With ALLIANCE_SCREENSHOTS=1 the JavaScript runs also write docs/screenshots/client/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from alliance.audit import context
from alliance.checkins.models import Response
from alliance.measures import registry
from tests.checkins.client_tour import prepare
from tests.checkins.test_translations import CLIENT_INSTRUMENTS, client_entries

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "assets" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "docs" / "screenshots" / "client"
SIZES = [(390, 844), (820, 1180)]
RUNS = [("en", True), ("de", True), ("es", True), ("fr", True)]
RUNS += [("en", False), ("de", False), ("es", False)]


@pytest.fixture(autouse=True)
def fresh_acting_context() -> Iterator[None]:
    with context.acting(context.ActingContext(request_id=context.new_request_id(), source="cli")):
        yield


@pytest.fixture(scope="module")
def axe_page(chromium: Any) -> Iterator[Any]:
    """A JavaScript page for axe: pages of a no-JavaScript run are audited here, from the exact
    markup the server sent them (axe itself needs timers, which a no-JS page does not run)."""
    browser_context = chromium.new_context(bypass_csp=True)
    page = browser_context.new_page()
    page.set_default_timeout(20_000)
    yield page
    browser_context.close()


def english_fragments(lang: str) -> list[str]:
    """English sentences (and parts of them between placeholders) a page in lang must not show:
    the catalogue's client strings and the project's own instruments' texts."""
    texts = [e["msgid"] for e in client_entries(lang) if e["msgid"] not in e["msgstr"].values()]
    shipped = registry.load_shipped()
    for key in CLIENT_INSTRUMENTS:
        stack = list(shipped[key].questionnaire["item"])
        while stack:
            item = stack.pop()
            stack.extend(item.get("item") or [])
            texts.append(item.get("text") or "")
    fragments = []
    for text in texts:
        for part in re.split(r"%\(\w+\)[sd]|\\n", text):
            part = " ".join(part.split())
            if len(part) >= 14:
                fragments.append(part)
    return fragments


def _axe(page: Any) -> list[str]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(result)


class Inspector:
    def __init__(self, lang: str, js: bool, axe_page: Any, live_url: str) -> None:
        self.lang, self.js, self.axe_page, self.live_url = lang, js, axe_page, live_url
        self.fragments = english_fragments(lang) if lang != "en" else []

    def check(self, page: Any, name: str) -> None:
        assert page.locator("html").get_attribute("lang") == self.lang, name
        if self.fragments:
            text = page.evaluate(
                "(lang) => { const c = document.body.cloneNode(true);"
                " c.querySelectorAll('[lang]').forEach(e => {"
                "  if (e.getAttribute('lang').split('-')[0] !== lang) e.remove(); });"
                " return c.textContent.replace(/\\s+/g, ' '); }",
                self.lang,
            )
            left = [f for f in self.fragments if f in text]
            assert left == [], (name, left)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, (name, width, scroll, _wider_than(page, width))
            self._targets(page, name)
            self._audit(page, name, width, height)
        page.set_viewport_size({"width": 390, "height": 844})
        if self.js and os.environ.get("ALLIANCE_SCREENSHOTS") == "1":
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{self.lang}-{name}.png"), full_page=True)

    def _targets(self, page: Any, name: str) -> None:
        """44x44 for every target; the 0-10 options 44 tall and at least 24 wide (one row of
        eleven on a phone; see docs/decisions.md)."""
        boxes = page.evaluate(
            "() => [...document.querySelectorAll("
            "'label.tap, label.check, button, a.send, .goal-offer a, .languages .current')]"
            ".filter(e => e.offsetParent !== null).map(e => { const r = e.getBoundingClientRect();"
            " return [e.closest('.scale-row') ? 'scale' : 'other', r.width, r.height,"
            " e.textContent.trim().slice(0, 30)]; })"
        )
        for kind, width, height, label in boxes:
            assert height >= 44, (name, label, width, height)
            assert width >= (24 if kind == "scale" else 44), (name, label, width, height)

    def _audit(self, page: Any, name: str, width: int, height: int) -> None:
        if self.js:
            assert _axe(page) == [], (name, width)
            return
        if width != SIZES[0][0]:
            return  # the same markup was audited at both sizes in the JavaScript run
        html = page.content().replace("<head>", f'<head><base href="{self.live_url}/">', 1)
        self.axe_page.set_viewport_size({"width": width, "height": height})
        self.axe_page.set_content(html, wait_until="load")
        assert _axe(self.axe_page) == [], (name, width, "no-JS markup")


def _expected_length(lang: str, parts: int) -> str:
    with translation.override(lang):
        if parts > 1:
            return translation.ngettext(
                "It takes about a minute, in %(parts)s short parts.",
                "It takes about %(minutes)s minutes, in %(parts)s short parts.",
                4,
            ) % {"minutes": 4, "parts": parts}
        return translation.ngettext(
            "It takes about a minute: %(questions)s questions.",
            "It takes about %(minutes)s minutes: %(questions)s questions.",
            1,
        ) % {"minutes": 1, "questions": 4}


def _tab_to(page: Any, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"keyboard never reached {selector}")


def _focus_ring_contrast(page: Any) -> float:
    colour = page.evaluate(
        "() => getComputedStyle(document.activeElement.nextElementSibling).outlineColor"
    )
    r, g, b = (int(v) for v in re.findall(r"\d+", colour)[:3])

    def lum(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    light = 0.2126 * lum(r) + 0.7152 * lum(g) + 0.0722 * lum(b)
    return 1.05 / (light + 0.05)  # against the white page


def _wider_than(page: Any, width: int = 390) -> list[str]:
    """What sticks out past width, for a failure message."""
    return list(
        page.evaluate(
            "(w) => [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w)"
            ".map(e => e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 40)"
            " + ' ' + Math.round(e.getBoundingClientRect().right))",
            width,
        )
    )


def _scale_rows(page: Any) -> int:
    return int(
        page.evaluate(
            "() => new Set([...document.querySelector('.scale-row').children]"
            ".map(e => Math.round(e.getBoundingClientRect().top))).size"
        )
    )


def _keyboard_checkin(page: Any, inspector: Inspector) -> None:
    """The after-session check-in by keyboard alone: Tab into each 0-10 row, arrows to choose,
    type a comment, Enter on the send button."""
    for name, value in (("q1-bond", 8), ("q1-goals", 7), ("q1-tasks", 9), ("q1-overall", 6)):
        _tab_to(page, f"input[name='{name}']")
        if name == "q1-bond":
            assert _focus_ring_contrast(page) >= 3
        for _ in range(value):
            page.keyboard.press("ArrowRight")
        assert page.locator(f"input[name='{name}'][value='{value}']").is_checked()
    _tab_to(page, "textarea[name='q1-change']")
    page.keyboard.type("A little slower, please.")
    _tab_to(page, "button.send")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/done/$"))


@pytest.mark.parametrize(
    ("lang", "js"), RUNS, ids=[f"{lang}-{'js' if js else 'nojs'}" for lang, js in RUNS]
)
def test_client_journey(
    clinic: Any, live_server: Any, chromium: Any, axe_page: Any, lang: str, js: bool
) -> None:
    tour = prepare(clinic)
    inspector = Inspector(lang, js, axe_page, live_server.url)
    browser_context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
        java_script_enabled=js,
        bypass_csp=True,  # for the test's own style and axe, never the page's
        is_mobile=True,
        has_touch=True,
    )
    page = browser_context.new_page()
    page.set_default_timeout(20_000)
    page.set_default_navigation_timeout(60_000)  # the first request also starts the server
    base = live_server.url
    try:
        # Before the session: the form offers the agenda; the agenda page saves a focus.
        page.goto(f"{base}/c/{tour.before}/")
        inspector.check(page, "checkin-before-session")
        page.locator(".goal-offer a").click()
        inspector.check(page, "agenda")
        page.locator("textarea").fill("Sleep, and the choir")
        page.locator("button.send").click()
        assert page.locator(".alert.ok").is_visible()

        # After session 4: the check-in by keyboard; the 0-10 row at normal and double text.
        page.goto(f"{base}/c/{tour.after}/")
        assert _expected_length(lang, 1) in page.locator(".length").inner_text()
        assert _scale_rows(page) == 1
        # Not add_style_tag: it waits for a load event that a no-JavaScript page never fires.
        page.evaluate(
            "() => { const s = document.createElement('style');"
            " s.textContent = 'html { font-size: 200% !important; }'; document.head.append(s); }"
        )
        assert _scale_rows(page) > 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, _wider_than(page)
        page.reload()
        inspector.check(page, "checkin")
        _keyboard_checkin(page, inspector)
        inspector.check(page, "thank-you")
        assert page.locator("a.send").is_visible()

        page.locator("a.send").click()  # Review my goals
        inspector.check(page, "goal-review")
        page.locator(".scale-row").first.locator("label.tap").nth(7).click()
        page.locator("label.check").first.click()
        assert page.locator("label.check input").first.is_checked()
        page.locator("button.send").click()
        inspector.check(page, "goal-review-done")

        page.goto(f"{base}/c/{tour.after}/preferences/")
        inspector.check(page, "preferences")

        # The link again, from the same browser: received, not an error.
        page.goto(f"{base}/c/{tour.after}/")
        inspector.check(page, "answers-received")

        # The combined PHQ-9, GAD-7 and check-in form, by tapping.
        page.goto(f"{base}/c/{tour.combined}/")
        assert _expected_length(lang, 3) in page.locator(".length").inner_text()
        inspector.check(page, "phq9-gad7-checkin")
        groups = page.locator("fieldset.q")
        for index in range(groups.count()):
            groups.nth(index).locator("label.tap").nth(1).click()
        page.locator("form#checkin-form button.send").click()
        page.wait_for_url(re.compile(r"/done/$"))
        assert Response.objects.filter(instrument_key__in=["phq-9", "gad-7"]).count() == 2

        page.goto(f"{base}/c/{'Z' * 43}/")
        inspector.check(page, "link-not-usable")
    finally:
        browser_context.close()
