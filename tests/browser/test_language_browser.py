"""A therapist uploads the synthetic sample transcript to a session, maps the speakers, and sees
the labels, the summary and the alliance moves beside the client's and their own rating, in
Chromium; with the default setting no sentence of the transcript is left in the database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from alliance.checkins import services as checkins
from alliance.language.models import SessionTranscript
from alliance.measures.models import current_instrument
from tests.browser.test_foundation_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).parents[2] / "alliance/language/samples/synthetic-session.vtt"
SENTENCES = ("I really want to cut down before my daughter's wedding", "Sky Sample")


def _rate(clinic: Any) -> None:
    episode = clinic.episode
    for who, key, answers in (
        (episode.participants.get(client=clinic.client), "alliance-checkin-client", "8697"),
        (episode.participants.get(user=clinic.therapist), "alliance-checkin-therapist", "7676"),
    ):
        with transaction.atomic():
            checkins.save_response(
                session=clinic.session,
                participant=who,
                instrument=current_instrument(key),
                answers=dict(zip(("bond", "goals", "tasks", "overall"), answers, strict=True)),
                idempotency_key=f"browser-{key}",
                channel="paper",
                entered_by=clinic.therapist,
            )


def _shot(page: Any, name: str, *, full_page: bool = True) -> None:
    folder = os.environ.get("ALLIANCE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


def _database_text() -> str:
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.append(repr(cursor.fetchall()))
    return "\n".join(parts)


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_upload_map_speakers_and_see_labels_beside_the_ratings(
    clinic: Any, live_server: Any, chromium: Any, size: tuple[int, int]
) -> None:
    _rate(clinic)
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(live_server.url) else blocked.append(r.url)
    )
    sign_in(page, live_server.url, "tess@northside.test")
    page.goto(f"{live_server.url}/sessions/{clinic.session.pk}/")
    page.get_by_role("link", name="Add a transcript").click()
    assert page.get_by_text("analysed on this server and discarded").is_visible()
    page.get_by_label("Transcript file").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Read the file").click()

    page.get_by_text("18 turns were read.").wait_for()
    map_form = page.locator("form.speaker-map")
    map_form.locator("fieldset", has_text="Dr Rowan Example").get_by_label("Therapist").check()
    map_form.locator("fieldset", has_text="Sky Sample").get_by_label("Client").check()
    _shot(page, f"language-map-{size[0]}")
    page.get_by_role("button", name="Analyse").click()

    page.get_by_text("The text was discarded; the counts and labels are kept.").wait_for()
    assert page.locator("[data-metric=rq]").inner_text().startswith("0.80 : 1")
    assert page.locator("[data-metric=open]").inner_text().startswith("60%")
    agenda = page.locator("[data-move=agenda_check]").inner_text()
    assert "lines 1, 3" in agenda
    assert "line 17" in page.locator("[data-move=feedback_request]").inner_text()
    assert "line 10" in page.locator("[data-rupture=withdrawal]").inner_text()
    client_row = page.locator("[data-rating=client]").inner_text()
    assert "Alliance check-in" in client_row or "alliance" in client_row.lower()
    assert page.locator("[data-rating=therapist]").count() == 1
    assert page.locator("table.transcript tbody tr").count() == 18
    assert page.locator("#line-9 .label").inner_text() == "Complex reflection"
    if size[0] < 500:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size[0], "the analysis must fit a phone without sideways scrolling"
    _shot(page, f"language-analysis-{size[0]}")
    page.locator("#line-9").scroll_into_view_if_needed()
    _shot(page, f"language-lines-{size[0]}", full_page=False)

    stored = SessionTranscript.objects.get(session=clinic.session)
    assert stored.encrypted_text is None and stored.summary["moves"]["agenda_check"] == 2
    text = _database_text()
    assert not [s for s in SENTENCES if s in text]

    page.goto(f"{live_server.url}/sessions/{clinic.session.pk}/transcript/")
    assert page.get_by_text("The text was discarded after the analysis").is_visible()
    assert page.get_by_text("daughter").count() == 0
    page.goto(f"{live_server.url}/episodes/{clinic.episode.pk}/language/")
    assert page.get_by_text("about ρ = .15").is_visible()
    _shot(page, f"language-episode-{size[0]}")
    assert not blocked, blocked
    context.close()


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_settings_upload_and_practice_pages_fit_the_screen(
    clinic: Any, live_server: Any, chromium: Any, size: tuple[int, int]
) -> None:
    import datetime as dt

    from django.utils import timezone

    from alliance.growth.models import PracticePeriod

    period = PracticePeriod.objects.create(
        organization=clinic.org,
        therapist=clinic.therapist,
        skill="Asking for feedback",
        starts_on=timezone.localdate() - dt.timedelta(days=6),
        ends_on=timezone.localdate(),
    )
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    sign_in(page, live_server.url, "tess@northside.test")
    for name, path, text in (
        ("session", f"/sessions/{clinic.session.pk}/", "Session language"),
        ("upload", f"/sessions/{clinic.session.pk}/transcript/upload/", "Add a transcript"),
        ("practice", f"/practice/{period.pk}/language/", "before and during practice"),
    ):
        page.goto(live_server.url + path)
        assert page.get_by_text(text).first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0], name
        _shot(page, f"language-{name}-{size[0]}")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server.url, "ada@northside.test")
    page.goto(f"{live_server.url}/org/transcripts/")
    page.get_by_label("keep the transcript text, encrypted").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("no transcript key").first.wait_for()
    _shot(page, f"language-settings-{size[0]}")
    context.close()
