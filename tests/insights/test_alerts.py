"""Alerts from real responses: raised, explained, acted on, and scoped like everything else."""

from __future__ import annotations

import itertools
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from alliance.care.models import CareEpisode
from alliance.checkins import services
from alliance.insights import services as insight_services
from alliance.insights.models import Alert, AlertState, Prompt
from alliance.measures.models import current_instrument
from tests.conftest import Clinic, make_session

_keys = itertools.count()


def rate(
    episode: CareEpisode,
    session_number: int,
    value: int,
    *,
    therapist: int | None = None,
    phq9_item9: int | None = None,
) -> None:
    """The client (and optionally the therapist) rate one session of the episode."""
    session = episode.sessions.filter(number=session_number).first() or make_session(
        episode, session_number
    )
    client = episode.participants.filter(client__isnull=False).first()
    answers = {k: str(value) for k in ("bond", "goals", "tasks", "overall")}
    services.save_response(
        session=session,
        participant=client,
        instrument=current_instrument("alliance-checkin-client"),
        answers=answers,
        idempotency_key=f"k{next(_keys)}",
        channel="link",
    )
    if therapist is not None:
        staff = episode.participants.get(role="therapist")
        services.save_response(
            session=session,
            participant=staff,
            instrument=current_instrument("alliance-checkin-therapist"),
            answers={k: str(therapist) for k in answers},
            idempotency_key=f"k{next(_keys)}",
            channel="self",
        )
    if phq9_item9 is not None:
        phq = {f"phq9-{i}": "1" for i in range(1, 9)} | {"phq9-9": str(phq9_item9)}
        services.save_response(
            session=session,
            participant=client,
            instrument=current_instrument("phq-9"),
            answers=phq,
            idempotency_key=f"k{next(_keys)}",
            channel="link",
        )


def history(clinic: Clinic, values: list[int]) -> None:
    for number, value in enumerate(values, start=1):
        rate(clinic.episode, number, value)
    insight_services.recompute_episode(clinic.episode)


def test_ten_tens_then_an_eight_raises_a_drop_with_numbers(clinic: Clinic) -> None:
    history(clinic, [10] * 10 + [8])
    alert = Alert.objects.get(episode=clinic.episode)
    assert alert.kind == "drop" and alert.session_number == 11 and alert.state == "open"
    assert alert.reason_today.startswith(
        "Alliance (mean of the items) 8 today, session 11; 10 in each of the previous 8 sessions"
    )
    assert "between 10 and 10" not in alert.reason_today


def test_a_client_moving_between_6_and_8_is_not_flagged_for_a_7(clinic: Clinic) -> None:
    history(clinic, [6, 8, 7, 6, 8, 7, 6, 8, 7])
    assert not Alert.objects.filter(kind__in=["drop", "subscale_drop"]).exists()


def test_recompute_twice_stores_each_alert_once(clinic: Clinic) -> None:
    history(clinic, [10] * 6 + [7])
    insight_services.recompute_episode(clinic.episode)
    call_command("insights", "recompute", stdout=StringIO())
    assert Alert.objects.filter(kind="drop").count() == 1


def test_return_to_usual_level_proposes_resolving_the_drop(clinic: Clinic) -> None:
    history(clinic, [9] * 6 + [5, 9])
    alert = Alert.objects.get(kind="drop")
    assert alert.state == "open"
    assert alert.resolution_proposed.startswith("Back at the usual level at session 8")


def test_risk_answer_raises_a_risk_alert_shown_first(clinic: Clinic) -> None:
    history(clinic, [10] * 6 + [6])
    rate(clinic.episode, 8, 10, phq9_item9=1)
    insight_services.recompute_episode(clinic.episode)
    alerts = list(Alert.objects.filter(episode=clinic.episode))
    assert alerts[0].kind == "risk" and alerts[0].severity == "risk"
    page = clinic.login("therapist").get(reverse("care:episode", args=[clinic.episode.pk]))
    html = page.content.decode()
    assert html.index("Risk answer") < html.index("Alliance drop")
    assert "Follow your clinic" in html  # a prompt from the library


