"""The demo clinic: synthetic people only, so anyone can try Alliance without real data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alliance.accounts.models import (
    CrisisInformation,
    Membership,
    Organization,
    Role,
    Supervision,
    User,
)
from alliance.audit import context
from alliance.care.models import CareEpisode, Client, Participant, ParticipantRole, Session
from alliance.checkins import services as checkins
from alliance.checkins.models import PULSE_KEY, ContactPreferences, SendingSettings
from alliance.goals import services as goals
from alliance.goals.models import Goal
from alliance.growth.models import (
    AttributeDefinition,
    ClientAttribute,
    PracticePeriod,
    SupervisionNote,
)
from alliance.insights import services as insights
from alliance.insights.models import Alert, AlertState
from alliance.measures.models import current_instrument
from alliance.synthetic import database, histories

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
    DemoPerson("ada@northside.example.org", "Ada", "Admin", (Role.ADMIN,)),
    DemoPerson("tess@northside.example.org", "Tess", "Therapist", (Role.THERAPIST,)),
    DemoPerson("colin@northside.example.org", "Colin", "Colleague", (Role.THERAPIST,)),
    DemoPerson("sam@northside.example.org", "Sam", "Supervisor", (Role.SUPERVISOR, Role.THERAPIST)),
    DemoPerson("rita@northside.example.org", "Rita", "Researcher", (Role.RESEARCHER,)),
    # Takes part in one of Tess's episodes as its interpreter (a participant role, not a login
    # role): she sees that episode and rates the session from her side.
    DemoPerson("ines@northside.example.org", "Ines", "Interpreter", (Role.THERAPIST,)),
    DemoPerson(
        "otto@elsewhere.example.org",
        "Otto",
        "Outsider",
        (Role.THERAPIST,),
        organization="elsewhere-demo",
    ),
]


def demo_exists() -> bool:
    return Organization.objects.filter(slug=DEMO_SLUG).exists()


@transaction.atomic
def load_demo() -> dict[str, User]:
    """Create the demo clinic, its people and synthetic histories; return the people."""
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
        _load_histories(organizations, people)
        _example_crisis_information(organizations[DEMO_SLUG])
    return people


# Example wording for a clinic in England (the demo's time zone is Europe/London), marked as an
# example on the admin's page and the client's until the clinic saves its own. The numbers are
# real services (sources in docs/checkins.md); a clinic elsewhere must replace them.
EXAMPLE_CRISIS = {
    "en": (
        "If you or someone else is in danger now, call 999 or go to the nearest emergency "
        "department (A&E).",
        "Emergency: 999\nSamaritans (any time, free): 116 123\n"
        "NHS 111 (urgent mental health help: choose the mental health option): 111",
    ),
    "de": (
        "Wenn Sie oder jemand anderes jetzt in Gefahr sind, rufen Sie 999 an oder gehen Sie in "
        "die nächste Notaufnahme.",
        "Notruf: 999\nSamaritans (rund um die Uhr, kostenlos, auf Englisch): 116 123\n"
        "NHS 111 (dringende Hilfe in seelischen Krisen: die Option für psychische Gesundheit "
        "wählen): 111",
    ),
    "es": (
        "Si usted u otra persona está en peligro ahora, llame al 999 o vaya al servicio de "
        "urgencias más cercano.",
        "Emergencias: 999\nSamaritans (a cualquier hora, gratis, en inglés): 116 123\n"
        "NHS 111 (ayuda urgente en salud mental: elija la opción de salud mental): 111",
    ),
    "fr": (
        "Si vous ou quelqu'un d'autre êtes en danger maintenant, appelez le 999 ou allez aux "
        "urgences les plus proches.",
        "Urgences: 999\nSamaritans (à toute heure, gratuit, en anglais): 116 123\n"
        "NHS 111 (aide urgente en santé mentale : choisir l'option santé mentale): 111",
    ),
}


def _example_crisis_information(organization: Organization) -> None:
    CrisisInformation.objects.bulk_create(
        CrisisInformation(
            organization=organization,
            language=language,
            emergency=emergency,
            services=services,
            is_example=True,
        )
        for language, (emergency, services) in EXAMPLE_CRISIS.items()
    )


def _create_person(person: DemoPerson, organizations: dict[str, Organization]) -> User:
    user = User.objects.create_user(
        person.email, DEMO_PASSWORD, first_name=person.first_name, last_name=person.last_name
    )
    for role in person.roles:
        Membership.objects.create(
            user=user, organization=organizations[person.organization], role=role
        )
    return user


def _load_histories(organizations: dict[str, Organization], people: dict[str, User]) -> None:
    """Synthetic histories for each therapist, then the alerts the rules raise on them."""
    plan = [
        ("tess", DEMO_SLUG, 14, 11),
        ("colin", DEMO_SLUG, 6, 12),
        ("otto", "elsewhere-demo", 4, 13),
    ]
    for key, slug, count, seed in plan:
        # One risk answer and a couple appear in Tess's caseload, whatever the seed does.
        mix = histories.Mix(risk_every=count, couple=0.15)
        episodes = histories.generate(count, seed=seed, sessions=(6, 20), mix=mix)
        database.load(
            organizations[slug],
            database.Staff(therapist=people[key]),
            episodes,
            code_prefix=f"DEMO-{key[0].upper()}",
        )
    for organization in organizations.values():
        insights.recompute_organization(organization)
    _settle_old_alerts()
    _agree_goals(people["tess"])
    _growth(organizations[DEMO_SLUG], people)
    _tell_the_tour(people)
    _a_session_today_that_sends_itself(organizations[DEMO_SLUG], people["tess"])


def _tell_the_tour(people: dict[str, User]) -> None:
    """What the README's tour shows on Tess's caseload: next sessions on different days and
    times, two check-ins due, two goal reviews due, a named group and an interpreted episode."""
    tess = people["tess"]
    episodes = list(
        CareEpisode.objects.filter(participants__user=tess, status="open").order_by("pk")
    )
    today = timezone.localdate()
    for i, episode in enumerate(episodes):
        upcoming = episode.sessions.filter(status="scheduled", starts_at__gt=timezone.now())
        day = today + dt.timedelta(days=1 + (i * 3) % 9)
        hour, minute = 8 + (i * 5) % 10, (0, 30)[i % 2]
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        first = upcoming.order_by("number").first()
        if first is not None:
            Session.objects.filter(pk=first.pk).update(starts_at=moment)
    individual = [e for e in episodes if e.format == "individual"]
    for episode in individual[-2:]:
        # The client has not answered yesterday's session yet: a check-in is due.
        last = episode.sessions.order_by("-number").first()
        yesterday = timezone.now().replace(hour=15, minute=0) - dt.timedelta(days=1)
        if last is not None and not last.checkin_responses.exists():
            Session.objects.filter(pk=last.pk).update(starts_at=yesterday, status="attended")
            Session.objects.create(
                episode=episode,
                number=last.number + 1,
                starts_at=yesterday + dt.timedelta(days=7),
                status="scheduled",
            )
    Goal.objects.filter(episode__in=individual[:2]).update(review_on=today - dt.timedelta(days=3))
    for episode in episodes:
        if episode.format == "group":
            CareEpisode.objects.filter(pk=episode.pk).update(title="Thursday evening group")
    if individual and "ines" in people:
        Participant.objects.create(
            episode=individual[2 % len(individual)],
            user=people["ines"],
            role=ParticipantRole.INTERPRETER,
        )


def _a_session_today_that_sends_itself(organization: Organization, tess: User) -> None:
    """A session of Tess's starting a minute after the demo is loaded, with a client who agreed
    to messages: its check-in goes out by itself a couple of minutes after the start
    (settings.DEMO_SEND_AFTER_START_MINUTES instead of the session's end), so a visitor sees a
    link sent without anyone creating it. The same client has a weekly between-session pulse
    with a few answers, so the episode page shows its trend."""
    SendingSettings.objects.create(
        organization=organization, send_after_start_minutes=settings.DEMO_SEND_AFTER_START_MINUTES
    )
    episode = (
        CareEpisode.objects.filter(participants__user=tess, status="open", format="individual")
        .order_by("pk")
        .first()
    )
    client = episode.client_participants()[0].client if episode is not None else None
    if episode is None or client is None:
        return
    client.email = f"{client.code.lower()}@clients.example.org"
    client.save(update_fields=["email"])
    # No quiet hours for this client, so the demo shows a link going out at any hour.
    ContactPreferences.objects.create(
        client=client,
        consent=True,
        consent_noted_at=timezone.now(),
        consent_noted_by=tess,
        quiet_from=dt.time(0),
        quiet_until=dt.time(0),
    )
    row = checkins.episode_settings(episode)
    row.pulse_every_days = 7
    row.save()
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    Session.objects.create(
        episode=episode, number=episode.next_session_number(), starts_at=start, status="scheduled"
    )
    episode.renumber_sessions()
    _pulses(episode)


def _pulses(episode: CareEpisode) -> None:
    """Three pulses after the last sessions held: steady, then lower."""
    pulse = current_instrument(PULSE_KEY)
    if pulse is None:  # the pulse is a shipped instrument: only missing if its file is
        return
    held = list(episode.sessions.filter(status="attended").order_by("-number")[:3])
    participant = episode.client_participants()[0]
    for session, value in zip(reversed(held), ("7", "7", "6"), strict=False):
        response, _created = checkins.save_response(
            session=session,
            participant=participant,
            instrument=pulse,
            answers={"pulse": value},
            idempotency_key=f"demo-pulse-{session.pk}",
            channel="link",
        )
        # answered four days after each session, as a weekly pulse would be
        type(response).objects.filter(pk=response.pk).update(
            submitted_at=session.starts_at + dt.timedelta(days=4)
        )


GOALS = [
    (
        "Sleep through most nights without waking at 3 a.m.",
        "client",
        ["Keep a short sleep diary", "Try the wind-down routine on weekdays"],
    ),
    (
        "Say no to extra shifts without feeling guilty for days",
        "together",
        ["Practise one 'no' a week and note what happened"],
    ),
]


def _agree_goals(therapist: User) -> None:
    """Two goals in the client's words on each of Tess's individual episodes, so the plan page,
    the printable plan and the goal review have something to show."""
    episodes = CareEpisode.objects.filter(participants__user=therapist, format="individual")
    for episode in episodes[:6]:
        for wording, proposed_by, tasks in GOALS:
            goal = goals.add_goal(episode, by=therapist, wording=wording, proposed_by=proposed_by)
            for task in tasks:
                goals.add_task(goal, by=therapist, wording=task)


def _settle_old_alerts() -> None:
    """A history that predates the demo would not arrive with every old rupture still open:
    the repaired ones are closed, with a note saying why, so the caseload shows today's needs."""
    for alert in Alert.objects.filter(state=AlertState.OPEN).exclude(resolution_proposed=""):
        alert.transition(
            AlertState.RESOLVED,
            by=None,
            note="Repaired in the synthetic history before the demo started.",
        )


ATTRIBUTES = [
    ("Age band", ["18–25", "26–40", "41–65"]),
    ("Presenting concern", ["Low mood", "Anxiety", "Relationships"]),
]


def _growth(organization: Organization, people: dict[str, User]) -> None:
    """Attributes recorded (with consent) for every client, a practice period for Tess over the
    last four weeks and a supervision note, so the growth pages have something to show."""
    definitions = [
        AttributeDefinition.objects.create(organization=organization, name=name, options=options)
        for name, options in ATTRIBUTES
    ]
    clients = list(Client.objects.filter(organization=organization).order_by("pk"))
    ClientAttribute.objects.bulk_create(
        ClientAttribute(
            client=client,
            definition=definition,
            value=definition.options[(i + shift) % len(definition.options)],
            recorded_by=people["tess"],
        )
        for shift, definition in enumerate(definitions)
        for i, client in enumerate(clients)
    )
    today = timezone.localdate()
    PracticePeriod.objects.create(
        organization=organization,
        therapist=people["tess"],
        skill="Ask for feedback at the end of each session",
        starts_on=today - dt.timedelta(days=27),
        ends_on=today,
    )
    SupervisionNote.objects.create(
        organization=organization,
        supervisor=people["sam"],
        therapist=people["tess"],
        text="Looked at the early sessions together; Tess will ask for feedback every session.",
    )
    _date_alerts_by_session(organization)


def _date_alerts_by_session(organization: Organization) -> None:
    """Alerts found in a history loaded all at once would all look raised today; date each at
    the session that raised it, so the supervision page shows alerts of different ages."""
    alerts = list(Alert.objects.filter(organization=organization, session_number__isnull=False))
    starts: dict[tuple[int, int | None], dt.datetime] = {
        (episode, number): moment
        for episode, number, moment in Session.objects.filter(
            episode_id__in={a.episode_id for a in alerts}
        ).values_list("episode_id", "number", "starts_at")
    }
    for alert in alerts:
        moment = starts.get((alert.episode_id, alert.session_number))
        if moment is not None:
            alert.opened_at = moment
    Alert.objects.bulk_update(alerts, ["opened_at"])
