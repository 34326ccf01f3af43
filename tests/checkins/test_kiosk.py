"""Office tablet mode with Django's test client: scoped to one's own sessions, audited, locked
to the tablet pages, and nothing a client answered is reachable afterwards.
The real-browser walk through two clients is tests/browser/test_kiosk_browser.py."""

from __future__ import annotations

import re
from typing import Any

from alliance.audit.models import AuditEvent
from alliance.care.models import Client, EpisodeFormat, Session
from alliance.checkins.models import EpisodePlanEntry, Response
from tests.conftest import make_episode, make_session

from .helpers import form_key


def couple(clinic: Any) -> Session:
    """A couple's session today; the plan asks each partner the conjoint check-in only."""
    partner = Client.objects.create(organization=clinic.org, code="C-0002", display_name="Bo")
    episode = make_episode(
        clinic.org, clinic.therapist, [clinic.client, partner], EpisodeFormat.COUPLE
    )
    EpisodePlanEntry.objects.filter(episode=episode, instrument_key__in=["phq-9", "gad-7"]).delete()
    return make_session(episode)


def answers_for(html: str, comment: str) -> dict[str, str]:
    """7 on every 0-10 row the form shows, and the comment in its text box."""
    data = {name: "7" for name in re.findall(r'name="(q\d+-[a-z_-]+)" value="7"', html)}
    for name in re.findall(r'<textarea[^>]*name="(q\d+-[a-z_-]+)"', html):
        data[name] = comment
    return {**data, "idempotency_key": form_key(html)}


def test_two_partners_answer_in_turn_and_nothing_of_the_first_stays(clinic: Any) -> None:
    session = couple(clinic)
    tablet = clinic.login("therapist")
    assert "Use the tablet for this session" in tablet.get("/kiosk/").content.decode()
    armed = tablet.post("/kiosk/", {"session": session.pk})
    assert armed["Location"] == "/kiosk/ready/"
    assert AuditEvent.objects.filter(object_type="checkins.KioskMode").count() == 1
    ready = tablet.get("/kiosk/ready/")
    assert ready["Cache-Control"].startswith("no-store")
    assert "Please hand the tablet to your client" in ready.content.decode()
    assert "Alex" not in ready.content.decode() and "Bo" not in ready.content.decode()
    # locked: the caseload and every other staff page lead back to the neutral screen
    assert tablet.get("/")["Location"] == "/kiosk/ready/"
    assert tablet.get(f"/episodes/{session.episode_id}/")["Location"] == "/kiosk/ready/"
    assert tablet.get("/kiosk/")["Location"] == "/kiosk/ready/"

    for name, comment in (("Alex", "First client's private words."), ("Bo", "Second client.")):
        assert tablet.post("/kiosk/next/")["Location"] == "/kiosk/checkin/"
        form = tablet.get("/kiosk/checkin/")
        html = form.content.decode()
        assert form["Cache-Control"].startswith("no-store")
        assert f"For {name}" in html and 'autocomplete="off"' in html
        assert "private words" not in html
        done = tablet.post("/kiosk/checkin/", answers_for(html, comment))
        assert done.status_code == 302, done.content.decode()[:3000]
        assert done["Location"] == "/kiosk/ready/?thanks=1"
        # "back": the form is gone, the neutral screen holds no answers
        assert tablet.get("/kiosk/checkin/")["Location"] == "/kiosk/ready/"
        thanks = tablet.get("/kiosk/ready/?thanks=1").content.decode()
        assert "Thank you" in thanks and comment not in thanks and name not in thanks

    stored = Response.objects.filter(session=session)
    assert stored.count() == 2
    assert {r.participant.client.display_name for r in stored} == {"Alex", "Bo"}
    assert "All done" in tablet.get("/kiosk/ready/").content.decode()
    assert tablet.post("/kiosk/end/").status_code == 302
    assert tablet.get("/")["Location"].startswith("/accounts/login/")


def test_only_ones_own_sessions_can_go_on_the_tablet(clinic: Any) -> None:
    for who, status in (("colleague", 404), ("outsider", 404), ("supervisor", 403)):
        http = clinic.login(who)
        assert http.post("/kiosk/", {"session": clinic.session.pk}).status_code == status, who
    assert not AuditEvent.objects.filter(object_type="checkins.KioskMode").exists()


def test_without_tablet_mode_the_tablet_pages_lead_to_the_choice(clinic: Any) -> None:
    http = clinic.login("therapist")
    assert http.get("/kiosk/checkin/")["Location"] == "/kiosk/"
    assert http.post("/kiosk/next/")["Location"] == "/kiosk/"
    assert http.get("/").status_code == 200  # the caseload is not locked


def test_a_form_put_down_unanswered_is_closed(clinic: Any) -> None:
    from alliance.checkins.models import CheckinRequest

    tablet = clinic.login("therapist")
    tablet.post("/kiosk/", {"session": clinic.session.pk})
    tablet.post("/kiosk/next/")
    assert tablet.get("/kiosk/checkin/").status_code == 200
    link = CheckinRequest.objects.get(session=clinic.session)
    assert link.state == "opened"
    tablet.get("/kiosk/ready/")  # the idle return
    link.refresh_from_db()
    assert link.state == "cancelled"
    assert not Response.objects.filter(session=clinic.session).exists()
