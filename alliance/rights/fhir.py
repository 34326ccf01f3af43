"""One client's record as FHIR R4 resources, for the client's own copy of their data.

Unlike the API's pseudonymous Patient (alliance.api.fhir.patient_resource), this Patient carries
the name and contact details: the export goes to the client themself. Every resource is
validated with fhir.resources (R4B, as in the rest of the project) before it is returned, so a
mapping mistake fails here instead of in the receiving system.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from alliance.checkins.fhir_export import questionnaire_response

# Our session statuses in FHIR R4 Encounter terms. R4 has no "no-show" (R5 added it): a missed
# session is a cancelled encounter there; the CSV keeps the exact status.
ENCOUNTER_STATUS = {
    "scheduled": "planned",
    "attended": "finished",
    "cancelled": "cancelled",
    "no_show": "cancelled",
}
GOAL_STATUS = {"active": "active", "achieved": "completed", "set_aside": "cancelled"}
AMBULATORY = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "code": "AMB",
    "display": "ambulatory",
}


def patient_ref(client: Any) -> dict[str, str]:
    return {"reference": f"Patient/client-{client.pk}"}


def patient(client: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": f"client-{client.pk}",
        "identifier": [
            {
                "system": f"{settings.SITE_URL}/fhir/sid/client-code/{client.organization.slug}",
                "value": client.code,
            }
        ],
        "name": [{"text": client.display_name}],
    }
    telecom = [{"system": "email", "value": client.email}] if client.email else []
    telecom += [{"system": "phone", "value": client.phone}] if client.phone else []
    if telecom:
        resource["telecom"] = telecom
    Patient.model_validate(resource)
    return resource


def episode_of_care(episode: Any, client: Any) -> dict[str, Any]:
    period = {"start": episode.started_on.isoformat()}
    if episode.closed_on:
        period["end"] = episode.closed_on.isoformat()
    resource = {
        "resourceType": "EpisodeOfCare",
        "id": f"episode-{episode.pk}",
        "status": "active" if episode.is_open else "finished",
        "type": [{"text": f"{episode.get_format_display()} therapy"}],
        "patient": patient_ref(client),
        "managingOrganization": {"display": episode.organization.name},
        "period": period,
    }
    EpisodeOfCare.model_validate(resource)
    return resource


def encounter(session: Any, client: Any) -> dict[str, Any]:
    end = session.starts_at + dt.timedelta(minutes=session.duration_minutes)
    resource = {
        "resourceType": "Encounter",
        "id": f"session-{session.pk}",
        "status": ENCOUNTER_STATUS.get(session.status, "unknown"),
        "class": AMBULATORY,
        "type": [{"text": f"Session {session.number} ({session.get_status_display()})"}],
        "subject": patient_ref(client),
        "episodeOfCare": [{"reference": f"EpisodeOfCare/episode-{session.episode_id}"}],
        "period": {"start": session.starts_at.isoformat(), "end": end.isoformat()},
        "length": {
            "value": session.duration_minutes,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        },
    }
    Encounter.model_validate(resource)
    return resource


def goal(row: Any, client: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": f"goal-{row.pk}",
        "lifecycleStatus": GOAL_STATUS.get(row.status, "active"),
        "description": {"text": row.wording},
        "subject": patient_ref(client),
        "startDate": row.created_at.date().isoformat(),
    }
    if row.status == "achieved":
        resource["achievementStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                    "code": "achieved",
                }
            ]
        }
    if row.review_on:
        resource["target"] = [{"dueDate": row.review_on.isoformat()}]
    # FHIR's Goal has no sub-steps; the tasks agreed for it travel as notes (and in tasks.csv).
    notes = [{"text": f"Task ({t.get_status_display()}): {t.wording}"} for t in row.tasks.all()]
    if notes:
        resource["note"] = notes
    Goal.model_validate(resource)
    return resource


def flag(alert: Any, client: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Flag",
        "id": f"alert-{alert.pk}",
        "status": "active" if alert.is_active else "inactive",
        "category": [{"text": "Alliance alert"}],
        "code": {"text": f"{alert.get_kind_display()}: {alert.reason}"},
        "subject": patient_ref(client),
        "period": {"start": alert.raised.isoformat()},  # clinical time, as on every page
    }
    Flag.model_validate(resource)
    return resource


def response(row: Any) -> dict[str, Any]:
    resource = questionnaire_response(row)
    resource["encounter"] = {"reference": f"Encounter/session-{row.session_id}"}
    QuestionnaireResponse.model_validate(resource)
    return resource
