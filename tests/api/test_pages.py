"""The admin's Integrations pages: tokens shown once and stored hashed, revoke, webhooks."""

from __future__ import annotations

import hashlib
import re

import pytest

from alliance.api.models import ApiToken, WebhookEndpoint
from alliance.audit.models import AuditEvent
from tests.conftest import Clinic

pytestmark = pytest.mark.django_db


def allow_clinical_reads(clinic: Clinic) -> None:
    clinic.org.admins_see_clinical_data = True
    clinic.org.save()


def test_admin_creates_a_token_shown_once_and_stored_hashed(clinic: Clinic) -> None:
    allow_clinical_reads(clinic)
    http = clinic.login("admin")
    page = http.post("/org/integrations/", {"token-name": "Record system", "token-scope": "read"})
    assert page.status_code == 200
    raw = re.search(r'value="(alk_[A-Za-z0-9_-]+)"', page.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in http.get("/org/integrations/").content.decode()
    event = AuditEvent.objects.get(object_type="api.ApiToken", action="create")
    assert "token_hash" not in event.after


def test_blank_name_shows_the_error_beside_the_field(clinic: Clinic) -> None:
    allow_clinical_reads(clinic)
    page = clinic.login("admin").post(
        "/org/integrations/", {"token-name": " \x00", "token-scope": "write"}
    )
    assert page.status_code == 400
    assert b'class="error"' in page.content and not ApiToken.objects.exists()


def test_admin_revokes_a_token(clinic: Clinic) -> None:
    token, _raw = ApiToken.issue(clinic.org, name="x", scope="read", by=clinic.admin)
    assert (
        clinic.login("admin").post(f"/org/integrations/tokens/{token.pk}/revoke/").status_code
        == 302
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_outsider_gets_404_for_our_token(clinic: Clinic) -> None:
    token, _raw = ApiToken.issue(clinic.org, name="x", scope="read", by=clinic.admin)
    response = clinic.login("outsider").post(f"/org/integrations/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("who", ["supervisor", "therapist", "researcher"])
def test_non_admins_get_403(clinic: Clinic, who: str) -> None:
    http = clinic.login(who)
    assert http.get("/org/integrations/").status_code == 403
    assert (
        http.post("/org/integrations/", {"token-name": "x", "token-scope": "write"}).status_code
        == 403
    )
    assert (
        http.post("/org/integrations/webhooks/", {"hook-url": "https://x.example"}).status_code
        == 403
    )
    assert not ApiToken.objects.exists() and not WebhookEndpoint.objects.exists()


def test_webhook_needs_https_and_keeps_what_was_typed(clinic: Clinic) -> None:
    http = clinic.login("admin")
    page = http.post(
        "/org/integrations/webhooks/",
        {"hook-url": "http://records.example/hook", "hook-description": "EHR"},
    )
    assert page.status_code == 400
    assert "must start with https://" in page.content.decode()
    assert 'value="http://records.example/hook"' in page.content.decode()
    ok = http.post("/org/integrations/webhooks/", {"hook-url": "https://records.example/hook"})
    assert ok.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in ok.content.decode() and len(endpoint.secret) == 64
    event = AuditEvent.objects.get(object_type="api.WebhookEndpoint")
    assert "secret" not in event.after


def test_outsider_cannot_pause_our_webhook(clinic: Clinic) -> None:
    endpoint = WebhookEndpoint.objects.create(
        organization=clinic.org, url="https://records.example/hook", secret="s" * 64
    )
    assert (
        clinic.login("outsider")
        .post(f"/org/integrations/webhooks/{endpoint.pk}/toggle/")
        .status_code
        == 404
    )
    assert (
        clinic.login("supervisor")
        .post(f"/org/integrations/webhooks/{endpoint.pk}/toggle/")
        .status_code
        == 403
    )
    assert (
        clinic.login("admin").post(f"/org/integrations/webhooks/{endpoint.pk}/toggle/").status_code
        == 302
    )
    endpoint.refresh_from_db()
    assert endpoint.active is False
