"""A missing PHQ-9 item 9 is never silent: shown as unanswered, and the therapist is told to ask."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from fhir.resources.operationoutcome import OperationOutcome

from alliance.checkins.models import Response
from alliance.insights import services
from alliance.insights.models import Alert
from tests.api.helpers import api_client, token_for
from tests.api.test_fhir import phq9_resource, post
from tests.conftest import Clinic

from .test_alert_model import phq


@pytest.mark.parametrize("path", ["episode", "organization"])
def test_an_unanswered_risk_item_raises_a_notice_to_ask(clinic: Clinic, path: str) -> None:
    phq(clinic, 1, 1, item9=None)
    stored = Response.objects.get()
    assert stored.scores["risk_unanswered"] == ["phq9-9"] and stored.risk == []
    if path == "episode":
        services.recompute_episode(clinic.episode)
    else:
        call_command("insights", "recompute", stdout=StringIO())
    alert = Alert.objects.get(episode=clinic.episode)
    assert alert.kind == "risk_unanswered" and alert.severity == "high"
    assert "item 9" in alert.reason_today and "was not answered, today" in alert.reason_today
    http = clinic.login("therapist")
    episode = http.get(f"/episodes/{clinic.episode.pk}/").content.decode()
    assert "Risk item not answered" in episode
    assert "risk item not answered" in episode  # the score in the table says so too
    session = http.get(f"/sessions/{clinic.session.pk}/").content.decode()
    assert "Risk item not answered: ask about it" in session


def test_an_answered_item_9_of_0_raises_nothing(clinic: Clinic) -> None:
    phq(clinic, 1, 1, item9=0)
    services.recompute_episode(clinic.episode)
    assert "risk_unanswered" not in Response.objects.get().scores
    assert not Alert.objects.exists()


def test_fhir_completed_response_without_item_9_is_accepted_flagged_and_reported(
    clinic: Clinic, django_capture_on_commit_callbacks
) -> None:
    resource = phq9_resource(clinic)
    resource["item"] = [i for i in resource["item"] if i["linkId"] != "phq9-9"]
    with django_capture_on_commit_callbacks(execute=True):
        created = post(api_client(token_for(clinic.org)), resource)
    assert created.status_code == 201, created.content
    outcome = OperationOutcome.model_validate(created.json())
    assert [(i.severity, i.code) for i in outcome.issue] == [("warning", "required")]
    assert "phq9-9" in outcome.issue[0].expression[0] and "risk item" in json.dumps(created.json())
    stored = Response.objects.get()
    assert created["Location"].endswith(f"/fhir/QuestionnaireResponse/response-{stored.pk}")
    assert stored.scores["risk_unanswered"] == ["phq9-9"]
    assert Alert.objects.filter(kind="risk_unanswered", episode=clinic.episode).exists()
