"""One alert per concern, dated in clinical time, with texts saying when the numbers are from."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from alliance.checkins import services
from alliance.insights import analysis
from alliance.insights import services as insight_services
from alliance.insights.models import Alert, AlertEvent
from alliance.measures.models import current_instrument
from tests.conftest import Clinic, make_session

from .test_alerts import rate

_keys = itertools.count(10_000)


def phq(clinic: Clinic, number: int, per_item: int, item9: int | None = 0, **session) -> None:
    episode = clinic.episode
    found = dated_session(clinic, number, **session)
    answers = {f"phq9-{i}": str(per_item) for i in range(1, 9)}
    if item9 is not None:
        answers["phq9-9"] = str(item9)
    services.save_response(
        session=found,
        participant=episode.participants.get(client__isnull=False),
        instrument=current_instrument("phq-9"),
        answers=answers,
        idempotency_key=f"p{next(_keys)}",
        channel="link",
    )


def dated_session(clinic: Clinic, number: int, **session):
    found = clinic.episode.sessions.filter(number=number).first()
    if found is None:
        return make_session(clinic.episode, number, **session)
    if session:
        clinic.episode.sessions.filter(pk=found.pk).update(**session)
    return found


def days_ago(n: int) -> dict:
    return {"starts_at": timezone.now() - dt.timedelta(days=n)}


def test_reliable_deterioration_and_not_on_track_are_one_alert_with_both_facts(clinic):
    phq(clinic, 1, 1)  # total 8
    phq(clinic, 2, 2)  # total 16: 8 points worse, reliably (6)
    insight_services.recompute_episode(clinic.episode)
    alerts = Alert.objects.filter(episode=clinic.episode)
    assert [a.kind for a in alerts] == ["not_on_track"]
    text = alerts[0].reason_today
    assert "8 points worse" in text and "reliable deterioration" in text
    assert "not on track" in text
    assert {f["kind"] for f in alerts[0].facts} == {"reliable_deterioration", "not_on_track"}


def test_a_later_finding_updates_the_open_alert_and_its_history(clinic):
    phq(clinic, 1, 1, **days_ago(21))
    phq(clinic, 2, 2, **days_ago(14))
    insight_services.recompute_episode(clinic.episode)
    phq(clinic, 3, 3, **days_ago(7))  # total 24, still worse
    insight_services.recompute_episode(clinic.episode)
    alert = Alert.objects.get(episode=clinic.episode)
    assert alert.session_number == 2 and alert.latest_session_number == 3
    assert "PHQ-9 24 on " in alert.reason_today and "session 3" in alert.reason_today
    notes = [e.note for e in alert.events.all()]
    assert notes[0] == "raised by the analysis"
    assert notes[1].startswith("New finding at session 3: PHQ-9 24")
    insight_services.recompute_episode(clinic.episode)  # the same history again changes nothing
    assert AlertEvent.objects.filter(alert=alert).count() == 2


def test_each_risk_answer_is_its_own_alert_newest_first(clinic):
    phq(clinic, 1, 1, item9=1, **days_ago(14))
    insight_services.recompute_episode(clinic.episode)
    Alert.objects.get(kind="risk").transition("acknowledged", by=clinic.therapist)
    phq(clinic, 2, 1, item9=2, **days_ago(7))
    insight_services.recompute_episode(clinic.episode)
    insight_services.recompute_episode(clinic.episode)  # again: nothing doubled
    risks = Alert.objects.filter(kind="risk").order_by("session_number")
    assert [(a.session_number, a.state) for a in risks] == [(1, "acknowledged"), (2, "open")]
    page = clinic.login("therapist").get(f"/episodes/{clinic.episode.pk}/").content.decode()
    assert page.index("session 2: talk about it") < page.index("session 1: talk about it")


def test_an_alert_is_raised_at_its_session_date_not_when_the_history_was_loaded(clinic):
    for number, value in enumerate([10] * 6 + [5], start=1):
        dated_session(clinic, number, **days_ago(70 - 7 * number))
        rate(clinic.episode, number, value)
    insight_services.recompute_episode(clinic.episode)
    alert = Alert.objects.get(kind="drop")
    session7 = clinic.episode.sessions.get(number=7).starts_at
    assert alert.raised == session7 and alert.raised.date() < timezone.localdate()
    assert " today" not in alert.reason_today
    day = timezone.localtime(session7)
    assert f"5 on {day.day} {day:%b}, session 7;" in alert.reason_today


def test_today_is_said_only_for_todays_session(clinic):
    for number, value in enumerate([10] * 6 + [5], start=1):
        rate(clinic.episode, number, value)
    insight_services.recompute_episode(clinic.episode)
    alert = Alert.objects.get(kind="drop")
    assert "5 today, session 7;" in alert.reason_today
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert "today" not in alert.reason_on(tomorrow)
    assert "today" not in alert.reason  # the stored text (API, webhooks) always has the date


def test_a_risk_alert_says_when_the_answer_was_given(clinic):
    phq(clinic, 1, 1, item9=1, **days_ago(3))
    insight_services.recompute_episode(clinic.episode)
    alert = Alert.objects.get(kind="risk")
    given = timezone.localtime(
        clinic.episode.sessions.get(number=1).checkin_responses.get().submitted_at
    )
    assert alert.raised == given.replace(microsecond=given.microsecond)
    assert f"given today at {given:%H:%M}, session 1" in alert.reason_today


def test_texts_read_naturally() -> None:
    drop = analysis.Finding(
        "alliance_drop",
        "high",
        1,
        1,
        "alliance-checkin-client",
        "alliance",
        7,
        {
            "today": 5,
            "baseline_mean": 10,
            "baseline_sd": 0,
            "baseline_min": 10,
            "baseline_max": 10,
            "baseline_sessions": 6,
            "drop": 5,
            "threshold": 2,
        },
    )
    rupture = analysis.Finding(
        "rupture_unrepaired",
        "high",
        1,
        1,
        "alliance-checkin-client",
        "alliance",
        7,
        {
            "onset_session": 7,
            "onset_value": 5,
            "baseline_mean": 10,
            "today": 5,
            "sessions_since_onset": 0,
        },
    )
    text = analysis.explain_together([(drop, "today"), (rupture, "today")])
    assert "between 10 and 10" not in text and "0 sessions" not in text
    assert "0 sessions" not in analysis.explain(rupture)


def test_differences_add_up_with_the_figures_shown() -> None:
    split = analysis.Finding(
        "split_alliance",
        "medium",
        1,
        -1,
        "",
        "alliance",
        4,
        {"highest": 9.46, "lowest": 7.24, "difference": 2.22, "consecutive_sessions": 1},
    )
    text = analysis.explain(split)
    assert "highest 9.5, lowest 7.2" in text and "2.3 points apart" in text
