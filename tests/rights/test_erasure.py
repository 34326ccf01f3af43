"""Erasing a client: nothing of them remains in any table, the partner's data stays whole, the
audit trail keeps its events without their content, and only the right people may do it."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction

from alliance.api.models import WebhookDelivery
from alliance.audit.models import Action, AuditEvent
from alliance.care.models import (
    CareEpisode,
    Client,
    EpisodeFormat,
    Participant,
    ParticipantRole,
    Session,
)
from alliance.checkins.models import CheckinRequest, Response
from alliance.goals.models import ClientPreferences, Goal, GoalRating, GoalReview
from alliance.insights.models import Alert
from alliance.rights import erasure
from tests.conftest import Clinic, make_episode

from .helpers import PARTNER, SECRETS, Record, full_record

pytestmark = pytest.mark.django_db


def url(client: Client) -> str:
    return f"/clients/{client.pk}/erase/"


def erase(clinic: Clinic, record: Record, who: str = "therapist"):
    return clinic.login(who).post(url(record.client), {"code": SECRETS["code"]})


def text_anywhere(words: str) -> list[str]:
    """Every row of every model whose text or JSON holds the words (case-insensitive)."""
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model._base_manager.all().values_list("pk", *[f.attname for f in fields]):
            text = json.dumps(row[1:], default=str).lower()
            if words.lower() in text:
                found.append(f"{model._meta.label} #{row[0]}")
    return found


def references_to(model_label: str, pk: int) -> list[str]:
    """Every row of every model holding a foreign key to that row."""
    target = apps.get_model(model_label)
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is target:
                found += [
                    f"{model._meta.label}.{f.name}"
                    for _ in model._base_manager.filter(**{f.attname: pk})
                ]
    return found


def test_the_page_says_what_will_be_deleted(clinic: Clinic) -> None:
    record = full_record(clinic)
    page = clinic.login("therapist").get(url(record.client))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Type the client&#x27;s code to confirm" in body or "Type the client's code" in body
    assert "questionnaire responses" in body and "care episodes" in body
    assert "couple, family or group episode" in body  # the shared episode is explained


def test_a_wrong_code_deletes_nothing(clinic: Clinic) -> None:
    record = full_record(clinic)
    response = clinic.login("therapist").post(url(record.client), {"code": "Q-00000"})
    assert response.status_code == 400
    assert "That is not this client&#x27;s code" in response.content.decode()
    assert Client.objects.filter(pk=record.client.pk).exists()


def test_nothing_of_the_client_remains_anywhere(clinic: Clinic) -> None:
    record = full_record(clinic)
    own_episode, own_session = record.own_episode.pk, record.own_session.pk
    response = erase(clinic, record)
    assert response.status_code == 302 and response["Location"] == "/clients/"
    for key, words in SECRETS.items():
        assert text_anywhere(words) == [], f"{key} still found"
    assert references_to("care.Client", record.client.pk) == []
    assert references_to("care.CareEpisode", own_episode) == []
    assert references_to("care.Session", own_session) == []
    assert not CareEpisode.objects.filter(pk=own_episode).exists()


def test_the_partners_data_stays_whole(clinic: Clinic) -> None:
    record = full_record(clinic)
    them = record.couple.participants.get(client=record.partner)
    before = {
        "responses": Response.objects.filter(participant=them).count(),
        "reviews": GoalReview.objects.filter(participant=them).count(),
        "ratings": GoalRating.objects.filter(review__participant=them).count(),
        "links": CheckinRequest.objects.filter(participant=them).count(),
        "alerts": Alert.objects.filter(participant=them).count(),
    }
    staff_rating = Response.objects.get(
        session__episode=record.couple, participant__user=clinic.therapist
    )
    erase(clinic, record)
    assert CareEpisode.objects.filter(pk=record.couple.pk).exists()
    assert Session.objects.filter(episode=record.couple).count() == 2
    assert list(Participant.objects.filter(episode=record.couple, client__isnull=False)) == [them]
    assert (
        before
        == {
            "responses": Response.objects.filter(participant=them).count(),
            "reviews": GoalReview.objects.filter(participant=them).count(),
            "ratings": GoalRating.objects.filter(review__participant=them).count(),
            "links": CheckinRequest.objects.filter(participant=them).count(),
            "alerts": Alert.objects.filter(participant=them).count(),
        }
        == {"responses": 1, "reviews": 1, "ratings": 1, "links": 1, "alerts": 1}
    )
    assert ClientPreferences.objects.get(participant=them).identity == PARTNER["identity"]
    assert Goal.objects.filter(pk=record.shared_goal.pk).exists()
    assert Response.objects.filter(pk=staff_rating.pk).exists()
    # The episode-wide alert stays, and its webhook no longer names the erased client.
    shared = Alert.objects.get(episode=record.couple, participant__isnull=True)
    payload = WebhookDelivery.objects.get(alert=shared).payload
    assert payload["alert"]["client_codes"] == [PARTNER["code"]]
    # The partner's events in the trail are untouched.
    assert AuditEvent.objects.filter(client_code=PARTNER["code"]).exists()


def test_the_trail_keeps_its_events_without_content(clinic: Clinic) -> None:
    record = full_record(clinic)
    last = AuditEvent.objects.order_by("-pk").first().pk
    kept = AuditEvent.objects.count()
    erase(clinic, record)
    # Nothing was deleted from the trail; the sign-in and the erasure came on top.
    added = AuditEvent.objects.filter(pk__gt=last).order_by("pk")
    assert [e.action for e in added] == [Action.LOGIN, Action.DELETE]
    assert AuditEvent.objects.filter(pk__lte=last).count() == kept
    erased = AuditEvent.objects.get(action=Action.DELETE, object_type="care.Client")
    tombstone = erased.client_code
    assert tombstone.startswith("erased-") and erased.actor == clinic.therapist
    # Own episode: the client's alliance and PHQ-9 and the therapist's rating; couple: theirs.
    assert erased.after["erased"]["questionnaire responses"] == 4
    redacted = AuditEvent.objects.filter(client_code__contains=tombstone).exclude(pk=erased.pk)
    assert redacted.count() == erased.after["audit_events_redacted"] > 10
    created = redacted.get(action=Action.CREATE, object_type="care.Client")
    assert created.object_id == str(record.client.pk)
    assert created.after["display_name"] == "(erased)" and created.after["id"] == record.client.pk
    # A shared episode's events keep the partner's code next to the tombstone.
    couple = AuditEvent.objects.filter(
        object_type="care.CareEpisode", object_id=str(record.couple.pk)
    )
    assert {e.client_code for e in couple} == {f"{tombstone},{PARTNER['code']}"}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("outsider", 404),
        ("colleague", 404),
        ("researcher", 404),
        ("admin", 404),
        ("supervisor", 403),
    ],
)
def test_who_may_not_erase(clinic: Clinic, who: str, status: int) -> None:
    record = full_record(clinic)
    assert clinic.login(who).get(url(record.client)).status_code == status
    assert erase(clinic, record, who=who).status_code == status
    assert Client.objects.filter(pk=record.client.pk).exists()


def test_a_co_therapist_of_one_episode_may_not_erase_the_others(clinic: Clinic) -> None:
    record = full_record(clinic)
    Participant.objects.create(
        episode=record.couple, user=clinic.colleague, role=ParticipantRole.CO_THERAPIST
    )
    assert erase(clinic, record, who="colleague").status_code == 403
    assert Client.objects.filter(pk=record.client.pk).exists()
    assert CareEpisode.objects.filter(pk=record.own_episode.pk).exists()


def test_an_admin_who_may_see_clinical_data_may_erase(clinic: Clinic) -> None:
    clinic.org.admins_see_clinical_data = True
    clinic.org.save()
    record = full_record(clinic)
    assert erase(clinic, record, who="admin").status_code == 302
    assert not Client.objects.filter(pk=record.client.pk).exists()


def test_erasure_asks_for_the_password_again(clinic: Clinic) -> None:
    record = full_record(clinic)
    http = clinic.login("therapist", recently_authenticated=False)
    for response in (
        http.get(url(record.client)),
        http.post(url(record.client), {"code": SECRETS["code"]}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/reauthenticate/")
    assert Client.objects.filter(pk=record.client.pk).exists()


def test_the_command_counts_then_erases(clinic: Clinic, capsys) -> None:
    record = full_record(clinic)
    args = ["client", "erase", "--client", str(record.client.pk), "--organization", "northside"]
    with pytest.raises(CommandError):
        call_command(*args, "--code", "nope")
    call_command(*args, "--code", SECRETS["code"], "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert Client.objects.filter(pk=record.client.pk).exists()
    call_command(*args, "--code", SECRETS["code"])
    assert not Client.objects.filter(pk=record.client.pk).exists()
    assert text_anywhere(SECRETS["name"]) == []


def test_a_second_erasure_of_the_same_client_at_once_is_a_404(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Double submit: the second request found the client before the first deleted them."""
    from alliance.rights import views

    record = full_record(clinic)
    stale = Client.objects.get(pk=record.client.pk)
    erasure.erase(record.client)
    monkeypatch.setattr(views, "_client_for_data_rights", lambda viewer, pk: stale)
    assert erase(clinic, record).status_code == 404


