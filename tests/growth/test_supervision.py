"""The supervision view: open alerts by age, ruptures not discussed in time, clients not on
track, calibration and notes, for supervisees only, in alphabetical order."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from alliance.accounts.models import Supervision
from alliance.audit.models import AuditEvent
from alliance.growth.models import GrowthSettings, SupervisionNote
from alliance.insights.models import Alert
from tests.conftest import make_user

from .helpers import client_with_ratings


def alert(clinic, episode, kind, days_old, state="open"):
    made = Alert.objects.create(
        organization=clinic.org,
        episode=episode,
        kind=kind,
        severity="medium",
        reason=f"{kind} reason",
        fingerprint=f"{kind}:{days_old}:{episode.pk}",
        state=state,
        session_number=3,
    )
    Alert.objects.filter(pk=made.pk).update(opened_at=timezone.now() - dt.timedelta(days=days_old))
    return made


def test_supervisor_sees_alerts_by_age_undiscussed_ruptures_and_not_on_track(clinic):
    alert(clinic, clinic.episode, "drop", 20)  # past the 14 days
    alert(clinic, clinic.episode, "drop", 3)  # not yet
    alert(clinic, clinic.episode, "unrepaired", 40, state="discussed")  # discussed already
    alert(clinic, clinic.episode, "not_on_track", 8)
    alert(clinic, clinic.episode, "deterioration", 5)  # the same client: one line
    alert(clinic, clinic.episode, "low_alliance", 60, state="resolved")  # not open
    page = clinic.login("supervisor").get("/growth/supervision/").content.decode()
    assert "Tess" in page and "Colin" not in page
    assert "Ruptures not discussed within 14 days" in page
    section = page.split("Ruptures not discussed within 14 days")[1].split("Clients not on track")[
        0
    ]
    assert "raised 20 days ago" in section and "raised 3 days ago" not in section
    assert "raised 40 days ago" not in section
    on_track = page.split("Clients not on track")[1].split("open alerts")[0]
    assert on_track.count("<li>") == 1
    assert "Alex</a>: Not on track, Reliable deterioration — for 8 days" in on_track
    # Ages of the five open alerts: 3, 5 → under a week; 8, 20 → 1–4 weeks; 40 → a month or more.
    ages = page.split("Open alerts by age")[1].split("</table>")[0]
    assert [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', ages)] == [2, 2, 1]
    assert AuditEvent.objects.filter(object_type="growth.supervision", action="view").count() == 1


def test_the_number_of_days_is_a_setting(clinic):
    GrowthSettings.objects.create(organization=clinic.org, rupture_discussion_days=2)
    alert(clinic, clinic.episode, "drop", 3)
    page = clinic.login("supervisor").get("/growth/supervision/").content.decode()
    section = page.split("Ruptures not discussed within 2 days")[1].split("Clients not on track")[0]
    assert "raised 3 days ago" in section


def test_supervisees_are_listed_alphabetically_never_by_score(clinic):
    zoe = make_user("zoe@northside.test", clinic.org, "therapist", first="Zoe")
    abe = make_user("abe@northside.test", clinic.org, "therapist", first="Abe")
    for person in (zoe, abe):
        Supervision.objects.create(
            organization=clinic.org, supervisor=clinic.supervisor, therapist=person
        )
    # Abe's clients rate low, Zoe's high: the order stays by name.
    for i in range(5):
        client_with_ratings(clinic, f"Z-{i}", [10], therapist=zoe, own=[10])
        client_with_ratings(clinic, f"A-{i}", [3], therapist=abe, own=[6])
    page = clinic.login("supervisor").get("/growth/supervision/").content.decode()
    assert page.index("Abe") < page.index("Tess") < page.index("Zoe")
    # Abe rated 3 points above his clients: calibration +3.00, no spread → +3.00 to +3.00.
    abe_card = page.split(f'id="supervisee-{abe.pk}"')[1].split("</section>")[0]
    assert "+3.00" in abe_card
    tess_card = page.split(f'id="supervisee-{clinic.therapist.pk}"')[1].split("</section>")[0]
    assert "Not shown: fewer than 5 clients" in tess_card


def test_supervisor_adds_a_note_the_therapist_can_read(clinic):
    http = clinic.login("supervisor")
    response = http.post(
        f"/growth/supervision/{clinic.therapist.pk}/notes/", {"text": "  Early sessions.  "}
    )
    assert response.status_code == 302
    note = SupervisionNote.objects.get()
    assert note.text == "Early sessions." and note.supervisor == clinic.supervisor
    assert AuditEvent.objects.filter(action="create", object_type="growth.SupervisionNote").exists()
    assert "Early sessions." in http.get("/growth/supervision/").content.decode()
    assert "Early sessions." in clinic.login("therapist").get("/growth/patterns/").content.decode()
    assert (
        "Early sessions." not in clinic.login("colleague").get("/growth/patterns/").content.decode()
    )


def test_an_empty_note_gets_a_message(clinic):
    response = clinic.login("supervisor").post(
        f"/growth/supervision/{clinic.therapist.pk}/notes/", {"text": "   "}
    )
    assert response.status_code == 400
    assert "Write the note first." in response.content.decode()
    assert not SupervisionNote.objects.exists()


def test_notes_only_about_supervisees(clinic):
    http = clinic.login("supervisor")
    for person in (clinic.colleague, clinic.outsider, clinic.supervisor):
        response = http.post(f"/growth/supervision/{person.pk}/notes/", {"text": "x"})
        assert response.status_code == 404
    assert not SupervisionNote.objects.exists()


def test_supervision_page_is_for_supervisors(clinic):
    assert clinic.login("therapist").get("/growth/supervision/").status_code == 403
    assert clinic.login("outsider").get("/growth/supervision/").status_code == 403
    assert clinic.login("outsider").post(
        f"/growth/supervision/{clinic.therapist.pk}/notes/", {"text": "x"}
    ).status_code in (403, 404)


def _since_last_visit(page: str) -> str:
    return page.split('<p class="news" role="status">')[1].split("</p>")[0]


def test_the_supervision_page_says_what_is_new_since_the_last_visit(clinic):
    from alliance.checkins.models import Response
    from alliance.dashboard.models import PageVisit

    http = clinic.login("supervisor")
    first = http.get("/growth/supervision/").content.decode()
    assert "since your last visit" not in first  # a first visit has nothing to compare with
    # The last visit was two days ago; since then one of Tess's clients answered twice (one
    # check-in each session) and one alert was raised; an older alert and a colleague's new one
    # (not Sam's supervisee) are not news.
    PageVisit.objects.filter(user=clinic.supervisor, page="supervision").update(
        at=timezone.now() - dt.timedelta(days=2)
    )
    old = alert(clinic, clinic.episode, "low_alliance", 10)
    new = alert(clinic, clinic.episode, "drop", 0)
    Alert.objects.filter(pk=new.pk).update(reason="new drop", session_number=7)
    colleague = client_with_ratings(clinic, "C-9", [8], therapist=clinic.colleague)
    alert(clinic, colleague, "not_on_track", 0)
    client_with_ratings(clinic, "N-1", [7, 6])
    Response.objects.filter(session__episode=clinic.episode).update(
        submitted_at=timezone.now() - dt.timedelta(days=5)
    )
    page = http.get("/growth/supervision/").content.decode()
    news = _since_last_visit(page)
    assert "New" in news and "since your last visit" in news
    assert "2 check-ins, 1 alert" in news
    section = page.split(f'id="supervisee-{clinic.therapist.pk}"')[1].split("</section>")[0]
    assert '<p class="news"><span class="new">New</span> 2 check-ins, 1 alert</p>' in section
    marked = re.findall(r'<li><span class="new">New</span> <a href="/episodes/(\d+)/"', section)
    assert marked and set(marked) == {str(new.episode_id)}
    # The news line, the new alert listed under it, and the same alert in the full list; the
    # ten-day-old low-alliance alert is listed unmarked.
    assert section.count('<span class="new">New</span>') == 3
    assert re.search(r'<li><a href="/episodes/\d+/">[^<]+</a>: Low alliance, session 3', section)
    assert old.state == "open"
    again = http.get("/growth/supervision/").content.decode()
    assert "Nothing new since your last visit" in _since_last_visit(again)
    assert '<span class="new">' not in again
    # A note that fails validation shows the page again; that is not a visit.
    PageVisit.objects.filter(user=clinic.supervisor, page="supervision").update(
        at=timezone.now() - dt.timedelta(days=2)
    )
    bad = http.post(f"/growth/supervision/{clinic.therapist.pk}/notes/", {"text": "   "})
    assert bad.status_code == 400
    assert "2 check-ins, 1 alert" in _since_last_visit(
        http.get("/growth/supervision/").content.decode()
    )
    again = http.get("/growth/supervision/").content.decode()
    assert "Nothing new since your last visit" in _since_last_visit(again)
    assert '<span class="new">' not in again


def _queries(http, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert http.get(path).status_code == 200
    return len(captured)


def _supervise(clinic, first: str):
    person = make_user(f"{first.lower()}@northside.test", clinic.org, "therapist", first=first)
    Supervision.objects.create(
        organization=clinic.org, supervisor=clinic.supervisor, therapist=person
    )
    return person


def test_the_page_makes_as_many_queries_however_many_supervisees_have_alerts(clinic):
    """The query count depends neither on the data nor on how many supervisees have alerts."""
    http = clinic.login("supervisor")
    abe, zoe = _supervise(clinic, "Abe"), _supervise(clinic, "Zoe")
    http.get("/growth/supervision/")  # a first visit; the counts below are of returning visits
    quiet = _queries(http, "/growth/supervision/")
    alert(clinic, clinic.episode, "drop", 20)
    one = _queries(http, "/growth/supervision/")
    for person in (abe, zoe):
        for i in range(3):
            episode = client_with_ratings(
                clinic, f"{person.first_name}-{i}", [8, 3], therapist=person, own=[8, 8]
            )
            alert(clinic, episode, "not_on_track", 30 + i)
            alert(clinic, episode, "drop", 15 + i)
    SupervisionNote.objects.create(
        organization=clinic.org, supervisor=clinic.supervisor, therapist=abe, text="x"
    )
    every = _queries(http, "/growth/supervision/")
    assert one == every
    # Without any open alert at all, the queries reading the alerts' episodes and their
    # participants are not needed.
    assert quiet in (one, one - 1, one - 2)


def test_a_long_list_shows_the_most_urgent_first_and_links_to_all(clinic):
    from alliance.growth import reports

    for days in range(reports.LINES_SHOWN + 5):
        alert(clinic, clinic.episode, "low_alliance", days + 1)
    risk = alert(clinic, clinic.episode, "risk", 0)
    Alert.objects.filter(pk=risk.pk).update(severity="risk", severity_rank=0)
    http = clinic.login("supervisor")
    page = http.get("/growth/supervision/").content.decode()
    card = page.split(f'id="supervisee-{clinic.therapist.pk}"')[1].split("</section>")[0]
    total = reports.LINES_SHOWN + 6
    assert "1 risk alert open" in card
    assert f"The {reports.LINES_SHOWN} most urgent of {total} open alerts" in card
    urgent = card.split("most urgent of")[1]
    # The risk alert leads the list; the oldest waiting come next.
    assert urgent.index("Risk") < urgent.index(f"raised {reports.LINES_SHOWN + 5} days ago")
    assert f'href="/growth/supervision/{clinic.therapist.pk}/alerts/"' in card
    ages = card.split("Open alerts by age")[1].split("</table>")[0]
    assert sum(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', ages)) == total
    listed = http.get(f"/growth/supervision/{clinic.therapist.pk}/alerts/").content.decode()
    listed = listed.split('<section class="card">')[1].split("</section>")[0]
    assert listed.count("<li>") == total and listed.index("Risk") < listed.index("Low alliance")
    assert AuditEvent.objects.filter(object_type="growth.supervision_alerts").count() == 1


def test_the_list_of_all_alerts_is_for_supervisees_only(clinic):
    http = clinic.login("supervisor")
    for person in (clinic.colleague, clinic.outsider, clinic.supervisor):
        assert http.get(f"/growth/supervision/{person.pk}/alerts/").status_code == 404
    assert (
        clinic.login("therapist")
        .get(f"/growth/supervision/{clinic.therapist.pk}/alerts/")
        .status_code
        == 403
    )


def test_a_co_therapist_has_their_own_news_and_calibration_and_one_who_left_has_none(clinic):
    """Both come from the supervisees' own places in episodes: a co-therapist still there sees
    the episode's new check-ins and is paired with their own ratings; a therapist who left the
    episode is not, whatever they rated while there."""
    from alliance.accounts import access
    from alliance.accounts.models import Role
    from alliance.care.models import Participant
    from alliance.growth import reports

    from .helpers import rate

    abe, zoe = _supervise(clinic, "Abe"), _supervise(clinic, "Zoe")
    shared = client_with_ratings(clinic, "CO-1", [6, 5], own=[7, 7])
    abe_part = Participant.objects.create(episode=shared, user=abe, role="co_therapist")
    zoe_part = Participant.objects.create(
        episode=shared, user=zoe, role="co_therapist", left_on=timezone.localdate()
    )
    for session in shared.sessions.order_by("number"):
        rate(session, abe_part, 8, "alliance-checkin-therapist")
        rate(session, zoe_part, 9, "alliance-checkin-therapist")
    viewer = access.Viewer(clinic.supervisor, clinic.org, frozenset({Role.SUPERVISOR}))
    staff = reports.supervisee_staff(viewer, [abe.pk, zoe.pk])
    client = shared.participants.get(client__isnull=False).client_id
    # Abe rated both sessions 8 where the client said 6 and 5: a gap of 2 + 3 over 2 sessions.
    assert reports.calibration_by_therapist(staff) == {abe.pk: [(client, 5.0, 2)]}
    since = timezone.now() - dt.timedelta(hours=1)
    rows = {
        row.therapist.pk: row
        for row in reports.supervision_overview(viewer, [abe, zoe], 14, since=since)
    }
    # One check-in per person and session: the client, Tess, Abe and Zoe in each of 2 sessions.
    assert rows[abe.pk].news.checkins == 8
    assert rows[zoe.pk].news.checkins == 0
