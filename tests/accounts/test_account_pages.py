"""allauth's account pages in the product's layout and words, and a re-authentication page that
says what is being confirmed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.test_two_factor import current_code, open_totp_setup, sign_in
from tests.conftest import PASSWORD, Clinic

MANAGE_PAGES = [
    ("account_email", "Email addresses"),
    ("account_change_password", "Change your password"),
    ("mfa_index", "Two-factor sign-in"),
]


@pytest.mark.parametrize(("name", "heading"), MANAGE_PAGES)
def test_account_pages_use_the_products_layout_and_words(clinic: Clinic, name, heading):
    page = clinic.login("therapist").get(reverse(name)).content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert 'class="account-page"' in page and 'class="account-nav"' in page
    assert 'aria-current="page"' in page.split('class="account-nav"')[1].split("</nav>")[0]
    body = page.split('class="account-body"')[1]
    assert "<form" not in body or 'class="account-form"' in body  # allauth forms, our style


def test_password_reset_pages_read_like_the_product(clinic: Clinic):
    http = clinic.login("anonymous")
    page = http.get(reverse("account_reset_password")).content.decode()
    assert "<h1>Reset your password</h1>" in page and 'class="account-form"' in page
    assert '<div class="field' in page and "Send the link" in page
    done = http.post(reverse("account_reset_password"), {"email": "nobody@nowhere.test"})
    assert done.status_code == 302
    assert "<h1>Check your email</h1>" in http.get(done["Location"]).content.decode()
    bad = http.get("/accounts/password/reset/key/1-bad-token/", follow=True).content.decode()
    assert "This link no longer works" in bad


def test_a_wrong_password_is_shown_beside_the_field(clinic: Clinic):
    http = clinic.login("therapist")
    response = http.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "a-new-passphrase-1", "password2": "x"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<div class="field has-error">' in page and 'class="error" role="alert"' in page


def test_two_factor_setup_and_recovery_codes_read_like_the_product(clinic: Clinic):
    http = sign_in("tess@northside.test")
    open_totp_setup(http)
    response = http.get(reverse("mfa_activate_totp"))
    secret, setup = str(response.context["form"].secret), response.content.decode()
    assert "<h1>Turn on two-factor</h1>" in setup and 'class="qr"' in setup
    assert f'<code class="secret" id="authenticator_secret">{secret}</code>' in setup
    http.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    index = http.get(reverse("mfa_index")).content.decode()
    assert "Turn off two-factor" in index and "codes left" in index
    codes = http.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert "<h1>Recovery codes</h1>" in codes and codes.count("<li><code>") >= 8
    generate = http.get(reverse("mfa_generate_recovery_codes")).content.decode()
    assert "<h1>Make new recovery codes</h1>" in generate and "stop working" in generate
    off = http.get(reverse("mfa_deactivate_totp")).content.decode()
    assert "<h1>Turn off two-factor</h1>" in off and "Keep it on" in off


@pytest.mark.parametrize(
    ("who", "path", "sent", "purpose"),
    [
        ("therapist", "/clients/{client}/export/", None, "download everything about this client"),
        (
            "admin",
            "/org/integrations/",
            {"token-name": "EHR", "token-scope": "read"},
            "create an API token",
        ),
        (
            "admin",
            "/org/members/",
            {"email": "new@northside.test", "role": "therapist"},
            "add a member",
        ),
        ("admin", "/org/settings/", {"name": "Northside"}, "change the clinic&#x27;s settings"),
        ("therapist", "/clients/{client}/erase/", {"confirm": "x"}, "erase this client"),
    ],
)
def test_re_authentication_says_what_is_being_confirmed(clinic: Clinic, who, path, sent, purpose):
    http = clinic.login(who, recently_authenticated=False)
    path = path.format(client=clinic.client.pk)
    asked = http.post(path, sent) if sent is not None else http.get(path)
    assert asked.status_code == 302 and "/reauthenticate/" in asked["Location"], asked
    page = http.get(asked["Location"]).content.decode()
    assert "<h1>Confirm it's you</h1>" in page
    assert f'Confirm your password to <strong class="nowrap">{purpose}</strong>.' in page
    wrong = http.post(asked["Location"], {"password": "wrong"}).content.decode()
    assert purpose in wrong and 'class="error" role="alert"' in wrong  # still says why


def test_turning_off_two_factor_asks_with_a_code_and_says_why(clinic: Clinic):
    http = sign_in("tess@northside.test")
    secret = open_totp_setup(http)
    http.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    session = http.session
    session["account_authentication_methods"] = []
    session.save()
    asked = http.get(reverse("mfa_deactivate_totp"))
    assert asked.status_code == 302
    page = http.get(asked["Location"]).content.decode()
    assert "turn off two-factor</strong>." in page
    assert PASSWORD  # the password route is offered among the other ways


def test_two_factor_can_be_turned_on_after_opening_the_email_page(clinic: Clinic):
    """Opening the email page lists the sign-in address as unverified (there is no email
    verification in this product); that must not block two-factor."""
    http = sign_in("tess@northside.test")
    assert http.get(reverse("account_email")).status_code == 200
    secret = open_totp_setup(http)
    turned_on = http.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert turned_on.status_code == 302
    assert "Signing in asks for a code" in http.get(reverse("mfa_index")).content.decode()