def created_event(episode: CareEpisode) -> AuditEvent:
    """The creation event the audited model wrote when the episode was opened."""
    return AuditEvent.objects.get(
        action=Action.CREATE, object_type="care.CareEpisode", object_id=str(episode.pk)
    )


def test_one_member_of_a_large_group_is_erased(clinic: Clinic) -> None:
    """A group's events list every member's code, and the tombstone is longer than a short
    code: on PostgreSQL the trail's column once overflowed, and the erasure failed."""
    members = [
        Client.objects.create(
            organization=clinic.org,
            code=f"G-{n}",
            display_name=f"G{n}",
            created_by=clinic.therapist,
        )
        for n in range(12)
    ]
    group = make_episode(clinic.org, clinic.therapist, members, EpisodeFormat.GROUP)
    event = created_event(group)
    result = erasure.erase(members[0])
    codes = AuditEvent.objects.get(pk=event.pk).client_code.split(",")
    assert codes == [result.tombstone] + [f"G-{n}" for n in range(1, 12)]


def test_a_client_code_holding_a_comma_is_redacted_too(clinic: Clinic) -> None:
    """Codes made before commas were refused: the whole code goes, alone or in a list."""
    client = Client.objects.create(
        organization=clinic.org, code="K,9", display_name="Kay", created_by=clinic.therapist
    )
    couple = make_episode(
        clinic.org, clinic.therapist, [client, clinic.client], EpisodeFormat.COUPLE
    )
    in_couple = created_event(couple)
    result = erasure.erase(client)
    assert not AuditEvent.objects.filter(client_code__contains="K,9").exists()
    tomb = result.tombstone
    assert AuditEvent.objects.get(pk=in_couple.pk).client_code == f"{tomb},{tomb},C-0001"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_the_trigger_still_refuses_any_other_change(clinic: Clinic) -> None:
    record = full_record(clinic)
    event = AuditEvent.objects.filter(client_code=SECRETS["code"]).first()
    attempts = [
        ("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s", [event.pk]),
        ("UPDATE audit_auditevent SET object_label = 'rewritten' WHERE id = %s", [event.pk]),
        ("UPDATE audit_auditevent SET client_code = 'C-9999' WHERE id = %s", [event.pk]),
        (
            "UPDATE audit_auditevent SET after = after || '{\"extra\": 1}'::jsonb WHERE id = %s",
            [event.pk],
        ),
        (
            "UPDATE audit_auditevent SET after = jsonb_set(after, '{code}', '\"X\"') WHERE id = %s",
            [event.pk],
        ),
        ("DELETE FROM audit_auditevent WHERE id = %s", [event.pk]),
    ]
    for sql, params in attempts:
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
    erase(clinic, record)  # while the redaction itself goes through
    assert AuditEvent.objects.filter(client_code__startswith="erased-").exists()
