"""The top of the episode page: the latest session at a glance and what is due.

Built from the responses the page has already loaded (no query per session), plus two small
queries for links and the next session.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from alliance.care.models import CLIENT_ROLES, CareEpisode, Session, SessionStatus
from alliance.care.panels import Page
from alliance.checkins.models import CheckinRequest
from alliance.insights.panels import series_name

from .models import PageVisit

# How many earlier sessions make a client's "usual range"; fewer than USUAL_MIN say nothing.
USUAL_WINDOW = 8
USUAL_MIN = 3


@dataclass
class Rating:
    who: str
    is_client: bool
    value: float
    previous: float | None = None
    usual: tuple[float, float] | None = None  # lowest and highest of the earlier sessions

    @property
    def change(self) -> float | None:
        return None if self.previous is None else round(self.value, 1) - round(self.previous, 1)

    @property
    def outside_usual(self) -> bool:
        return self.usual is not None and not (
            self.usual[0] <= round(self.value, 1) <= self.usual[1]
        )


@dataclass
class OutcomeChange:
    title: str
    who: str
    before: float
    after: float


@dataclass
class GroupSummary:
    """A group's latest session as one card: the members' median and range; each member on
    request."""

    median: Rating
    low: float
    high: float
    members: list[Rating]


@dataclass
class EpisodeSummary:
    session: Session | None = None  # the latest session with an alliance rating
    ratings: list[Rating] = field(default_factory=list)
    outcomes: list[OutcomeChange] = field(default_factory=list)
    next_session: Session | None = None
    link_session: Session | None = None  # where the link/QR button leads: today's or the next
    open_links: int = 0
    checkin_due: bool = False  # the last attended session has no client answer
    goal_reviews_due: int = 0
    group: GroupSummary | None = None

    @property
    def client_ratings(self) -> list[Rating]:
        return [r for r in self.ratings if r.is_client]

    @property
    def staff_ratings(self) -> list[Rating]:
        return [r for r in self.ratings if not r.is_client]

    @property
    def anything_due(self) -> bool:
        return bool(self.open_links or self.checkin_due or self.goal_reviews_due)


def _alliance_by_person(
    responses: list[Any], clients: int
) -> tuple[dict[str, dict[int, float]], dict[str, bool]]:
    values: dict[str, dict[int, float]] = defaultdict(dict)
    is_client: dict[str, bool] = {}
    for r in responses:
        value = (r.scores.get("scales") or {}).get("alliance")
        if r.instrument.kind != "alliance" or value is None:
            continue
        who = series_name(r.participant, clients)
        values[who][r.session.number] = float(value)
        is_client[who] = r.participant.role in CLIENT_ROLES
    return values, is_client


def _ratings(responses: list[Any], clients: int) -> tuple[int | None, list[Rating]]:
    values, is_client = _alliance_by_person(responses, clients)
    sessions = {n for person in values.values() for n in person}
    if not sessions:
        return None, []
    latest = max(sessions)
    ratings = []
    for who, by_session in values.items():
        if latest not in by_session:
            continue
        earlier = [v for n, v in sorted(by_session.items()) if n < latest][-USUAL_WINDOW:]
        usual = None
        if is_client[who] and len(earlier) >= USUAL_MIN:
            usual = (round(min(earlier), 1), round(max(earlier), 1))
        ratings.append(
            Rating(who, is_client[who], by_session[latest], earlier[-1] if earlier else None, usual)
        )
    ratings.sort(key=lambda r: (not r.is_client, r.who))
    return latest, ratings


def _outcome_changes(responses: list[Any], clients: int) -> list[OutcomeChange]:
    """Each person's last two scores on each outcome questionnaire, where there are two."""
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in responses:
        total = (r.scores.get("scales") or {}).get("total")
        if r.instrument.kind == "outcome" and total is not None:
            totals[(r.instrument.title, series_name(r.participant, clients))].append(float(total))
    return [
        OutcomeChange(title, who, scores[-2], scores[-1])
        for (title, who), scores in totals.items()
        if len(scores) >= 2
    ]


def episode_summary(
    episode: CareEpisode,
    responses: list[Any],
    *,
    goal_reviews_due: int = 0,
    sessions: list[Session] | None = None,
) -> EpisodeSummary:
    clients = sum(1 for p in episode.participants.all() if p.role in CLIENT_ROLES)
    latest, ratings = _ratings(responses, clients)
    group = _group(ratings) if clients > 2 else None
    if group is not None:
        ratings = [group.median] + [r for r in ratings if not r.is_client]
    if sessions is None:
        sessions = list(episode.sessions.order_by("starts_at", "number"))
    else:
        sessions = sorted(sessions, key=lambda s: (s.starts_at, s.number))
    now = timezone.now()
    today = timezone.localdate()
    upcoming = [s for s in sessions if s.starts_at > now and s.status == SessionStatus.SCHEDULED]
    todays = [s for s in sessions if timezone.localdate(s.starts_at) == today]
    attended = [s for s in sessions if s.status == SessionStatus.ATTENDED and s.starts_at <= now]
    answered = {r.session.number for r in responses if r.participant.role in CLIENT_ROLES}
    return EpisodeSummary(
        session=next((s for s in sessions if s.number == latest), None),
        ratings=ratings,
        outcomes=_outcome_changes(responses, clients),
        next_session=upcoming[0] if upcoming else None,
        link_session=(todays or upcoming or attended[-1:] or [None])[0],
        open_links=CheckinRequest.objects.filter(
            session__episode=episode, state__in=["pending", "opened"], expires_at__gt=now
        ).count(),
        checkin_due=bool(attended) and attended[-1].number not in answered,
        goal_reviews_due=goal_reviews_due,
        group=group,
    )


def _group(ratings: list[Rating]) -> GroupSummary | None:
    members = [r for r in ratings if r.is_client]
    if not members:
        return None
    values = [r.value for r in members]
    previous = [r.previous for r in members if r.previous is not None]
    median = Rating(
        f"Group median ({len(members)})",
        True,
        statistics.median(values),
        statistics.median(previous) if previous else None,
    )
    return GroupSummary(median, min(values), max(values), members)


def summary_panel(page: Page) -> dict[str, Any]:
    """The top of the episode page, from the responses the insights panel has loaded."""
    insights = page.data("insights")
    plan = page.data("goal_plan")
    summary = episode_summary(
        page.subject,
        insights.responses,
        goal_reviews_due=len(plan.overdue) if plan else 0,
        sessions=page.sessions,
    )
    return {"summary": summary}


def news_panel(page: Page) -> dict[str, Any]:
    return {"news": news_since(page.options.get("since"), page.data("insights"))}


def news_since(since: Any, insights: Any) -> dict[str, Any] | None:
    """Check-ins and alerts that arrived since the person last opened this episode; the alerts
    are marked so the page can say which ones are new."""
    if since is None:
        return None
    checkins = {
        (r.session.number, r.participant_id) for r in insights.responses if r.submitted_at > since
    }
    alerts = [a for a in insights.active_alerts if a.opened_at > since]
    for alert in alerts:
        alert.is_new = True
    return {"since": since, "checkins": len(checkins), "alerts": len(alerts)}


def record_visit(sender: Any, viewer: Any, episode: Any, notes: Any = None, **kwargs: Any) -> None:
    """Receiver of care.signals.episode_viewed: the visit is recorded, the previous one noted
    for "new since your last visit"."""
    since = PageVisit.previous_and_record(viewer.user, "episode", episode.pk)
    if notes is not None:
        notes["since"] = since
