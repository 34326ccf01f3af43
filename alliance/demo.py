"""The demo clinic: synthetic people only, so anyone can try Alliance without real data."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from alliance.accounts.models import Membership, Organization, Role, Supervision, User
from alliance.audit import context
from alliance.care.models import (
    CareEpisode,
    Client,
    EpisodeFormat,
    ParticipantRole,
    Session,
    SessionStatus,
)

DEMO_PASSWORD = "alliance-demo-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_SLUG = "northside-demo"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    organization: str = DEMO_SLUG


PEOPLE = [
    DemoPerson("admin@northside.example.org", "Ada", "Admin", (Role.ADMIN,)),
    DemoPerson("tess@northside.example.org", "Tess", "Therapist", (Role.THERAPIST,)),
    DemoPerson("colin@northside.example.org", "Colin", "Colleague", (Role.THERAPIST,)),
    DemoPerson("sam@northside.example.org", "Sam", "Supervisor", (Role.SUPERVISOR, Role.THERAPIST)),
    DemoPerson("rita@northside.example.org", "Rita", "Researcher", (Role.RESEARCHER,)),
    DemoPerson(
        "otto@elsewhere.example.org",
        "Otto",
        "Outsider",
        (Role.THERAPIST,),
        organization="elsewhere-demo",
    ),
]
FIRST_NAMES = [
    "Alex",
    "Bo",
    "Charlie",
    "Dana",
    "Eli",
    "Frankie",
    "Gale",
    "Harper",
    "Indy",
    "Jules",
    "Kit",
    "Lee",
    "Morgan",
    "Noor",
    "Oak",
    "Pat",
    "Quinn",
    "Robin",
    "Sky",
    "Teo",
]


def demo_exists() -> bool:
    return Organization.objects.filter(slug=DEMO_SLUG).exists()


@transaction.atomic
def load_demo(seed: int = 7, clients_per_therapist: int = 8) -> dict[str, User]:
    """Create the demo clinic, its people, clients, episodes and sessions; return the people."""
    rng = random.Random(seed)
    with context.acting(context.ActingContext(request_id="demo-load", source="cli")):
        organizations = {
            DEMO_SLUG: Organization.objects.create(
                name="Northside Therapy Centre (demo)", slug=DEMO_SLUG
            ),
            "elsewhere-demo": Organization.objects.create(
                name="Elsewhere Counselling (demo)", slug="elsewhere-demo"
            ),
        }
        people = {p.first_name.lower(): _create_person(p, organizations) for p in PEOPLE}
        Supervision.objects.create(
            organization=organizations[DEMO_SLUG],
            supervisor=people["sam"],
            therapist=people["tess"],
        )
        names = iter(rng.sample(FIRST_NAMES, len(FIRST_NAMES)) * 10)
        counter = iter(range(1, 10_000))
        for key in ("tess", "colin", "otto"):
            org = organizations["elsewhere-demo" if key == "otto" else DEMO_SLUG]
            for _ in range(clients_per_therapist):
                client = _client(org, next(counter), next(names), people[key])
                _episode(org, people[key], [client], EpisodeFormat.INDIVIDUAL, rng)
        couple = [
            _client(organizations[DEMO_SLUG], next(counter), next(names), people["tess"])
            for _ in range(2)
        ]
        _episode(
            organizations[DEMO_SLUG],
            people["tess"],
            couple,
            EpisodeFormat.COUPLE,
            rng,
            title="Couple work",
        )
    return people


def _create_person(person: DemoPerson, organizations: dict[str, Organization]) -> User:
    user = User.objects.create_user(
        person.email, DEMO_PASSWORD, first_name=person.first_name, last_name=person.last_name
    )
    for role in person.roles:
        Membership.objects.create(
            user=user, organization=organizations[person.organization], role=role
        )
    return user


def _client(org: Organization, number: int, name: str, therapist: User) -> Client:
    return Client.objects.create(
        organization=org,
        code=f"DEMO-{number:04d}",
        display_name=f"{name} (demo)",
        created_by=therapist,
    )


def _episode(
    org: Organization,
    therapist: User,
    clients: list[Client],
    fmt: str,
    rng: random.Random,
    title: str = "",
) -> CareEpisode:
    weeks = rng.randint(4, 20)
    started = timezone.localdate() - dt.timedelta(weeks=weeks)
    role = ParticipantRole.PARTNER if fmt == EpisodeFormat.COUPLE else ParticipantRole.CLIENT
    episode = CareEpisode.open_for(
        org,
        therapist=therapist,
        clients=clients,
        client_role=role,
        format=fmt,
        title=title,
        started_on=started,
    )
    first = timezone.make_aware(dt.datetime.combine(started, dt.time(10 + rng.randint(0, 6))))
    for number in range(1, weeks + 2):
        starts = first + dt.timedelta(weeks=number - 1)
        past = starts < timezone.now()
        status = SessionStatus.ATTENDED if past else SessionStatus.SCHEDULED
        if past and rng.random() < 0.05:
            status = SessionStatus.NO_SHOW
        Session.objects.create(episode=episode, number=number, starts_at=starts, status=status)
    return episode
