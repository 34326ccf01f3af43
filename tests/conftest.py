"""Named people for every test: one clinic with a therapist, a colleague, a supervisor, an admin
and a researcher, and an outsider in another clinic. Each view gets an "outsider sees 404" test.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from alliance.accounts.models import Membership, Organization, Role, Supervision, User
from alliance.care.models import (
    CareEpisode,
    Client,
    EpisodeFormat,
    ParticipantRole,
    Session,
    SessionStatus,
)

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Clinic:
    org: Organization
    other_org: Organization
    therapist: User
    colleague: User
    supervisor: User
    admin: User
    researcher: User
    outsider: User
    client: Client
    episode: CareEpisode
    session: Session
    outsider_client: Client
    outsider_episode: CareEpisode

    def login(self, who: str, *, recently_authenticated: bool = True) -> HttpClient:
        """A signed-in browser; by default as if the password was just typed, so sensitive
        actions (role changes, settings) do not ask for it again."""
        http = HttpClient()
        if who != "anonymous":
            http.force_login(getattr(self, who))
            if recently_authenticated:
                session = http.session
                session["account_authentication_methods"] = [
                    {"method": "password", "at": time.time(), "reauthenticated": True}
                ]
                session["account_authentication_methods_user"] = str(getattr(self, who).pk)
                session.save()
        return http


def make_user(email: str, org: Organization, *roles: str, first: str = "") -> User:
    user = User.objects.create_user(email, PASSWORD, first_name=first or email.split("@")[0])
    for role in roles:
        Membership.objects.create(user=user, organization=org, role=role)
    return user


def make_episode(
    org: Organization, therapist: User, clients: list[Client], fmt: str = EpisodeFormat.INDIVIDUAL
) -> CareEpisode:
    role = ParticipantRole.PARTNER if fmt == EpisodeFormat.COUPLE else ParticipantRole.CLIENT
    return CareEpisode.open_for(
        org,
        therapist=therapist,
        clients=clients,
        client_role=role,
        format=fmt,
        started_on=timezone.localdate() - dt.timedelta(weeks=4),
    )


def make_session(episode: CareEpisode, number: int | None = None, **fields: Any) -> Session:
    fields.setdefault("starts_at", timezone.now() - dt.timedelta(hours=1))
    fields.setdefault("status", SessionStatus.ATTENDED)
    return Session.objects.create(
        episode=episode, number=number or episode.next_session_number(), **fields
    )


@pytest.fixture(autouse=True)
def fresh_acting_context() -> Any:
    """Each test acts in its own audit context, as each request and command does."""
    from alliance.audit import context

    with context.acting(context.ActingContext(request_id=context.new_request_id(), source="cli")):
        yield


@pytest.fixture
def clinic(db: Any) -> Clinic:
    from django.core.cache import cache

    cache.clear()  # rate-limit counters live in the database cache; each test starts afresh
    org = Organization.objects.create(name="Northside Clinic", slug="northside")
    other = Organization.objects.create(name="Other Clinic", slug="other")
    therapist = make_user("tess@northside.test", org, Role.THERAPIST, first="Tess")
    colleague = make_user("colin@northside.test", org, Role.THERAPIST, first="Colin")
    supervisor = make_user("sam@northside.test", org, Role.SUPERVISOR, first="Sam")
    admin = make_user("ada@northside.test", org, Role.ADMIN, first="Ada")
    researcher = make_user("rita@northside.test", org, Role.RESEARCHER, first="Rita")
    outsider = make_user("otto@other.test", other, Role.THERAPIST, Role.ADMIN, first="Otto")
    Supervision.objects.create(organization=org, supervisor=supervisor, therapist=therapist)
    client = Client.objects.create(
        organization=org, code="C-0001", display_name="Alex", created_by=therapist
    )
    episode = make_episode(org, therapist, [client])
    session = make_session(episode)
    outsider_client = Client.objects.create(
        organization=other, code="X-0001", display_name="Xavi", created_by=outsider
    )
    outsider_episode = make_episode(other, outsider, [outsider_client])
    return Clinic(
        org,
        other,
        therapist,
        colleague,
        supervisor,
        admin,
        researcher,
        outsider,
        client,
        episode,
        session,
        outsider_client,
        outsider_episode,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox(settings: Any) -> Iterator[list[Any]]:
    """A real SMTP server on localhost (aiosmtpd); the list fills with what it receives, each
    message with its envelope recipients in X-RcptTo."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[Any] = []

    class Collect(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    port = free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    try:
        yield received
    finally:
        controller.stop()
