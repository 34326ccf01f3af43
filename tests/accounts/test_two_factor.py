"""Two-factor sign-in end to end: turn on TOTP, get recovery codes, sign in with a code."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client as HttpClient
from django.urls import reverse

from tests.conftest import PASSWORD, Clinic


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def sign_in(email: str) -> HttpClient:
    http = HttpClient()
    http.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    return http


def open_totp_setup(http: HttpClient) -> str:
    """allauth asks for the password again before security settings change."""
    page = http.get(reverse("mfa_activate_totp"))
    if page.status_code == 302:
        assert page["Location"].startswith(reverse("account_reauthenticate"))
        http.post(page["Location"], {"password": PASSWORD})
        page = http.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    return str(page.context["form"].secret)


def test_turn_on_totp_then_sign_in_needs_the_code(clinic: Clinic) -> None:
    http = sign_in("tess@northside.test")
    secret = open_totp_setup(http)
    response = http.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=clinic.therapist, type="totp").exists()
    codes = http.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200 and len(codes.context["unused_codes"]) >= 8

    fresh = HttpClient()
    step = fresh.post(
        reverse("account_login"), {"login": "tess@northside.test", "password": PASSWORD}
    )
    assert step.status_code == 302 and step["Location"] == reverse("mfa_authenticate")
    assert fresh.get("/").status_code == 302  # not signed in until the second factor
    wrong = fresh.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    fresh.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert "My caseload" in fresh.get("/").content.decode()


def test_required_two_factor_lets_a_member_set_it_up(clinic: Clinic) -> None:
    clinic.org.require_two_factor = True
    clinic.org.save()
    http = sign_in("tess@northside.test")
    assert http.get("/")["Location"] == reverse("mfa_activate_totp")
    secret = open_totp_setup(http)
    http.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert http.get("/").status_code == 200


def test_operator_admin_login_goes_through_allauth(clinic: Clinic) -> None:
    clinic.therapist.is_staff = True
    clinic.therapist.save()
    http = HttpClient()
    response = http.post(
        "/operator/login/", {"username": "tess@northside.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert http.get(f"/clients/{clinic.client.pk}/").status_code == 302  # still signed out
