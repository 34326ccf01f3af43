"""The therapist's own pages: the self-check, its trend, reminders, the journal."""

from __future__ import annotations

import re

from alliance.accounts.models import Role
from alliance.wellbeing.models import JournalEntry, SelfCheck, WellbeingSettings
from tests.conftest import Clinic, make_user
from tests.wellbeing.helpers import check, entry, form_data


def test_therapist_does_a_self_check_and_sees_scores_and_suggestions(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    page = http.get("/me/wellbeing/").content.decode()
    assert "not a validated instrument, for your own reflection" in page
    assert "By the end of a working day I have had nothing left to give." in page
    key = re.search(r'name="form_key" value="(\w+)"', page).group(1)
    response = http.post("/me/wellbeing/", form_data(4, 4, 1, 2, 0, 3, 1, 3, key=key))
    made = SelfCheck.objects.get()
    assert response.status_code == 302 and response.url == f"/me/wellbeing/checks/{made.pk}/"
    shown = http.get(response.url).content.decode()
    assert "Self-check saved. Only you can see it." in shown
    assert "Exhaustion looks high in this check." in shown
    assert "late sessions" in shown
    # 4+4+1+2+0+3+1+(4-3) = 16 of 32
    assert re.search(r"Total strain \(0–32\)</th><td>16</td>", shown)


def test_the_same_form_sent_twice_stores_one_check(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    data = form_data(1, 1, 1, 1, 1, 1, 1, 3, key="abc123")
    assert http.post("/me/wellbeing/", data).status_code == 302
    assert http.post("/me/wellbeing/", data).status_code == 302
    assert SelfCheck.objects.count() == 1


def test_missing_or_junk_answers_get_a_message_not_an_error(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    data = form_data(1, 1, 1, 1, 1, 1, 1, 3)
    del data["bored"]
    data["drained"] = "9"
    response = http.post("/me/wellbeing/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Please choose an answer." in page and "Choose an answer from 0 to 4." in page
    assert SelfCheck.objects.count() == 0


def test_trend_table_shows_scores_total_and_change_against_usual(clinic: Clinic) -> None:
    tess = clinic.therapist
    check(tess, 1, 1, 1, 1, 1, 1, 1, 3, days_ago=28)  # total 8
    check(tess, 2, 2, 2, 2, 2, 2, 2, 2, days_ago=14)  # total 16
    check(tess, 4, 2, 1, 2, 0, 3, 1, 3, days_ago=0)  # total 14, usual 12
    page = clinic.login("therapist").get("/me/wellbeing/").content.decode()
    table = page[page.index('<table class="wb-trend">') :]
    table = table[table.index("<tbody>") :]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    newest = re.sub(r"<[^>]+>", " ", rows[0])
    # The first cell is the date in the clinic's style ("30 Nov 2026": three words).
    assert newest.split()[3:] == ["3.0", "high", "1.5", "1.5", "1.0", "3.0", "14", "+2.0"]
    assert re.sub(r"<[^>]+>", " ", rows[2]).split()[-2:] == ["8", "–"]
    assert 'id="wellbeing-trend-spec"' in page and "My self-checks over time" in page


def test_trend_chart_as_svg_for_print(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    assert http.get("/me/wellbeing/trend.svg").status_code == 404  # nothing to draw yet
    check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3, days_ago=7)
    check(clinic.therapist, 2, 2, 2, 2, 2, 2, 2, 2)
    response = http.get("/me/wellbeing/trend.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content and b"Exhaustion" in response.content


def test_reminder_setting_and_the_home_page_banner(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    assert "self-check is due" not in http.get("/").content.decode()
    response = http.post("/me/wellbeing/", {"action": "reminder", "reminder": "weekly"})
    assert response.status_code == 302
    assert WellbeingSettings.objects.get(person=clinic.therapist).reminder == "weekly"
    home = http.get("/").content.decode()
    assert "Your wellbeing self-check is due." in home  # never checked: due at once
    check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3)
    assert "self-check is due" not in http.get("/").content.decode()
    page = http.get("/me/wellbeing/").content.decode()
    assert "Next self-check due on" in page
    bad = http.post("/me/wellbeing/", {"action": "reminder", "reminder": "hourly"})
    assert bad.status_code == 400
    assert "Choose off, weekly, every two weeks or monthly." in bad.content.decode()


def test_no_banner_for_a_colleague_or_when_reminders_are_off(clinic: Clinic) -> None:
    check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3, days_ago=60)
    WellbeingSettings.objects.create(person=clinic.therapist, reminder="off")
    assert "self-check is due" not in clinic.login("therapist").get("/").content.decode()
    assert "self-check is due" not in clinic.login("colleague").get("/").content.decode()


def test_journal_entry_written_edited_and_deleted_with_confirmation(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    assert "No entries yet." in http.get("/me/journal/").content.decode()
    response = http.post(
        "/me/journal/new/",
        {
            "written_on": "2026-03-02",
            "topic": "countertransference",
            "text": "I felt protective of the client today.",
            "episode": str(clinic.episode.pk),
        },
    )
    made = JournalEntry.objects.get()
    assert response.status_code == 302 and made.author == clinic.therapist
    assert made.episode == clinic.episode
    page = http.get(f"/me/journal/{made.pk}/").content.decode()
    assert "I felt protective of the client today." in page and "Countertransference" in page
    assert "2 Mar 2026" in http.get("/me/journal/").content.decode()
    http.post(
        f"/me/journal/{made.pk}/edit/",
        {"written_on": "2026-03-02", "topic": "hard_client", "text": "Less so now.", "episode": ""},
    )
    made.refresh_from_db()
    assert (made.text, made.topic, made.episode) == ("Less so now.", "hard_client", None)
    confirm = http.get(f"/me/journal/{made.pk}/delete/").content.decode()
    assert "Delete this journal entry?" in confirm
    assert JournalEntry.objects.exists()  # asking is not deleting
    assert http.post(f"/me/journal/{made.pk}/delete/").status_code == 302
    assert not JournalEntry.objects.exists()


def test_changing_only_the_topic_of_an_entry_is_saved_and_audited(clinic: Clinic) -> None:
    """The topic is private in the audit trail, so only the stored values can show it changed."""
    from alliance.audit.models import AuditEvent

    made = entry(clinic.therapist)
    assert made.topic != "countertransference"
    http = clinic.login("therapist")
    http.post(
        f"/me/journal/{made.pk}/edit/",
        {
            "written_on": made.written_on.isoformat(),
            "topic": "countertransference",
            "text": made.text,
            "episode": "",
        },
    )
    made.refresh_from_db()
    assert made.topic == "countertransference"
    event = AuditEvent.objects.filter(object_type="wellbeing.JournalEntry", action="update").get()
    assert event.before["topic"] == event.after["topic"] == "(private)"


def test_journal_refuses_an_episode_the_author_cannot_see_and_bad_dates(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    response = http.post(
        "/me/journal/new/",
        {
            "written_on": "31/31/31",
            "topic": "reflection",
            "text": "x",
            "episode": str(clinic.outsider_episode.pk),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose one of your own care episodes, or none." in page
    assert "Enter it as day/month/year, e.g. 22/10/2026 or 22 Oct 2026." in page
    assert not JournalEntry.objects.exists()
    form = http.get("/me/journal/new/").content.decode()
    assert str(clinic.episode) in form and str(clinic.outsider_episode) not in form


def test_self_check_deleted_after_confirmation(clinic: Clinic) -> None:
    made = check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3)
    http = clinic.login("therapist")
    confirm = http.get(f"/me/wellbeing/checks/{made.pk}/delete/").content.decode()
    assert "Delete this self-check?" in confirm
    assert http.post(f"/me/wellbeing/checks/{made.pk}/delete/").status_code == 302
    assert not SelfCheck.objects.exists()


def test_pages_are_for_therapists_and_supervisors(clinic: Clinic) -> None:
    for who in ("therapist", "supervisor", "outsider"):
        http = clinic.login(who)
        assert http.get("/me/wellbeing/").status_code == 200
        assert http.get("/me/journal/").status_code == 200
    for who in ("admin", "researcher"):
        http = clinic.login(who)
        assert http.get("/me/wellbeing/").status_code == 403
        assert http.get("/me/journal/").status_code == 403
        assert http.get("/me/journal/new/").status_code == 403
        assert http.get("/me/shared/").status_code == 403
    assert clinic.login("anonymous").get("/me/journal/").status_code == 302


def test_nav_shows_the_pages_to_whom_they_are_for(clinic: Clinic) -> None:
    therapist = clinic.login("therapist").get("/").content.decode()
    assert 'href="/me/wellbeing/"' in therapist and 'href="/me/journal/"' in therapist
    assert 'href="/me/shared/"' not in therapist
    assert 'href="/me/shared/"' in clinic.login("supervisor").get("/").content.decode()
    admin = clinic.login("admin").get("/").content.decode()
    assert 'href="/me/wellbeing/"' not in admin


def test_a_therapist_who_also_supervises_uses_both(clinic: Clinic) -> None:
    lead = make_user("lena@northside.test", clinic.org, Role.THERAPIST, Role.SUPERVISOR)
    entry(lead, "mine")
    http = clinic.login("therapist")
    http.force_login(lead)
    assert "mine" in http.get("/me/journal/").content.decode()
    assert http.get("/me/shared/").status_code == 200
