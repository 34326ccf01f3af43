from __future__ import annotations

from alliance.care.models import EpisodeFormat
from alliance.checkins import services
from alliance.checkins.models import ClinicPlanEntry, EpisodePlanEntry
from tests.conftest import make_episode, make_session

from .helpers import client_participant


def test_new_episode_gets_the_clinic_default_plan(clinic):
    keys = set(
        EpisodePlanEntry.objects.filter(episode=clinic.episode).values_list(
            "instrument_key", "respondent"
        )
    )
    assert keys == {
        ("alliance-checkin-client", "client"),
        ("alliance-checkin-therapist", "therapist"),
        ("alliance-checkin-interpreter", "interpreter"),
        ("phq-9", "client"),
        ("gad-7", "client"),
    }
    assert ClinicPlanEntry.objects.filter(organization=clinic.org).count() == 5


def test_couple_episode_uses_the_conjoint_form(clinic):
    from alliance.care.models import Client

    partner = Client.objects.create(organization=clinic.org, code="C-0002", display_name="Bo")
    episode = make_episode(
        clinic.org, clinic.therapist, [clinic.client, partner], fmt=EpisodeFormat.COUPLE
    )
    keys = set(
        EpisodePlanEntry.objects.filter(episode=episode).values_list("instrument_key", flat=True)
    )
    assert "alliance-checkin-conjoint" in keys and "alliance-checkin-client" not in keys
    session = make_session(episode)
    due = services.due_measures(session)
    conjoint = [d for d in due if d.instrument.key == "alliance-checkin-conjoint"]
    assert len(conjoint) == 2  # each partner answers their own


def test_phq9_is_due_every_session_before_the_alliance_form(clinic):
    # every session by default: expected recovery curves need the points (docs/alert-rules.md)
    participant = client_participant(clinic)
    first = [i.key for i in services.open_measures(clinic.session, participant)]
    assert first == ["phq-9", "gad-7", "alliance-checkin-client"]
    later = {
        n: [i.key for i in services.open_measures(make_session(clinic.episode, n), participant)]
        for n in (2, 4, 5, 9)
    }
    assert all(keys == ["phq-9", "gad-7", "alliance-checkin-client"] for keys in later.values())


def _outcome_schedules(episode):
    return {
        row.instrument_key: (row.schedule, row.every_n)
        for row in services.episode_plan(episode)
        if row.instrument_key in ("phq-9", "gad-7")
    }


def test_phq9_and_gad7_every_session_only_in_individual_therapy(clinic):
    from alliance.care.models import Client

    assert _outcome_schedules(clinic.episode) == {
        "phq-9": ("every_session", 4),
        "gad-7": ("every_session", 4),
    }
    partner = Client.objects.create(organization=clinic.org, code="C-0002", display_name="Bo")
    for fmt in (EpisodeFormat.COUPLE, EpisodeFormat.FAMILY, EpisodeFormat.GROUP):
        episode = make_episode(clinic.org, clinic.therapist, [clinic.client, partner], fmt=fmt)
        # the earlier default: session 1, then every 4 sessions
        assert _outcome_schedules(episode) == {"phq-9": ("every_n", 4), "gad-7": ("every_n", 4)}
        participant = episode.participants.filter(client=partner).get()
        due = {
            n: [i.key for i in services.open_measures(make_session(episode, n), participant)]
            for n in (1, 2, 5)
        }
        assert due[1][:2] == ["phq-9", "gad-7"] and due[5][:2] == ["phq-9", "gad-7"]
        assert "phq-9" not in due[2]
    # a schedule the clinic chose itself applies to every format
    ClinicPlanEntry.objects.filter(organization=clinic.org, instrument_key="phq-9").update(
        schedule="every_n", every_n=2
    )
    couple = make_episode(
        clinic.org, clinic.therapist, [clinic.client, partner], fmt=EpisodeFormat.COUPLE
    )
    assert _outcome_schedules(couple)["phq-9"] == ("every_n", 2)


def test_interpreter_form_only_when_an_interpreter_takes_part(clinic):
    assert not [
        d
        for d in services.due_measures(clinic.session)
        if d.instrument.key == "alliance-checkin-interpreter"
    ]
    from alliance.care.models import Participant, ParticipantRole

    Participant.objects.create(
        episode=clinic.episode, user=clinic.colleague, role=ParticipantRole.INTERPRETER
    )
    due = [
        d
        for d in services.due_measures(clinic.session)
        if d.instrument.key == "alliance-checkin-interpreter"
    ]
    assert [d.participant.user for d in due] == [clinic.colleague]


def test_therapist_edits_the_episode_plan_and_supervisor_cannot(clinic):
    url = f"/episodes/{clinic.episode.pk}/plan/"
    gad = EpisodePlanEntry.objects.get(episode=clinic.episode, instrument_key="gad-7")
    assert clinic.login("supervisor").get(url).status_code == 200
    assert (
        clinic.login("supervisor").post(url, {"action": "remove", "entry": gad.pk}).status_code
        == 403
    )
    assert clinic.login("outsider").get(url).status_code == 404
    assert clinic.login("colleague").get(url).status_code == 404
    http = clinic.login("therapist")
    assert http.post(url, {"action": "remove", "entry": gad.pk}).status_code == 302
    assert not EpisodePlanEntry.objects.filter(pk=gad.pk).exists()
    response = http.post(
        url,
        {
            "action": "add",
            "instrument_key": "gad-7",
            "respondent": "client",
            "schedule": "every_n",
            "every_n": "2",
            "timing": "before",
        },
    )
    assert response.status_code == 302
    row = EpisodePlanEntry.objects.get(episode=clinic.episode, instrument_key="gad-7")
    assert (row.schedule, row.every_n) == ("every_n", 2)
    http.post(url, {"action": "share", "share_progress_with_client": "on"})
    assert services.episode_settings(clinic.episode).share_progress_with_client


def test_only_admins_edit_the_clinic_default(clinic):
    url = "/org/checkin-plan/"
    assert clinic.login("therapist").get(url).status_code == 403
    http = clinic.login("admin")
    page = http.get(url)
    assert page.status_code == 200 and b"phq-9" in page.content
    row = ClinicPlanEntry.objects.get(organization=clinic.org, instrument_key="gad-7")
    http.post(url, {"action": "remove", "entry": row.pk})
    assert not ClinicPlanEntry.objects.filter(pk=row.pk).exists()
    # the outsider (admin of the other clinic) cannot remove this clinic's rows
    other = ClinicPlanEntry.objects.get(organization=clinic.org, instrument_key="phq-9")
    clinic.login("outsider").post(url, {"action": "remove", "entry": other.pk})
    assert ClinicPlanEntry.objects.filter(pk=other.pk).exists()
    episode = make_episode(clinic.org, clinic.therapist, [clinic.client])
    assert not EpisodePlanEntry.objects.filter(episode=episode, instrument_key="gad-7").exists()
