"""Office tablet mode with Django's test client: scoped to one's own sessions, audited, locked
to the tablet pages, and nothing a client answered is reachable afterwards.
The real-browser walk through two clients is tests/browser/test_kiosk_browser.py."""

from __future__ import annotations

import re
from typing import Any

from alliance.audit.models import AuditEvent
from alliance.care.models import Client, EpisodeFormat, Session
from alliance.checkins import services
from alliance.checkins.models import CheckinRequest, EpisodePlanEntry, Response
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
    # The partners' names as words: a random token in the page may contain the letters "Bo".
    assert not re.search(r"(?<![A-Za-z0-9])(Alex|Bo)(?![A-Za-z0-9])", ready.content.decode())
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


def full_answers(html: str, phq9_item9: str) -> dict[str, str]:
    """Every question of the clinic's check-in (PHQ-9, GAD-7, alliance) answered."""
    data = {f"q1-phq9-{i}": "1" for i in range(1, 9)}
    data["q1-phq9-9"] = phq9_item9
    data["q1-phq9-10"] = "0"
    data.update({f"q2-gad7-{i}": "1" for i in range(1, 8)})
    data.update({f"q3-{k}": "8" for k in ("bond", "goals", "tasks", "overall")})
    link = re.search(r'name="kiosk_link" value="([^"]+)"', html)
    assert link, "the tablet form carries its link"
    return {
        **data,
        "idempotency_key": form_key(html),
        "send_with_gaps": "1",
        "kiosk_link": link.group(1),
    }


def start_on_tablet(clinic: Any) -> tuple[Any, str]:
    tablet = clinic.login("therapist")
    tablet.post("/kiosk/", {"session": clinic.session.pk})
    tablet.post("/kiosk/next/")
    return tablet, tablet.get("/kiosk/checkin/").content.decode()


def test_the_tablet_form_says_who_reads_it_and_where_help_is(clinic: Any) -> None:
    _tablet, html = start_on_tablet(clinic)
    assert "q1-phq9-9" in html
    # before the questions, and again beside the PHQ-9's risk question
    assert html.count('class="crisis') >= 2
    assert "If you need help now" in html


def test_after_a_risk_answer_the_thanks_screen_shows_where_help_is(clinic: Any) -> None:
    tablet, html = start_on_tablet(clinic)
    done = tablet.post("/kiosk/checkin/", full_answers(html, phq9_item9="2"))
    assert done["Location"] == "/kiosk/ready/?thanks=1"
    thanks = tablet.get("/kiosk/ready/?thanks=1").content.decode()
    assert "Your answers were sent" in thanks
    assert 'class="crisis prominent"' in thanks and "If you need help now" in thanks
    assert 'content="90;url=' in thanks  # time to read it before the neutral screen
    assert "Alex" not in thanks and "q1-phq9" not in thanks  # nothing of the client's answers
    # shown once: the next screen is neutral again
    assert "crisis" not in tablet.get("/kiosk/ready/?thanks=1").content.decode()


def test_without_a_risk_answer_the_thanks_screen_stays_short(clinic: Any) -> None:
    tablet, html = start_on_tablet(clinic)
    tablet.post("/kiosk/checkin/", full_answers(html, phq9_item9="0"))
    thanks = tablet.get("/kiosk/ready/?thanks=1").content.decode()
    assert "Your answers were sent" in thanks
    assert "crisis prominent" not in thanks and 'content="8;url=' in thanks


def test_answers_to_a_link_closed_meanwhile_are_stored_through_a_fresh_one(clinic: Any) -> None:
    tablet, html = start_on_tablet(clinic)
    first = CheckinRequest.objects.get(session=clinic.session)
    # staff send the client a new link while they answer on the tablet: the tablet's is cancelled
    participant = first.participant
    services.issue_link(clinic.session, participant, by=clinic.therapist)
    first.refresh_from_db()
    assert first.state == "cancelled"
    done = tablet.post("/kiosk/checkin/", full_answers(html, phq9_item9="3"))
    assert done["Location"] == "/kiosk/ready/?thanks=1"
    stored = Response.objects.filter(session=clinic.session, participant=participant)
    assert stored.count() == 3
    assert stored.get(instrument__key="phq-9").risk
    thanks = tablet.get("/kiosk/ready/?thanks=1").content.decode()
    assert "crisis prominent" in thanks


def test_answers_that_cannot_be_stored_are_never_called_sent(clinic: Any) -> None:
    tablet, html = start_on_tablet(clinic)
    # Everything was answered meanwhile through another way, and the tablet's link is closed.
    CheckinRequest.objects.filter(session=clinic.session).update(state="cancelled")
    data = full_answers(html, phq9_item9="3")
    other, other_html = start_on_tablet(clinic)
    other.post("/kiosk/checkin/", full_answers(other_html, phq9_item9="0"))
    page = tablet.post("/kiosk/checkin/", data)
    text = page.content.decode()
    assert page.status_code == 409
    assert "Your answers were not sent" in text and "hand the tablet back" in text
    assert "If you need help now" in text
    assert "were sent" not in text.replace("were not sent", "")
    assert 'name="q1-phq9-9" value="3" checked' in text  # what they entered is still there


def test_a_session_out_of_reach_ends_tablet_mode(clinic: Any) -> None:
    tablet = clinic.login("therapist")
    tablet.post("/kiosk/", {"session": clinic.session.pk})
    clinic.episode.participants.filter(user=clinic.therapist).delete()
    assert tablet.get("/kiosk/ready/")["Location"] == "/kiosk/"
    # the lock is off: no page is sent to a 404 any more
    assert tablet.get("/kiosk/").status_code == 200
    assert tablet.get("/").status_code == 200


def test_answers_sent_after_the_neutral_screen_opened_elsewhere_are_kept(clinic: Any) -> None:
    tablet, html = start_on_tablet(clinic)
    tablet.get("/kiosk/ready/")  # another tab of the tablet went to the neutral screen
    done = tablet.post("/kiosk/checkin/", full_answers(html, phq9_item9="1"))
    assert done["Location"] == "/kiosk/ready/?thanks=1"
    assert Response.objects.filter(session=clinic.session).count() == 3
    # sent again ("back" and resend): stored once only
    again = tablet.post("/kiosk/checkin/", full_answers(html, phq9_item9="1"))
    assert again["Location"] == "/kiosk/ready/?thanks=1"
    assert Response.objects.filter(session=clinic.session).count() == 3
