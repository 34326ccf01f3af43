"""A client with a full record, in their own episode and in a couple episode with a partner, with
distinctive words everywhere so a test can search the whole database for them afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alliance.api.models import WebhookEndpoint
from alliance.api.webhooks import queue_new_deliveries
from alliance.care.models import CareEpisode, Client, EpisodeFormat, Participant, Session
from alliance.checkins import services as checkins
from alliance.checkins.models import Channel, ContactPreferences, ScheduledLink
from alliance.goals import services as goals
from alliance.insights.models import Alert
from alliance.measures.models import current_instrument
from tests.conftest import Clinic, make_episode, make_session

# Words that exist only in the erased client's data.
SECRETS = {
    "name": "Zelda Quixote",
    "code": "Q-77316",
    "email": "zelda.quixote@example.test",
    "phone": "+44 7700 900461",
    "old_name": "Zee Quixotic",
    "answer": "my cat Bartholomew",
    "paper_answer": "Thelonious pamphlet",
    "goal": "Walk to Marigold Park",
    "task": "Pack the Heliotrope bag",
    "identity": "Xylophonist heritage",
    "focus": "Grandmother Ottilie",
    "alert_note": "mentioned Wisteria Lane",
    "proposal": "Learn Quenya phrases",
}
PARTNER = {
    "name": "Yannick Partner",
    "code": "P-55021",
    "answer": "the partner's own Saffron words",
    "identity": "partner's Juniper identity",
}


@dataclass
class Record:
    client: Client
    own_episode: CareEpisode
    own_session: Session
    couple: CareEpisode
    couple_session: Session
    partner: Client
    shared_goal: Any


def client_answers(comment: str) -> dict[str, str]:
    return {"bond": "8", "goals": "7", "tasks": "9", "overall": "8", "change": comment}


def therapist_answers() -> dict[str, str]:
    return {"bond": "7", "goals": "7", "tasks": "6", "overall": "7"}


def respond(session: Session, participant: Participant, key: str, answers: dict, **kw: Any) -> Any:
    instrument = current_instrument(key)
    with_key = f"{session.pk}-{participant.pk}-{key}"
    response, _created = checkins.save_response(
        session=session,
        participant=participant,
        instrument=instrument,
        answers=answers,
        idempotency_key=with_key,
        channel=kw.pop("channel", Channel.LINK),
        **kw,
    )
    return response


def full_record(clinic: Clinic) -> Record:
    WebhookEndpoint.objects.create(organization=clinic.org, url="https://rs.test/h", secret="s")
    client = Client.objects.create(
        organization=clinic.org,
        code=SECRETS["code"],
        display_name=SECRETS["old_name"],
        email=SECRETS["email"],
        phone=SECRETS["phone"],
        created_by=clinic.therapist,
    )
    client.display_name = SECRETS["name"]
    client.save()  # the trail now holds both names
    own = make_episode(clinic.org, clinic.therapist, [client])
    own_session = make_session(own)
    _own_episode_data(clinic, client, own, own_session)
    partner = Client.objects.create(
        organization=clinic.org,
        code=PARTNER["code"],
        display_name=PARTNER["name"],
        created_by=clinic.therapist,
    )
    couple = make_episode(clinic.org, clinic.therapist, [client, partner], EpisodeFormat.COUPLE)
    couple_session = make_session(couple)
    shared_goal = _couple_data(clinic, client, partner, couple, couple_session)
    queue_new_deliveries()
    return Record(client, own, own_session, couple, couple_session, partner, shared_goal)


def _own_episode_data(
    clinic: Clinic, client: Client, episode: CareEpisode, session: Session
) -> None:
    me = episode.participants.get(client=client)
    staff = episode.participants.get(user=clinic.therapist)
    checkins.issue_link(session, me, by=clinic.therapist)
    # agreed to messages; one link went out by itself (held here: sent by the worker)
    ContactPreferences.objects.create(
        client=client, consent=True, consent_noted_by=clinic.therapist
    )
    ScheduledLink.objects.create(
        session=session,
        participant=me,
        slot=f"s:{session.pk}",
        purpose="session",
        planned_at=session.starts_at,
        send_at=session.starts_at,
    )
    respond(session, me, checkins.CLIENT_FORM, client_answers(SECRETS["answer"]))
    respond(session, staff, checkins.THERAPIST_FORM, therapist_answers(), channel=Channel.SELF)
    phq = {f"phq9-{n}": "1" for n in range(1, 10)}
    respond(session, me, "phq-9", phq, channel=Channel.PAPER, entered_by=clinic.therapist)
    goal = goals.add_goal(episode, by=clinic.therapist, wording=SECRETS["goal"])
    task = goals.add_task(goal, by=clinic.therapist, wording=SECRETS["task"])
    goals.change_task(task, by=clinic.therapist, status="done")
    goals.save_preferences(me, {"pace": "slower", "identity": SECRETS["identity"]})
    goals.save_agenda(session, me, SECRETS["focus"], 7)
    later = make_session(episode, 4)
    goals.save_review(
        session=later,
        participant=me,
        checkin=None,
        ratings={goal.pk: (8, 5)},
        no_longer_fits=[],
        new_goals=[SECRETS["proposal"]],
    )
    alert = Alert.objects.create(
        organization=clinic.org,
        episode=episode,
        participant=me,
        kind="drop",
        severity="high",
        reason="Alliance fell from 9 to 6",
        fingerprint="drop:test",
    )
    alert.transition("discussed", by=clinic.therapist, what_was_said=SECRETS["alert_note"])


def _couple_data(
    clinic: Clinic, client: Client, partner: Client, couple: CareEpisode, session: Session
) -> Any:
    me = couple.participants.get(client=client)
    them = couple.participants.get(client=partner)
    staff = couple.participants.get(user=clinic.therapist)
    for who, words in ((me, SECRETS["answer"]), (them, PARTNER["answer"])):
        checkins.issue_link(session, who, by=clinic.therapist)
        respond(session, who, checkins.CONJOINT_FORM, client_answers(words))
    respond(session, staff, checkins.THERAPIST_FORM, therapist_answers(), channel=Channel.SELF)
    goals.save_preferences(me, {"identity": SECRETS["identity"]})
    goals.save_preferences(them, {"identity": PARTNER["identity"]})
    shared = goals.add_goal(couple, by=clinic.therapist, wording="Argue less about the dishes")
    later = make_session(couple, 4)
    for who in (me, them):
        goals.save_review(
            session=later,
            participant=who,
            checkin=None,
            ratings={shared.pk: (7, 4)},
            no_longer_fits=[],
            new_goals=[],
        )
    for who, fingerprint in ((me, "risk:me"), (them, "risk:them"), (None, "split:both")):
        Alert.objects.create(
            organization=clinic.org,
            episode=couple,
            participant=who,
            kind="split" if who is None else "risk",
            severity="high",
            reason="A reason with numbers only",
            fingerprint=fingerprint,
        )
    return shared
