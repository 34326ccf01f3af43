"""Password guessing is slowed per address and per account, but knowing a therapist's email no
longer locks them out (issue 14, finding 7): the owner with a second factor signs in during an
attack, and is told by email that someone is guessing."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from alliance.accounts import lockout
from tests.conftest import PASSWORD, Clinic

from .test_two_factor import current_code

EMAIL = "tess@northside.test"


def attempt(address: str, password: str, email: str = EMAIL) -> HttpClient:
    http = HttpClient(REMOTE_ADDR=address)
    http.response = http.post(reverse("account_login"), {"login": email, "password": password})
    return http


def distributed_attack(guesses: int = 8) -> None:
    """Two guesses from each of many addresses: under every per-address limit."""
    for n in range(guesses):
        attempt(f"203.0.113.{n // 2 + 1}", f"guess-{n}")


def test_the_pause_grows_with_each_failure_and_has_a_ceiling() -> None:
    delays = [lockout.AccountFailures(count=n).delay_seconds() for n in range(1, 30)]
    assert delays[:4] == [0, 0, 0, 0]  # four free mistakes
    assert delays[4:8] == [1, 2, 4, 8]
    assert max(delays) == lockout.MAX_DELAY_SECONDS
    assert delays == sorted(delays)


def test_one_address_is_stopped_after_five_failures(clinic: Clinic) -> None:
    for n in range(5):
        attempt("203.0.113.50", f"guess-{n}", email=f"nobody{n}@northside.test")
    blocked = attempt("203.0.113.50", PASSWORD)
    assert "Too many failed login attempts" in blocked.response.content.decode()
    assert "_auth_user_id" not in blocked.session


def test_a_distributed_attack_pauses_a_password_alone(clinic: Clinic) -> None:
    distributed_attack()
    owner = attempt("198.51.100.7", PASSWORD)
    assert "Too many failed login attempts" in owner.response.content.decode()
    assert "_auth_user_id" not in owner.session
    # Another account is not affected.
    other = attempt("198.51.100.7", PASSWORD, email="colin@northside.test")
    assert other.response.status_code == 302 and "_auth_user_id" in other.session


def test_the_owner_with_a_second_factor_signs_in_during_the_attack(clinic: Clinic) -> None:
    secret = TOTP.activate(clinic.therapist, "JBSWY3DPEHPK3PXP").instance.data["secret"]
    distributed_attack()
    owner = attempt("198.51.100.7", PASSWORD)
    assert owner.response.status_code == 302
    assert owner.response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in owner.session  # not yet: the code decides
    owner.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert "_auth_user_id" in owner.session
    assert lockout.failures(EMAIL).count == 0  # a full sign-in ends the pause
    # The guesser with a wrong password is still refused, and still needs the code if right.
    guesser = attempt("192.0.2.99", "still-guessing")
    assert "_auth_user_id" not in guesser.session
    assert Authenticator.objects.filter(user=clinic.therapist).exists()


def test_the_owner_is_told_once(clinic: Clinic) -> None:
    distributed_attack(12)
    to_owner = [m for m in mail.outbox if m.to == [EMAIL]]
    assert len(to_owner) == 1
    assert "Several wrong passwords" in to_owner[0].body
    assert "guess-" not in to_owner[0].body


def test_guessing_an_unknown_address_mails_nobody(clinic: Clinic) -> None:
    for n in range(8):
        attempt(f"203.0.113.{n + 1}", "x", email="nobody@northside.test")
    assert mail.outbox == []
