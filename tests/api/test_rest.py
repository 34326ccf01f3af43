"""The REST API: token rules, organization scope, filters, pagination, errors, audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from alliance.api.models import ApiToken, Scope
from alliance.audit.models import AuditEvent
from alliance.checkins import services
from alliance.checkins.models import CheckinRequest
from alliance.insights.models import Alert
from tests.checkins.helpers import client_participant, form_key, good_answers, issue
from tests.conftest import Clinic, make_session

from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db


def post_json(http, path: str, body: object):
    return http.post(path, data=json.dumps(body), content_type="application/json")


def answered(clinic: Clinic) -> None:
    request, token = issue(clinic)
    page = clinic.login("anonymous").get(f"/c/{token}/")
    clinic.login("anonymous").post(f"/c/{token}/", good_answers(form_key(page.content.decode())))
    assert CheckinRequest.objects.get(pk=request.pk).state == "completed"


def test_no_token_missing_and_revoked_get_401_with_the_error_body(clinic: Clinic) -> None:
    assert clinic.login("anonymous").get("/api/v1/clients").status_code == 401
    unknown = api_client("alk_nonsense").get("/api/v1/clients")
    assert unknown.status_code == 401
    assert unknown.json()["code"] == "unauthorized" and unknown.json()["detail"]
    raw = token_for(clinic.org)
    assert api_client(raw).get("/api/v1/clients").status_code == 200
    ApiToken.objects.get().revoke()
    revoked = api_client(raw).get("/api/v1/clients")
    assert revoked.status_code == 401
    assert revoked.json()["code"] == "unauthorized"


def test_a_token_lists_only_its_own_organizations_clients(clinic: Clinic) -> None:
    body = api_client(token_for(clinic.org, Scope.READ)).get("/api/v1/clients").json()
    assert body["count"] == 1
    assert [c["code"] for c in body["items"]] == ["C-0001"]
    assert "email" not in body["items"][0]


@pytest.mark.parametrize(
    "path", ["/api/v1/clients/{client}", "/api/v1/episodes/{episode}", "/api/v1/sessions/{session}"]
)
def test_outsider_token_gets_404_for_our_objects(clinic: Clinic, path: str) -> None:
    url = path.format(client=clinic.client.pk, episode=clinic.episode.pk, session=clinic.session.pk)
    ours = api_client(token_for(clinic.org, Scope.READ)).get(url)
    assert ours.status_code == 200
    theirs = api_client(token_for(clinic.other_org)).get(url)
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "not_found"


def test_read_token_gets_403_on_write(clinic: Clinic) -> None:
    participant = client_participant(clinic)
    response = post_json(
        api_client(token_for(clinic.org, Scope.READ)),
        "/api/v1/checkin-requests",
        {"session": clinic.session.pk, "participant": participant.pk},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not CheckinRequest.objects.exists()


def test_write_token_creates_a_checkin_link_that_opens_the_client_form(clinic: Clinic) -> None:
    participant = client_participant(clinic)
    response = post_json(
        api_client(token_for(clinic.org)),
        "/api/v1/checkin-requests",
        {
            "session": clinic.session.pk,
            "participant": participant.pk,
            "instruments": ["alliance-checkin-client"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["instruments"] == ["alliance-checkin-client"]
    assert body["state"] == "pending"
    path = body["link"].split("127.0.0.1:8000", 1)[1]
    assert clinic.login("anonymous").get(path).status_code == 200
    again = api_client(token_for(clinic.org, Scope.READ)).get(
        f"/api/v1/checkin-requests/{body['id']}"
    )
    assert again.status_code == 200 and again.json()["link"] is None
    event = AuditEvent.objects.filter(object_type="checkins.CheckinRequest", action="create").get()
    # Under the admin who created the token, named with the token (issue 14, finding 1).
    assert event.source == "api" and event.actor == clinic.admin
    assert (
        event.actor_label.startswith("API token alk_") and clinic.admin.email in event.actor_label
    )


def test_outsider_cannot_create_a_link_for_our_session(clinic: Clinic) -> None:
    participant = client_participant(clinic)
    response = post_json(
        api_client(token_for(clinic.other_org)),
        "/api/v1/checkin-requests",
        {"session": clinic.session.pk, "participant": participant.pk},
    )
    assert response.status_code == 404


def test_bad_body_gets_422_with_the_field_named(clinic: Clinic) -> None:
    response = post_json(
        api_client(token_for(clinic.org)), "/api/v1/checkin-requests", {"session": "x\x00"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert any("session" in e["loc"] for e in body["errors"])
    unknown = post_json(
        api_client(token_for(clinic.org)),
        "/api/v1/checkin-requests",
        {
            "session": clinic.session.pk,
            "participant": client_participant(clinic).pk,
            "instruments": ["nope\x00"],
        },
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid"


def test_responses_come_with_scores_and_filter_by_date(clinic: Clinic) -> None:
    answered(clinic)
    http = api_client(token_for(clinic.org, Scope.READ))
    body = http.get("/api/v1/responses").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["scores"]["scales"]["alliance"] == pytest.approx(8.0)
    assert item["session_number"] == 1 and item["instrument_key"] == "alliance-checkin-client"
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert http.get(f"/api/v1/responses?since={tomorrow}").json()["count"] == 0
    assert http.get(f"/api/v1/responses?until={tomorrow}").json()["count"] == 1
    assert http.get("/api/v1/responses?since=yesterday").status_code == 422


def test_sessions_paginate(clinic: Clinic) -> None:
    for _ in range(4):
        make_session(clinic.episode)
    http = api_client(token_for(clinic.org, Scope.READ))
    page = http.get("/api/v1/sessions?page=2&page_size=2").json()
    assert page["count"] == 5
    assert [s["number"] for s in page["items"]] == [3, 4]
    assert http.get("/api/v1/sessions?page=0").status_code == 422


def test_alerts_are_listed_for_the_organization(clinic: Clinic) -> None:
    Alert.objects.create(
        organization=clinic.org,
        episode=clinic.episode,
        kind="risk",
        severity="risk",
        reason="PHQ-9 item 9 answered 2",
        fingerprint="risk:x",
    )
    http = api_client(token_for(clinic.org, Scope.READ))
    body = http.get("/api/v1/alerts?state=open").json()
    assert body["count"] == 1 and body["items"][0]["kind"] == "risk"
    assert api_client(token_for(clinic.other_org)).get("/api/v1/alerts").json()["count"] == 0


def test_reads_are_audited_with_source_api(clinic: Clinic) -> None:
    api_client(token_for(clinic.org, Scope.READ)).get(f"/api/v1/clients/{clinic.client.pk}")
    event = AuditEvent.objects.filter(action="view", object_type="care.Client").get()
    assert event.source == "api" and event.client_code == "C-0001"
    assert event.organization == clinic.org


def test_rate_limit_answers_429(clinic: Clinic, settings) -> None:
    settings.API_REQUESTS_PER_MINUTE = 3
    http = api_client(token_for(clinic.org, Scope.READ))
    codes = [http.get("/api/v1/clients").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = http.get("/api/v1/clients")
    assert limited.json()["code"] == "rate_limited" and int(limited["Retry-After"]) > 0


def test_nothing_due_is_409(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "open_measures", lambda session, participant: [])
    response = post_json(
        api_client(token_for(clinic.org)),
        "/api/v1/checkin-requests",
        {"session": clinic.session.pk, "participant": client_participant(clinic).pk},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert not CheckinRequest.objects.exists()


@pytest.mark.django_db
def test_every_error_has_the_same_shape_and_dates_are_iso_only(clinic) -> None:
    from django.test import Client as Anonymous

    anonymous = Anonymous().get("/api/v1/clients")
    http = api_client(token_for(clinic.org, Scope.READ))
    missing = http.get("/api/v1/clients/999999")
    not_a_date = http.get("/api/v1/clients?until=0")
    for response, status in ((anonymous, 401), (missing, 404), (not_a_date, 422)):
        assert response.status_code == status
        assert set(response.json()) == {"detail", "code", "errors"}
    assert not_a_date.json()["errors"][0]["loc"][-1] == "until"
    assert http.get("/api/v1/clients?until=2026-01-31").status_code == 200
