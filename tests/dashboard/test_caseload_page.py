"""The caseload page: search, sort, paging, a staff column only when there is more than one
therapist, and what is new since the person's last visit (here and on the episode page)."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from alliance.care.models import Client, ParticipantRole
from alliance.dashboard.caseload_view import PAGE_SIZE
from alliance.dashboard.models import PageVisit
from alliance.insights import services
from tests.conftest import Clinic, make_episode
from tests.insights.test_alerts import rate


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/episodes/\d+/">([^<]+)</a>', html)


def _add_clients(clinic: Clinic, names: list[str]) -> None:
    for i, name in enumerate(names):
        client = Client.objects.create(
            organization=clinic.org, code=f"S-{i}", display_name=name, created_by=clinic.therapist
        )
        make_episode(clinic.org, clinic.therapist, [client])


def test_search_sort_and_paging(clinic: Clinic) -> None:
    _add_clients(clinic, [f"Zed {i:02}" for i in range(PAGE_SIZE)] + ["Bea"])
    http = clinic.login("therapist")
    found = _names(http.get(reverse("dashboard:home"), {"q": "bea"}).content.decode())
    assert found == ["Bea"]
    by_name = _names(http.get(reverse("dashboard:home"), {"sort": "name"}).content.decode())
    assert by_name[:2] == ["Alex", "Bea"] and len(by_name) == PAGE_SIZE
    second = http.get(reverse("dashboard:home"), {"sort": "name", "page": "2"}).content.decode()
    assert _names(second) == ["Zed 23", "Zed 24"]
    assert "27 episodes" in second
    nonsense = http.get(reverse("dashboard:home"), {"page": "x" * 50, "sort": "<b>"})
    assert nonsense.status_code == 200


def test_the_staff_column_shows_only_with_more_than_one_therapist(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    assert ">Staff</th>" not in http.get(reverse("dashboard:home")).content.decode()
    interpreter = clinic.episode.participants.create(
        user=clinic.colleague, role=ParticipantRole.INTERPRETER
    )
    # An interpreter beside the one therapist does not make the caseload a shared one.
    assert ">Staff</th>" not in http.get(reverse("dashboard:home")).content.decode()
    interpreter.delete()
    clinic.episode.participants.create(user=clinic.colleague, role=ParticipantRole.CO_THERAPIST)
    assert ">Staff</th>" in http.get(reverse("dashboard:home")).content.decode()


def test_a_long_reason_is_whole_on_hover_and_on_opening(clinic: Clinic) -> None:
    for number, value in enumerate([10] * 6 + [6], start=1):
        rate(clinic.episode, number, value, therapist=8)
    services.recompute_episode(clinic.episode)
    reasons = [a.reason_today for a in clinic.episode.alerts.all()]
    html = clinic.login("therapist").get(reverse("dashboard:home")).content.decode()
    html = html.replace("&#x27;", "'")
    shown = [r for r in reasons if f'title="{r}"' in html]
    assert shown, reasons  # the whole reason on hover…
    assert f"<p>{shown[0]}</p>" in html  # …and on opening, with why the row is where it is
    assert "Why here in the order:" in html


def test_new_since_the_last_visit(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    episode_url = reverse("care:episode", args=[clinic.episode.pk])
    http.get(reverse("dashboard:home"))
    first = http.get(episode_url).content.decode()
    assert "since your last visit" not in first  # a first visit has nothing to compare with
    # The last visits were yesterday; since then the client answered and an alert was raised.
    PageVisit.objects.update(at=timezone.now() - dt.timedelta(days=1))
    for number, value in enumerate([10] * 6 + [6], start=1):
        rate(clinic.episode, number, value)
    services.recompute_episode(clinic.episode)

    home = http.get(reverse("dashboard:home")).content.decode()
    assert "1 episode has check-ins or alerts since your last visit" in home
    assert 'class="is-new"' in home
    page = re.sub(r"\s+", " ", http.get(episode_url).content.decode())
    assert "since your last visit" in page
    news = page.split('class="news"')[1].split("</p>")[0]
    raised = clinic.episode.alerts.count()
    assert raised and f"7 check-ins, {raised} alert" in news, news
    assert '<span class="new">New</span>' in page
    again = http.get(episode_url).content.decode()
    assert "Nothing new since your last visit" in again