@pytest.mark.parametrize("path", ["episode", "organization"])
def test_a_risk_answer_on_an_incomplete_phq9_still_raises_a_risk_alert(
    clinic: Clinic, path: str
) -> None:
    """Item 9 answered, two other items skipped: no total score, but the risk is real."""
    session = clinic.session
    client = clinic.episode.participants.get(client__isnull=False)
    answers = {f"phq9-{i}": "1" for i in range(3, 9)} | {"phq9-9": "2"}
    response, _ = services.save_response(
        session=session,
        participant=client,
        instrument=current_instrument("phq-9"),
        answers=answers,
        idempotency_key="incomplete",
        channel="link",
    )
    assert response.risk and response.scores["scales"].get("total") is None
    if path == "episode":
        insight_services.recompute_episode(clinic.episode)
    else:
        insight_services.recompute_organization(clinic.org)
    alert = Alert.objects.get(episode=clinic.episode)
    assert alert.kind == "risk" and alert.severity == "risk"
    assert alert.session_number == session.number
    assert "item 9" in alert.reason.lower()


def test_lifecycle_open_acknowledged_discussed_resolved(clinic: Clinic) -> None:
    history(clinic, [10] * 6 + [6])
    alert = Alert.objects.get(kind="drop")
    http = clinic.login("therapist")
    url = reverse("insights:alert_action", args=[alert.pk])
    http.post(url, {"to_state": "acknowledged"})
    missing = http.post(url, {"to_state": "discussed", "client_response": "kept"})
    assert missing.status_code == 400
    assert "Write down what was said" in missing.content.decode()
    assert "kept" in missing.content.decode()
    http.post(
        url,
        {
            "to_state": "discussed",
            "what_was_said": "I asked what felt different.",
            "client_response": "Felt rushed at the end.",
        },
    )
    http.post(url, {"to_state": "resolved", "note": "agreed to leave 10 minutes"})
    alert.refresh_from_db()
    assert alert.state == "resolved"
    steps = list(alert.events.values_list("to_state", flat=True))
    assert steps == ["open", "acknowledged", "discussed", "resolved"]
    assert alert.events.get(to_state="discussed").client_response == "Felt rushed at the end."


def test_risk_alert_cannot_be_closed_without_a_note(clinic: Clinic) -> None:
    rate(clinic.episode, 1, 9, phq9_item9=2)
    insight_services.recompute_episode(clinic.episode)
    alert = Alert.objects.get(kind="risk")
    http = clinic.login("therapist")
    response = http.post(
        reverse("insights:alert_action", args=[alert.pk]), {"to_state": "resolved"}
    )
    assert response.status_code == 400
    assert "cannot be closed without a note" in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


@pytest.mark.parametrize(
    "who,status", [("outsider", 404), ("colleague", 404), ("researcher", 404), ("supervisor", 403)]
)
def test_only_the_therapist_acts_on_alerts(clinic: Clinic, who: str, status: int) -> None:
    history(clinic, [10] * 6 + [6])
    alert = Alert.objects.get(kind="drop")
    response = clinic.login(who).post(
        reverse("insights:alert_action", args=[alert.pk]), {"to_state": "acknowledged"}
    )
    assert response.status_code == status
    alert.refresh_from_db()
    assert alert.state == "open"


def test_caseload_orders_by_need_and_filters(clinic: Clinic) -> None:
    from alliance.care.models import Client
    from tests.conftest import make_episode

    calm = Client.objects.create(
        organization=clinic.org, code="C-0002", display_name="Calm", created_by=clinic.therapist
    )
    calm_episode = make_episode(clinic.org, clinic.therapist, [calm])
    for n in range(1, 5):
        rate(calm_episode, n, 9)
    history(clinic, [10] * 6 + [6])
    http = clinic.login("therapist")
    page = http.get("/").content.decode()
    assert page.index("Alex") < page.index("Calm")
    assert "Alliance drop" in page
    only_flagged = http.get(
        "/?need=attention", headers={"HX-Request": "true", "HX-Target": "caseload"}
    )
    html = only_flagged.content.decode()
    assert "Alex" in html and "Calm" not in html and "<html" not in html


