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


def post(http, resource: dict):
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
) -> None:
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


# --- issue 15: canonical references, conflicts, search, negotiation, versions ---------------


def test_response_accepted_by_imported_canonical_and_by_relative_reference(clinic: Clinic) -> None:
    from pathlib import Path

    from django.core.management import call_command

    path = (
        Path(__file__).parent.parent / "measures" / "questionnaires" / "researchkitonfhir-gad7.json"
    )
    call_command("instruments", "import", str(path))
    http = api_client(token_for(clinic.org))
    code = {
        "system": "http://cardinalkit.org/fhir/uv/sdc/CodeSystem/CSGAD7",
        "code": "Several-days",
    }
    links = [it["linkId"] for it in json.loads(path.read_text())["item"][0]["item"]]
    items = [{"linkId": link, "answer": [{"valueCoding": code}]} for link in links]
    resource = phq9_resource(
        clinic, questionnaire="http://cardinalkit.org/fhir/questionnaire/GAD-7"
    )
    resource["item"] = items
    created = post(http, resource)
    assert created.status_code == 201, created.content
    assert Response.objects.get().scores["scales"]["total"] == 7
    assert created.json()["questionnaire"].startswith(
        "http://cardinalkit.org/fhir/questionnaire/GAD-7"
    )
    Response.objects.all().delete()
    relative = phq9_resource(clinic, questionnaire="Questionnaire/phq-9")
    relative["identifier"] = {"value": "rs-relative"}
    assert post(http, relative).status_code == 201


def test_a_different_second_response_is_409_never_silently_dropped(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org))
    assert post(http, phq9_resource(clinic)).status_code == 201
    second = phq9_resource(clinic, item9="LA6571-9")  # item 9 "Nearly every day"
    second["identifier"] = {"value": "rs-456"}
    refused = post(http, second)
    assert refused.status_code == 409
    outcome = OperationOutcome.model_validate(refused.json())
    assert outcome.issue[0].code == "conflict"
    assert "nothing was stored" in outcome.issue[0].diagnostics
    same_again = post(http, phq9_resource(clinic))
    assert same_again.status_code == 200 and Response.objects.count() == 1


def _many(clinic: Clinic, n: int) -> None:
    from django.utils import timezone

    from alliance.care.models import Session

    http = api_client(token_for(clinic.org))
    for i in range(n):
        session = Session.objects.create(
            episode=clinic.episode, number=100 + i, starts_at=timezone.now()
        )
        resource = phq9_resource(clinic, encounter={"reference": f"Encounter/session-{session.pk}"})
        resource["identifier"] = {"value": f"rs-{i}"}
        assert post(http, resource).status_code == 201


def test_search_pages_with_count_and_next_links_in_a_stable_order(clinic: Clinic) -> None:
    _many(clinic, 5)
    http = api_client(token_for(clinic.org, Scope.READ))
    seen, url = [], f"/fhir/QuestionnaireResponse?patient=client-{clinic.client.pk}&_count=2"
    pages = 0
    while url:
        data = http.get(url).json()
        Bundle.model_validate(data)
        assert data["total"] == 5
        seen += [e["resource"]["id"] for e in data.get("entry", [])]
        nxt = [link["url"] for link in data["link"] if link["relation"] == "next"]
        url = nxt[0].split("testserver", 1)[-1].replace("http://localhost:8000", "") if nxt else ""
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen, key=lambda rid: int(rid.split("-")[1]))
    counted = http.get("/fhir/QuestionnaireResponse?_summary=count").json()
    assert counted["total"] == 5 and "entry" not in counted
    newest = http.get("/fhir/QuestionnaireResponse?_sort=-authored&_count=1").json()
    assert newest["entry"][0]["resource"]["id"] == seen[-1]
    slim = http.get("/fhir/QuestionnaireResponse?_elements=status&_count=1").json()
    assert set(slim["entry"][0]["resource"]) == {"resourceType", "id", "meta", "status"}


