"""FHIR R4 endpoints: every resource validates with fhir.resources (R4B), scope and scopes."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from alliance.api.models import Scope
from alliance.checkins.models import Response
from alliance.insights.models import Alert
from tests.conftest import Clinic

from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db
PHQ9 = "https://alliance.example.org/fhir/Questionnaire/phq-9"


def phq9_resource(clinic: Clinic, item9: str = "LA6568-5", **extra: object) -> dict:
    items = [
        {
            "linkId": f"phq9-{n}",
            "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6570-1"}}],
        }
        for n in range(1, 9)
    ]
    items.append(
        {
            "linkId": "phq9-9",
            "answer": [{"valueCoding": {"system": "http://loinc.org", "code": item9}}],
        }
    )
    resource = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": "urn:record-system", "value": "rs-123"},
        "questionnaire": PHQ9,
        "status": "completed",
        "subject": {"reference": f"Patient/client-{clinic.client.pk}"},
        "encounter": {"reference": f"Encounter/session-{clinic.session.pk}"},
        "authored": "2026-11-20T10:00:00+00:00",
        "item": items,
    }
    resource.update(extra)
    return resource


def post(http, resource: dict):  # noqa: ANN001, ANN201
    return http.post(
        "/fhir/QuestionnaireResponse",
        data=json.dumps(resource),
        content_type="application/fhir+json",
    )


def test_capability_statement_validates_without_a_token(clinic: Clinic) -> None:
    response = clinic.login("anonymous").get("/fhir/metadata")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    statement = CapabilityStatement.model_validate(response.json())
    assert {r.type for r in statement.rest[0].resource} >= {"Questionnaire", "Patient"}


def test_every_questionnaire_is_searchable_readable_and_valid(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org, Scope.READ))
    found = Bundle.model_validate(http.get("/fhir/Questionnaire").json())
    ids = {e.resource.id for e in found.entry}
    assert {"phq-9", "gad-7", "alliance-checkin-client"} <= ids
    for qid in ids:
        one = http.get(f"/fhir/Questionnaire/{qid}")
        assert one.status_code == 200
        Questionnaire.model_validate(one.json())
    phq9 = http.get(f"/fhir/Questionnaire?url={PHQ9}").json()
    assert phq9["total"] == 1
    assert phq9["entry"][0]["resource"]["code"][0]["code"] == "44249-1"  # LOINC panel


def test_patient_is_pseudonymous_and_valid(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org, Scope.READ))
    data = http.get(f"/fhir/Patient/client-{clinic.client.pk}").json()
    patient = Patient.model_validate(data)
    assert patient.identifier[0].value == "C-0001"
    assert "name" not in data and "Alex" not in json.dumps(data)


def test_outsider_gets_404_operation_outcome(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.other_org))
    response = http.get(f"/fhir/Patient/client-{clinic.client.pk}")
    assert response.status_code == 404
    OperationOutcome.model_validate(response.json())
    assert (
        http.get(f"/fhir/QuestionnaireResponse?patient=client-{clinic.client.pk}").status_code
        == 404
    )
    assert post(http, phq9_resource(clinic)).status_code == 404
    assert not Response.objects.exists()


def test_missing_token_gets_401_operation_outcome(clinic: Clinic) -> None:
    response = clinic.login("anonymous").get("/fhir/Questionnaire")
    assert response.status_code == 401
    assert OperationOutcome.model_validate(response.json()).issue[0].code == "login"


def test_read_token_gets_403_on_create(clinic: Clinic) -> None:
    response = post(api_client(token_for(clinic.org, Scope.READ)), phq9_resource(clinic))
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_created_response_is_scored_on_arrival_and_raises_risk(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org))
    with_risk = phq9_resource(clinic, item9="LA6569-3")  # item 9 "Several days"
    from django.test.utils import CaptureQueriesContext  # noqa: F401 - keeps imports honest

    created = post(http, with_risk)
    assert created.status_code == 201, created.content
    QuestionnaireResponse.model_validate(created.json())
    stored = Response.objects.get()
    assert stored.scores["scales"]["total"] == 2 * 8 + 1
    assert stored.risk and stored.channel == "external"
    assert created["Location"].endswith(f"/fhir/QuestionnaireResponse/response-{stored.pk}")
    again = post(http, with_risk)  # the same identifier: stored once
    assert again.status_code == 200 and Response.objects.count() == 1


def test_risk_alert_follows_a_created_response(
    clinic: Clinic, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    http = api_client(token_for(clinic.org))
    with django_capture_on_commit_callbacks(execute=True):
        assert post(http, phq9_resource(clinic, item9="LA6571-9")).status_code == 201
    assert Alert.objects.filter(episode=clinic.episode, kind="risk").exists()


@pytest.mark.parametrize(
    "change,status",
    [
        ({"status": "in-progress"}, 422),
        ({"encounter": {"reference": "Encounter/123"}}, 422),
        ({"questionnaire": "https://example.org/Questionnaire/unknown"}, 422),
        ({"status": "bogus"}, 422),
        ({"subject": "not a reference"}, 400),
        ({"item": [{"linkId": "phq9-1", "answer": [{"valueCoding": {"code": "nope"}}]}]}, 422),
        ({"item": [{"linkId": "nope\x00", "answer": [{"valueInteger": 1}]}]}, 422),
    ],
)
def test_bad_resources_are_refused_with_an_operation_outcome(
    clinic: Clinic, change: dict, status: int
) -> None:
    response = post(api_client(token_for(clinic.org)), phq9_resource(clinic, **change))
    assert response.status_code == status, response.content
    OperationOutcome.model_validate(response.json())
    assert not Response.objects.exists()


def test_not_json_is_400(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org))
    response = http.post(
        "/fhir/QuestionnaireResponse", data=b"\x00{", content_type="application/json"
    )
    assert response.status_code == 400


def test_search_by_patient_and_date_and_read(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org))
    assert post(http, phq9_resource(clinic)).status_code == 201
    found = http.get(f"/fhir/QuestionnaireResponse?patient=client-{clinic.client.pk}")
    bundle = Bundle.model_validate(found.json())
    assert bundle.total == 1
    rid = bundle.entry[0].resource.id
    assert http.get(f"/fhir/QuestionnaireResponse/{rid}").status_code == 200
    QuestionnaireResponse.model_validate(http.get(f"/fhir/QuestionnaireResponse/{rid}").json())
    later = http.get(
        f"/fhir/QuestionnaireResponse?patient=client-{clinic.client.pk}&authored=ge2999-01-01"
    )
    assert later.json()["total"] == 0
    bad = http.get(f"/fhir/QuestionnaireResponse?patient=client-{clinic.client.pk}&authored=soon")
    assert bad.status_code == 400


def test_patient_bundle_export_validates(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org))
    post(http, phq9_resource(clinic))
    data = http.get(f"/fhir/Patient/client-{clinic.client.pk}/$everything").json()
    bundle = Bundle.model_validate(data)
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds == ["Patient", "Questionnaire", "QuestionnaireResponse"]
