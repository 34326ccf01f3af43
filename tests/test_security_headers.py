"""What every response tells the browser: CSP without inline script, no framing, no sniffing,
and in production secure cookies and HSTS."""

from __future__ import annotations

import re

from django.test import Client as HttpClient
from django.test import override_settings
from django.utils.html import escape

from tests.conftest import Clinic


def test_strict_content_security_policy_on_staff_and_client_pages(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    for path in ["/", f"/episodes/{clinic.episode.pk}/", "/accounts/login/", "/c/unknown-token/"]:
        response = http.get(path)
        csp = response["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        )
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Request-ID"]


def test_no_inline_script_or_style_in_pages(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    for path in [
        "/",
        f"/episodes/{clinic.episode.pk}/",
        f"/sessions/{clinic.session.pk}/",
        "/clients/",
        "/accounts/login/",
    ]:
        html = http.get(path).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\sstyle=", html), path


@override_settings(
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
)
def test_production_cookies_and_hsts(clinic: Clinic) -> None:
    from django.test import Client as HttpClient

    http = HttpClient()
    page = http.get("/accounts/login/", secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert page.cookies["csrftoken"]["secure"]
    response = http.post(
        "/accounts/login/",
        {"login": "tess@northside.test", "password": "correct-horse-battery-staple"},
        secure=True,
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_free_text_is_escaped(clinic: Clinic) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    http = clinic.login("therapist")
    http.post(f"/clients/{clinic.client.pk}/edit/", {"code": "C-0001", "display_name": hostile})
    for path in ["/", f"/clients/{clinic.client.pk}/", f"/episodes/{clinic.episode.pk}/"]:
        html = http.get(path).content.decode()
        assert hostile not in html and "&lt;script&gt;" in html, path


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _shown_escaped(http, path: str, texts: list[str]) -> list[str]:
    html = http.get(path).content.decode()
    return [f"{path}: {t[:12]}…" for t in texts if t in html or escape(t) not in html]


def test_every_displayed_free_text_is_escaped_on_each_page_that_shows_it(clinic: Clinic) -> None:
    """Client name, goal and task wording, an alert's discussion record: each hostile text is
    shown, escaped, on every page that displays it."""
    from alliance.goals import services as goals
    from alliance.insights.models import Alert
    from tests.security.world import build

    world = build(clinic)
    name, goal, task, said, reply, note = (f"{label} {HOSTILE}" for label in "NGTSRO")
    clinic.client.display_name = name
    clinic.client.save()
    first = goals.add_goal(clinic.episode, by=clinic.therapist, wording=goal)
    goals.add_task(first, by=clinic.therapist, wording=task)
    alert = Alert.objects.get(pk=world.ids["alert"])
    alert.transition(
        "discussed", by=clinic.therapist, what_was_said=said, client_response=reply, note=note
    )
    episode, plan = f"/episodes/{clinic.episode.pk}/", f"/episodes/{clinic.episode.pk}/plan/goals/"
    pages = {
        "/": [name],
        "/clients/": [name],
        f"/clients/{clinic.client.pk}/": [name],
        episode: [name, goal, task, said, reply, note],
        f"/sessions/{clinic.session.pk}/": [name],
        plan: [goal, task],
        f"{plan}print/": [goal, task],
    }
    therapist, supervisor = clinic.login("therapist"), clinic.login("supervisor")
    problems = []
    for path, texts in pages.items():
        problems += _shown_escaped(therapist, path, texts)
        problems += _shown_escaped(supervisor, path, texts)
    problems += _shown_escaped(HttpClient(), f"/c/{world.link_token}/goals/", [goal])
    assert not problems, problems


def test_a_check_in_comment_is_escaped_when_the_form_is_shown_again(clinic: Clinic) -> None:
    from tests.security.world import build

    world = build(clinic)
    comment = f"C {HOSTILE}"
    page = HttpClient().post(f"/c/{world.link_token}/", {"q1-bond": "11", "q1-change": comment})
    html = page.content.decode()
    assert page.status_code == 400
    assert comment not in html and escape(comment) in html