def test_search_parameters_filter_and_unknown_ones_are_reported(clinic: Clinic) -> None:
    _many(clinic, 2)
    http = api_client(token_for(clinic.org, Scope.READ))
    base = "/fhir/QuestionnaireResponse?"
    assert http.get(base + "questionnaire=" + PHQ9).json()["total"] == 2
    assert http.get(base + "questionnaire=https://example.org/Q/other").json()["total"] == 0
    assert http.get(base + "status=completed").json()["total"] == 2
    assert http.get(base + "status=in-progress").json()["total"] == 0
    assert http.get(base + "authored=ge2000-01-01T00:00:00Z").json()["total"] == 2
    assert http.get(base + "_lastUpdated=lt2000-01-01").json()["total"] == 0
    lenient = http.get(base + "foo=1").json()
    outcomes = [e for e in lenient["entry"] if e["search"]["mode"] == "outcome"]
    assert "foo" in outcomes[0]["resource"]["issue"][0]["diagnostics"]
    strict = http.get(base + "foo=1", HTTP_PREFER="handling=strict")
    assert strict.status_code == 400 and "foo" in strict.json()["issue"][0]["diagnostics"]
    found = http.get("/fhir/Questionnaire?code=44249-1").json()
    assert [e["resource"]["id"] for e in found["entry"]] == ["phq-9"]
    assert http.get("/fhir/Questionnaire?_id=gad-7").json()["total"] == 1
    assert http.get("/fhir/Questionnaire?name=phq&status=active").json()["total"] == 1


def test_json_only_xml_is_406_and_non_fhir_posts_are_415(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org))
    assert http.get("/fhir/Questionnaire?_format=xml").status_code == 406
    xml = http.get("/fhir/Questionnaire", HTTP_ACCEPT="application/fhir+xml")
    assert xml.status_code == 406
    OperationOutcome.model_validate(xml.json())
    assert http.get("/fhir/Questionnaire?_format=json").status_code == 200
    assert http.get("/fhir/metadata", HTTP_ACCEPT="application/fhir+json").status_code == 200
    form = http.post("/fhir/QuestionnaireResponse", data="a=1", content_type="text/plain")
    assert form.status_code == 415


def test_reads_carry_version_and_etag_and_if_none_exist_finds_the_match(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org))
    created = post(http, phq9_resource(clinic))
    assert created["ETag"] == 'W/"1"'
    rid = created.json()["id"]
    read = http.get(f"/fhir/QuestionnaireResponse/{rid}")
    assert read.json()["meta"]["versionId"] == "1" and read["ETag"] == 'W/"1"'
    assert read.json()["meta"]["lastUpdated"]
    again = http.post(
        "/fhir/QuestionnaireResponse",
        data=json.dumps(phq9_resource(clinic)),
        content_type="application/fhir+json",
        HTTP_IF_NONE_EXIST="identifier=urn:record-system|rs-123",
    )
    assert again.status_code == 200 and again.json()["id"] == rid
    assert Response.objects.count() == 1


def test_capability_statement_lists_exactly_the_supported_parameters(clinic: Clinic) -> None:
    from alliance.api import fhir as server

    statement = clinic.login("anonymous").get("/fhir/metadata").json()
    CapabilityStatement.model_validate(statement)
    listed = {r["type"]: r for r in statement["rest"][0]["resource"]}
    routes = {str(p.pattern) for p in server.fhir.urls[0]}
    for kind, entry in listed.items():
        codes = {i["code"] for i in entry["interaction"]}
        if "read" in codes:
            assert any(r.startswith(f"{kind}/<") for r in routes), kind
        if "search-type" in codes or "create" in codes:
            assert kind in routes, kind
    allowed = {
        "Questionnaire": server.QUESTIONNAIRE_PARAMS,
        "QuestionnaireResponse": server.RESPONSE_PARAMS,
    }
    for kind, params in allowed.items():
        names = {p["name"] for p in listed[kind]["searchParam"]}
        assert names == {
            p
            for p in params
            if p not in ("_count", "_offset", "_summary", "_elements", "_format", "_sort")
        }


def test_identifier_encounter_and_authored_come_back_as_sent(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org))
    created = post(http, phq9_resource(clinic)).json()
    assert created["identifier"] == {"system": "urn:record-system", "value": "rs-123"}
    assert created["encounter"] == {"reference": f"Encounter/session-{clinic.session.pk}"}
    assert created["authored"].startswith("2026-11-20T10:00:00")
    stored = Response.objects.get()
    assert (
        stored.submitted_at.date() != stored.authored_at.date()
        or stored.submitted_at > stored.authored_at
    )
    base = f"/fhir/QuestionnaireResponse?patient=client-{clinic.client.pk}"
    assert http.get(base + "&authored=2026-11-20").json()["total"] == 1
    assert http.get(base + "&authored=gt2026-11-20T10:00:00Z").json()["total"] == 0
