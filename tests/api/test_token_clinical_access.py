"""An API token reads no more than the admin who created it may read now (issue 14, finding 1).

The probe: an admin of an organization that keeps admins away from clinical data created a read
token on the Integrations page and read every client, response and FHIR Patient through it.
"""

from __future__ import annotations

import pytest

from alliance.accounts.models import Membership, Role
from alliance.api.models import ApiToken, Scope
from alliance.audit.models import AuditEvent
from tests.conftest import Clinic

from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db

CLINICAL = ("/api/v1/clients", "/api/v1/responses", "/fhir/Patient/client-{pk}")


def _setting(clinic: Clinic, on: bool) -> None:
    clinic.org.admins_see_clinical_data = on
    clinic.org.save(update_fields=["admins_see_clinical_data"])


def test_an_admin_without_clinical_access_cannot_create_a_token(clinic: Clinic) -> None:
    http = clinic.login("admin")
    page = http.get("/org/integrations/")
    assert b"no token can be created" in page.content
    response = http.post("/org/integrations/", {"token-name": "Mine", "token-scope": "read"})
    assert response.status_code == 403
    assert b"alk_" not in response.content
    assert not ApiToken.objects.exists()


def test_creating_a_token_asks_for_the_password_again(clinic: Clinic) -> None:
    _setting(clinic, True)
    http = clinic.login("admin", recently_authenticated=False)
    response = http.post("/org/integrations/", {"token-name": "Mine", "token-scope": "read"})
    assert response.status_code == 302 and "/reauthenticate/" in response["Location"]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("scope", [Scope.READ, Scope.WRITE])
def test_turning_the_setting_off_suspends_the_admins_token(clinic: Clinic, scope: str) -> None:
    raw = token_for(clinic.org, scope, by=clinic.admin)
    http = api_client(raw)
    assert http.get("/api/v1/clients").status_code == 200
    _setting(clinic, False)
    for path in CLINICAL:
        response = http.get(path.format(pk=clinic.client.pk))
        assert response.status_code == 403, path
        assert "suspended" in response.content.decode()
        assert clinic.client.code.encode() not in response.content
    _setting(clinic, True)
    assert http.get("/api/v1/clients").status_code == 200


def test_a_token_stops_when_its_creator_is_no_longer_admin(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org, Scope.READ, by=clinic.admin))
    Membership.objects.filter(user=clinic.admin, organization=clinic.org, role=Role.ADMIN).delete()
    response = http.get("/api/v1/clients")
    assert response.status_code == 403
    assert "no longer an admin" in response.json()["detail"]


def test_token_reads_are_audited_with_the_token_and_its_creator(clinic: Clinic) -> None:
    http = api_client(token_for(clinic.org, Scope.READ, by=clinic.admin))
    assert http.get(f"/api/v1/clients/{clinic.client.pk}").status_code == 200
    event = AuditEvent.objects.get(action="view", object_type="care.Client")
    token = ApiToken.objects.get()
    assert event.source == "api" and event.actor == clinic.admin
    assert token.prefix in event.actor_label and clinic.admin.email in event.actor_label
