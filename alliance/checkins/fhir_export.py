"""A stored response as a FHIR R4 QuestionnaireResponse, validated before it leaves."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from alliance.measures import fhir

from .models import Channel, Response


def _patient(response: Response) -> str:
    participant = response.participant
    if participant.client_id:
        return f"Patient/client-{participant.client_id}"
    clients = response.session.episode.client_participants()
    return f"Patient/client-{clients[0].client_id}" if clients else "Group/unknown"


def questionnaire_response(response: Response) -> dict[str, Any]:
    participant = response.participant
    author = None
    if response.entered_by_staff_id:
        author = f"Practitioner/user-{response.entered_by_staff_id}"
    elif participant.user_id:
        author = f"Practitioner/user-{participant.user_id}"
    resource = fhir.questionnaire_response(
        response.instrument.parsed(),
        {k: v for k, v in response.answers.items()},
        response_id=f"response-{response.pk}",
        subject_reference=_patient(response),
        authored_iso=(response.authored_at or response.submitted_at).isoformat(),
        author_reference=author,
    )
    # What another system sent comes back as sent; the session is the encounter either way.
    resource["encounter"] = {"reference": f"Encounter/session-{response.session_id}"}
    if response.external_identifier:
        resource["identifier"] = dict(response.external_identifier)
    # `source` is who answered; for a paper form typed in by staff that is still the client.
    if participant.client_id:
        resource["source"] = {"reference": f"Patient/client-{participant.client_id}"}
    elif participant.user_id:
        resource["source"] = {"reference": f"Practitioner/user-{participant.user_id}"}
    if response.channel == Channel.PAPER:
        resource["meta"] = {
            "tag": [
                {
                    "system": "https://alliance.example.org/fhir/CodeSystem/entry-channel",
                    "code": "paper",
                }
            ]
        }
    QuestionnaireResponse.model_validate(resource)
    return resource