def test_episode_page_has_charts_table_and_no_js_fallback(clinic: Clinic) -> None:
    history(clinic, [9, 9, 8, 9, 9, 5])
    http = clinic.login("therapist")
    html = http.get(reverse("care:episode", args=[clinic.episode.pk])).content.decode()
    assert 'id="chart-spec-alliance"' in html and "<noscript><img" in html
    assert "Scores by session" in html
    svg = http.get(reverse("insights:chart_svg", args=[clinic.episode.pk, "alliance"]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    assert (
        clinic.login("outsider")
        .get(reverse("insights:chart_svg", args=[clinic.episode.pk, "alliance"]))
        .status_code
        == 404
    )


def test_admin_customises_prompts_and_thresholds(clinic: Clinic) -> None:
    http = clinic.login("admin")
    assert http.get(reverse("insights:prompts")).status_code == 200
    http.post(reverse("insights:prompt_copy", args=["drop"]))
    own = Prompt.objects.filter(organization=clinic.org, kind="drop")
    assert own.count() == 4
    first = own.first()
    http.post(
        reverse("insights:prompt_edit", args=[first.pk]),
        {"kind": "drop", "text": "Our own wording.", "position": 0, "active": "on"},
    )
    history(clinic, [10] * 6 + [6])
    page = clinic.login("therapist").get(reverse("care:episode", args=[clinic.episode.pk]))
    assert "Our own wording." in page.content.decode()
    bad = http.post(reverse("insights:thresholds"), {"drop_k_sd": "99"})
    assert bad.status_code == 400
    for who in ("therapist", "supervisor"):
        assert clinic.login(who).get(reverse("insights:thresholds")).status_code == 403
    # The other clinic's admin has their own library; this prompt does not exist for them.
    outsider = clinic.login("outsider")
    assert outsider.get(reverse("insights:prompt_edit", args=[first.pk])).status_code == 404


def test_therapist_overestimation_and_thresholds_override(clinic: Clinic) -> None:
    for n in range(1, 5):
        rate(clinic.episode, n, 7, therapist=9)
    insight_services.recompute_episode(clinic.episode)
    assert Alert.objects.filter(kind="overestimation").count() == 1
    assert Alert.objects.get(kind="overestimation").reason.startswith("Therapist 9, client 7")


def test_a_submitted_link_recomputes_the_episode_alerts(
    clinic: Clinic, django_capture_on_commit_callbacks
) -> None:
    from tests.checkins.helpers import form_key, good_answers, issue

    for number in range(1, 7):
        rate(clinic.episode, number, 10)
    session = make_session(clinic.episode, 7)
    _request, token = issue(clinic, session=session)
    http = clinic.login("anonymous")
    form = http.get(f"/c/{token}/").content.decode()
    prefix = _prefix(form)
    answers = good_answers(form_key(form), prefix=prefix)
    answers.update({f"{prefix}-{item}": "5" for item in ("bond", "goals", "tasks", "overall")})
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(f"/c/{token}/", answers)
    assert response.status_code in (200, 302)
    alert = Alert.objects.get(episode=clinic.episode, kind="drop")
    assert alert.session_number == 7 and "5 today, session 7; 10 in each" in alert.reason_today


def _prefix(form_html: str) -> str:
    import re

    found = re.search(r'name="([a-z0-9]+)-bond"', form_html)
    assert found, "no bond item in the form"
    return found.group(1)


def test_database_and_python_observations_agree(clinic: Clinic) -> None:
    """On PostgreSQL the organization-wide recompute unnests scores in SQL; it must see exactly
    what the per-episode path sees."""
    from django.db import connection

    from alliance.checkins.models import Response

    if connection.vendor != "postgresql":
        pytest.skip("the SQL path is PostgreSQL's")
    for number, value in enumerate([9, 8, 10, 6], start=1):
        rate(clinic.episode, number, value, therapist=7, phq9_item9=1 if number == 2 else None)
    python = insight_services.observations(Response.objects.filter(session__episode=clinic.episode))
    sql = insight_services.pg_observations([clinic.episode.pk])

    def rows(obs):
        return sorted(
            zip(
                obs.episode.tolist(),
                obs.participant.tolist(),
                obs.role.tolist(),
                [obs.instruments[i] for i in obs.instrument.tolist()],
                [obs.scales[i] for i in obs.scale.tolist()],
                obs.session_number.tolist(),
                obs.value.tolist(),
                obs.risk.tolist(),
                strict=True,
            )
        )

    assert rows(sql) == rows(python) and len(rows(sql)) > 20
