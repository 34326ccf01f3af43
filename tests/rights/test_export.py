"""Downloading everything about one client: a ZIP with a valid FHIR R4 Bundle, CSV files that
match the database, a README; only for those who may, only after the password again, audited."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from alliance.audit.models import Action, AuditEvent
from alliance.care.models import Participant, ParticipantRole
from alliance.checkins.models import Response
from alliance.goals.models import GoalChange
from tests.conftest import Clinic

from .helpers import PARTNER, SECRETS, full_record

pytestmark = pytest.mark.django_db


def url(client) -> str:
    return f"/clients/{client.pk}/export/"


def download(clinic: Clinic, client, who: str = "therapist") -> zipfile.ZipFile:
    response = clinic.login(who).post(url(client))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert f"client-{client.code}-" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def table(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode())))


def test_the_client_page_offers_the_download_to_the_therapist_only(clinic: Clinic) -> None:
    page = clinic.login("therapist").get(f"/clients/{clinic.client.pk}/")
    assert "Download everything about this client" in page.content.decode()
    page = clinic.login("supervisor").get(f"/clients/{clinic.client.pk}/")
    assert "Download everything about this client" not in page.content.decode()


def test_every_fhir_resource_validates_and_references_resolve(clinic: Clinic) -> None:
    record = full_record(clinic)
    archive = download(clinic, record.client)
    data = json.loads(archive.read("fhir-bundle.json"))
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    kinds: dict[str, int] = {}
    ids = set()
    for entry in data["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        kinds[resource["resourceType"]] = kinds.get(resource["resourceType"], 0) + 1
        ids.add(f"{resource['resourceType']}/{resource['id']}")
    # Two episodes, two + two sessions (each has session 1 and 4), the client's own answers
    # (alliance and PHQ-9 in their episode, the conjoint form in the couple) and the therapist's
    # rating in the client's own episode (not the one in the couple).
    assert kinds == {
        "Patient": 1,
        "EpisodeOfCare": 2,
        "Encounter": 4,
        "QuestionnaireResponse": 4,
        "Goal": 2,
        "Flag": 2,
    }
    patient = data["entry"][0]["resource"]
    assert patient["name"][0]["text"] == SECRETS["name"]  # the client's own copy: real names
    assert patient["telecom"][0]["value"] == SECRETS["email"]
    for entry in data["entry"]:
        resource = entry["resource"]
        for key in ("subject", "patient", "encounter"):
            if key in resource:
                assert resource[key]["reference"] in ids
        for ref in resource.get("episodeOfCare", []):
            assert ref["reference"] in ids


def test_csv_rows_match_the_database(clinic: Clinic) -> None:
    record = full_record(clinic)
    archive = download(clinic, record.client)
    assert table(archive, "client")[0]["display_name"] == SECRETS["name"]
    [contact] = table(archive, "contact_preferences")
    assert (contact["channel"], contact["consent"]) == ("email", "True")
    episodes = {int(r["episode_id"]): r["shared"] for r in table(archive, "episodes")}
    assert episodes == {record.own_episode.pk: "False", record.couple.pk: "True"}
    responses = table(archive, "responses")
    mine = Response.objects.filter(participant__client=record.client)
    therapist_own = Response.objects.filter(
        session__episode=record.own_episode, participant__user__isnull=False
    )
    assert {int(r["response_id"]) for r in responses} == {r.pk for r in [*mine, *therapist_own]}
    answers = table(archive, "response_answers")
    assert SECRETS["answer"] in {a["answer"] for a in answers}
    assert any(a["question"] for a in answers)
    scores = table(archive, "response_scores")
    phq = Response.objects.get(participant__client=record.client, instrument_key="phq-9")
    total = next(s for s in scores if s["response_id"] == str(phq.pk) and s["scale"] == "total")
    assert float(total["score"]) == phq.scores["scales"]["total"] == 9
    assert total["band"] == phq.scores["bands"]["total"]
    goals = {g["wording"] for g in table(archive, "goals")}
    assert goals == {SECRETS["goal"], "Argue less about the dishes"}
    history = table(archive, "goal_history")
    assert (
        len(history) == GoalChange.objects.filter(goal__episode__in=record_episodes(record)).count()
    )
    assert {"created", "status"} <= {h["field"] for h in history}
    assert [t["wording"] for t in table(archive, "tasks")] == [SECRETS["task"]]
    assert {p["identity"] for p in table(archive, "preferences")} == {SECRETS["identity"]}
    assert [a["focus"] for a in table(archive, "session_agendas")] == [SECRETS["focus"]]
    assert [p["wording"] for p in table(archive, "goal_proposals")] == [SECRETS["proposal"]]
    assert len(table(archive, "goal_ratings")) == 2  # own episode and couple, their own only
    alerts = table(archive, "alerts")
    assert len(alerts) == 2  # own drop + their own risk alert in the couple; not the shared one
    assert [h["what_was_said"] for h in table(archive, "alert_history")] == [SECRETS["alert_note"]]
    links = table(archive, "checkin_requests")
    assert len(links) == 2 and "token_hash" not in links[0]
    readme = archive.read("README.txt").decode()
    for name in archive.namelist():
        if name.endswith(".csv"):
            assert name in readme


def record_episodes(record) -> list:
    return [record.own_episode, record.couple]


def test_nothing_the_partner_said_is_in_the_clients_export(clinic: Clinic) -> None:
    record = full_record(clinic)
    archive = download(clinic, record.client)
    everything = "".join(archive.read(n).decode() for n in archive.namelist())
    for words in (PARTNER["name"], PARTNER["code"], PARTNER["answer"], PARTNER["identity"]):
        assert words not in everything


def test_export_asks_for_the_password_again(clinic: Clinic) -> None:
    http = clinic.login("therapist", recently_authenticated=False)
    for method in ("get", "post"):
        response = getattr(http, method)(url(clinic.client))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


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
def test_who_may_not_export(clinic: Clinic, who: str, status: int) -> None:
    http = clinic.login(who)
    assert http.get(url(clinic.client)).status_code == status
    assert http.post(url(clinic.client)).status_code == status


def test_an_admin_who_may_see_clinical_data_may_export(clinic: Clinic) -> None:
    clinic.org.admins_see_clinical_data = True
    clinic.org.save()
    archive = download(clinic, clinic.client, who="admin")
    assert table(archive, "client")[0]["code"] == clinic.client.code


def test_a_co_therapist_of_one_episode_may_not_export_the_others(clinic: Clinic) -> None:
    """Co-therapist of the couple episode only: the client's individual therapy with Tess is
    not theirs to read, so the export (which holds it) is refused and not offered."""
    record = full_record(clinic)
    Participant.objects.create(
        episode=record.couple, user=clinic.colleague, role=ParticipantRole.CO_THERAPIST
    )
    http = clinic.login("colleague")
    assert http.get(f"/episodes/{record.own_episode.pk}/").status_code == 404
    assert http.post(url(record.client)).status_code == 403
    assert "Download everything" not in http.get(f"/clients/{record.client.pk}/").content.decode()
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
    # Once they work in every episode of the client, they may.
    Participant.objects.create(
        episode=record.own_episode, user=clinic.colleague, role=ParticipantRole.CO_THERAPIST
    )
    assert table(download(clinic, record.client, who="colleague"), "client")[0]["code"]


def test_details_recorded_for_pattern_reviews_are_exported_and_erased(clinic: Clinic) -> None:
    from alliance.growth.models import AttributeDefinition, ClientAttribute
    from alliance.rights import erasure

    definition = AttributeDefinition.objects.create(
        organization=clinic.org, name="First language", options=["Basque", "Other"]
    )
    ClientAttribute.objects.create(client=clinic.client, definition=definition, value="Basque")
    rows = table(download(clinic, clinic.client), "pattern_review_details")
    assert [(r["detail"], r["value"]) for r in rows] == [("First language", "Basque")]
    plan = erasure.plan(clinic.client)
    assert plan.counts["details for pattern reviews"] == 1


def test_one_export_event_with_counts_and_no_content(clinic: Clinic) -> None:
    record = full_record(clinic)
    download(clinic, record.client)
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.client_code == SECRETS["code"]
    assert event.object_id == str(record.client.pk)
    assert event.actor == clinic.therapist
    assert event.after["responses"] == 4
    dumped = json.dumps(event.after)
    for words in (SECRETS["answer"], SECRETS["goal"], SECRETS["email"], SECRETS["identity"]):
        assert words not in dumped


def test_the_command_writes_the_same_zip(clinic: Clinic, tmp_path) -> None:
    record = full_record(clinic)
    out = tmp_path / "client.zip"
    call_command(
        "client",
        "export",
        "--client",
        str(record.client.pk),
        "--organization",
        "northside",
        "--out",
        str(out),
    )
    archive = zipfile.ZipFile(out)
    assert {"README.txt", "fhir-bundle.json", "responses.csv"} <= set(archive.namelist())
    assert AuditEvent.objects.filter(action=Action.EXPORT, source="cli").count() == 1
