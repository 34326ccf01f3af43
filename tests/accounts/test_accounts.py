"""Organizations, roles, supervision links, two-factor and the organization switch."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.urls import reverse

from alliance.accounts.models import (
    Invitation,
    Membership,
    Organization,
    Role,
    Supervision,
    User,
)
from alliance.audit.models import AuditEvent
from tests.conftest import PASSWORD, Clinic


def test_sign_in_with_email_and_password_is_audited(clinic: Clinic) -> None:
    from django.test import Client as HttpClient

    http = HttpClient()
    response = http.post(
        reverse("account_login"), {"login": "tess@northside.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "My caseload" in http.get("/").content.decode()
    assert AuditEvent.objects.filter(action="login", actor=clinic.therapist).exists()


def test_wrong_password_is_refused_and_audited_without_the_password(clinic: Clinic) -> None:
    from django.test import Client as HttpClient

    response = HttpClient().post(
        reverse("account_login"), {"login": "tess@northside.test", "password": "wrong-one"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    event = AuditEvent.objects.get(action="login_failed")
    assert event.object_label == "tess@northside.test"
    assert "wrong-one" not in str(event.before) + str(event.after) + event.object_label


def test_repeated_failures_are_rate_limited(clinic: Clinic) -> None:
    from django.test import Client as HttpClient

    http = HttpClient()
    for _ in range(6):
        response = http.post(
            reverse("account_login"), {"login": "tess@northside.test", "password": "wrong-one"}
        )
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()


def test_an_account_under_attack_is_locked_even_for_the_right_password(clinic: Clinic) -> None:
    """Lockout is per account as well as per address: after five failures from one address,
    the right password from another address is refused too until the window has passed."""
    from django.test import Client as HttpClient

    from tests.conftest import PASSWORD

    attacker = HttpClient(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        attacker.post(
            reverse("account_login"), {"login": "tess@northside.test", "password": "guess"}
        )
    owner = HttpClient(REMOTE_ADDR="198.51.100.7")
    response = owner.post(
        reverse("account_login"), {"login": "tess@northside.test", "password": PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in owner.session
    # Another account is not affected.
    other = owner.post(
        reverse("account_login"), {"login": "colin@northside.test", "password": PASSWORD}
    )
    assert other.status_code == 302


def test_passwords_are_hashed_with_argon2_in_production_settings() -> None:
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='alliance.settings';"
        "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"ALLIANCE_ENV": "development", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert out.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_signup_is_closed(clinic: Clinic) -> None:
    from django.test import Client as HttpClient

    response = HttpClient().post(
        reverse("account_signup"),
        {"email": "new@x.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not User.objects.filter(email="new@x.test").exists()
    assert response.status_code in (200, 302, 403)


def test_admin_adds_a_new_member_with_a_role(clinic: Clinic) -> None:
    http = clinic.login("admin")
    response = http.post(
        reverse("accounts:members"),
        {
            "email": "Nina@Northside.test",
            "first_name": "Nina",
            "last_name": "New",
            "role": "therapist",
            "password": "a-long-temporary-pass",
        },
    )
    assert response.status_code == 302
    nina = User.objects.get(email="nina@northside.test")
    assert nina.check_password("a-long-temporary-pass")
    assert Membership.objects.filter(user=nina, organization=clinic.org, role="therapist").exists()
    assert AuditEvent.objects.filter(action="create", object_type="accounts.Membership").exists()


def test_add_member_errors_stay_beside_the_field(clinic: Clinic) -> None:
    http = clinic.login("admin")
    response = http.post(
        reverse("accounts:members"),
        {
            "email": "nina@northside.test",
            "first_name": "Nina",
            "role": "therapist",
            "password": "short",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "too short" in page and 'value="Nina"' in page


def test_existing_person_joins_a_second_organization_and_switches(clinic: Clinic) -> None:
    http = clinic.login("outsider")
    http.post(
        reverse("accounts:members"),
        {
            "email": "tess@northside.test",
            "first_name": "Tess",
            "role": "therapist",
            "password": "any-long-password",
        },
    )
    # Nothing changes for Tess until she accepts.
    assert not Membership.objects.filter(
        user=clinic.therapist, organization=clinic.other_org
    ).exists()
    tess = clinic.login("therapist")
    page = tess.get("/").content.decode()
    assert "Alex" in page and "invited you to join Other Clinic" in page
    invitation = Invitation.objects.get()
    tess.post(reverse("accounts:answer_invitation", args=[invitation.pk, "accept"]))
    assert Membership.objects.filter(user=clinic.therapist, organization=clinic.other_org).exists()
    tess.post(reverse("accounts:switch"), {"organization": clinic.org.pk})
    response = tess.post(reverse("accounts:switch"), {"organization": clinic.other_org.pk})
    assert response.status_code == 302
    page = tess.get("/").content.decode()
    assert "Other Clinic" in page and "Alex" not in page
    assert tess.get(reverse("care:client", args=[clinic.client.pk])).status_code == 404


def test_cannot_switch_to_an_organization_you_do_not_belong_to(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    assert (
        http.post(reverse("accounts:switch"), {"organization": clinic.other_org.pk}).status_code
        == 404
    )
    assert http.post(reverse("accounts:switch"), {"organization": "x"}).status_code == 404


def test_only_admins_manage_members(clinic: Clinic) -> None:
    for who in ("therapist", "supervisor", "researcher"):
        http = clinic.login(who)
        assert http.get(reverse("accounts:members")).status_code == 403, who
        assert http.get(reverse("accounts:settings")).status_code == 403, who
        assert http.get(reverse("audit:list")).status_code == 403, who


def test_admin_cannot_touch_another_organizations_people(clinic: Clinic) -> None:
    http = clinic.login("outsider")  # admin of the other clinic
    tess_membership = Membership.objects.get(user=clinic.therapist)
    assert http.post(reverse("accounts:remove_role", args=[tess_membership.pk])).status_code == 404
    assert (
        http.post(
            reverse("accounts:add_role", args=[clinic.therapist.pk]), {"role": "admin"}
        ).status_code
        == 404
    )
    link = Supervision.objects.get()
    assert http.post(reverse("accounts:remove_supervision", args=[link.pk])).status_code == 404
    assert Membership.objects.filter(pk=tess_membership.pk).exists()


def test_last_admin_cannot_be_removed(clinic: Clinic) -> None:
    http = clinic.login("admin")
    membership = Membership.objects.get(user=clinic.admin, role=Role.ADMIN)
    http.post(reverse("accounts:remove_role", args=[membership.pk]))
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_links_supervisor_and_therapist(clinic: Clinic) -> None:
    http = clinic.login("admin")
    Membership.objects.create(user=clinic.colleague, organization=clinic.org, role=Role.SUPERVISOR)
    http.post(
        reverse("accounts:add_supervision"),
        {"supervisor": clinic.colleague.pk, "therapist": clinic.therapist.pk},
    )
    assert Supervision.objects.filter(
        supervisor=clinic.colleague, therapist=clinic.therapist
    ).exists()
    # The new supervisor can now read Tess's episode, read-only.
    assert clinic.login("colleague").get(f"/episodes/{clinic.episode.pk}/").status_code == 200


def test_self_supervision_is_refused(clinic: Clinic) -> None:
    Membership.objects.create(user=clinic.therapist, organization=clinic.org, role=Role.SUPERVISOR)
    clinic.login("admin").post(
        reverse("accounts:add_supervision"),
        {"supervisor": clinic.therapist.pk, "therapist": clinic.therapist.pk},
    )
    assert not Supervision.objects.filter(supervisor=clinic.therapist).exists()


def test_settings_validation_and_two_factor_requirement(clinic: Clinic) -> None:
    http = clinic.login("admin")
    bad = http.post(
        reverse("accounts:settings"),
        {"name": "Northside Clinic", "checkin_link_hours": "0", "date_style": "dmy"},
    )
    assert bad.status_code == 400 and "between 1 hour and 30 days" in bad.content.decode()
    http.post(
        reverse("accounts:settings"),
        {
            "name": "Northside Clinic",
            "require_two_factor": "on",
            "checkin_link_hours": "48",
            "date_style": "dmy",
        },
    )
    org = Organization.objects.get(pk=clinic.org.pk)
    assert org.require_two_factor and org.checkin_link_hours == 48
    tess = clinic.login("therapist")
    response = tess.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    # The set-up page itself is reachable (after allauth's re-authentication step).
    setup = tess.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200 or setup["Location"].startswith("/accounts/reauthenticate/")
    assert tess.get(
        setup["Location"] if setup.status_code == 302 else "/accounts/"
    ).status_code in (200, 302)
    Authenticator.objects.create(user=clinic.therapist, type=Authenticator.Type.TOTP, data={})
    assert tess.get("/").status_code == 200
    # The other clinic does not require it.
    assert clinic.login("outsider").get("/").status_code == 200


def test_role_changes_ask_for_the_password_again(clinic: Clinic) -> None:
    http = clinic.login("admin", recently_authenticated=False)
    response = http.post(
        reverse("accounts:add_role", args=[clinic.therapist.pk]), {"role": "admin"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not Membership.objects.filter(user=clinic.therapist, role="admin").exists()
    # Typing the password resumes the suspended request.
    http.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert Membership.objects.filter(user=clinic.therapist, role="admin").exists()


def test_an_admin_cannot_learn_whether_an_address_has_an_account(clinic: Clinic) -> None:
    http = clinic.login("outsider")
    known = http.post(
        reverse("accounts:members"),
        {"email": "tess@northside.test", "first_name": "T", "role": "therapist"},
    )
    unknown = http.post(
        reverse("accounts:members"),
        {"email": "nobody@x.test", "first_name": "T", "role": "therapist"},
    )
    assert known.status_code == unknown.status_code == 400
    assert "Give a temporary password." in known.content.decode()
    assert "Give a temporary password." in unknown.content.decode()
    assert "Tess" not in clinic.login("outsider").get(reverse("accounts:members")).content.decode()
