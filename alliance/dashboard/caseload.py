"""The caseload: open episodes ordered by what needs attention first.

A fixed number of queries whatever the size of the caseload (episodes, participants, active
alerts, client alliance scores, open check-in links): the benchmark in bench/ checks that the
count is the same at 10 and at 100 clients.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from alliance.accounts import access
from alliance.care.models import EpisodeStatus, Participant
from alliance.goals.caseload import review_overdue
from alliance.insights import trends

from .charts import sparkline_points

# What needs attention first (DOMAIN.md: relationship issues come first).
NEEDS: list[tuple[str, Any]] = [
    ("risk", _("Risk answer")),
    ("unrepaired", _("Rupture not repaired")),
    ("drop", _("Alliance drop")),
    ("not_on_track", _("Not on track")),
    ("gap", _("Views differ")),
    ("due", _("Check-in due")),
    ("goal_review", _("Goal review due")),
    ("ok", _("Nothing flagged")),
]
NEED_RANK = {key: rank for rank, (key, _label) in enumerate(NEEDS)}
NEED_LABEL = dict(NEEDS)
DROP_KINDS = {"drop", "subscale_drop", "low_alliance"}


@dataclass
class CaseloadRow:
    episode: Any
    clients: list[str] = field(default_factory=list)  # display names of the current clients
    staff: list[str] = field(default_factory=list)  # first names (or emails) of the staff
    needs: list[str] = field(default_factory=list)
    alerts: list[Any] = field(default_factory=list)
    trend: list[float] = field(default_factory=list)
    last_checkin: Any = None
    open_links: int = 0

    @property
    def need(self) -> str:
        return min(self.needs, key=NEED_RANK.__getitem__) if self.needs else "ok"

    @property
    def need_label(self) -> Any:
        return NEED_LABEL[self.need]

    @property
    def need_labels(self) -> list[tuple[str, Any]]:
        return [(n, NEED_LABEL[n]) for n in sorted(set(self.needs), key=NEED_RANK.__getitem__)]

    @property
    def spark(self) -> str:
        return sparkline_points(self.trend[-12:])

    @property
    def latest_alliance(self) -> float | None:
        return self.trend[-1] if self.trend else None

    # Display strings, made once in Python: a 100-row caseload rendered through template
    # filters and lookups per cell cost more than all its queries together.
    @cached_property
    def text(self) -> dict[str, Any]:
        first_reason = self.alerts[0].reason if self.alerts else ""
        latest = self.latest_alliance
        return {
            "clients": ", ".join(self.clients),
            "staff": ", ".join(self.staff),
            "format": _translated(self.episode.format),
            "needs": [(key, _translated(key)) for key, _label in self.need_labels],
            "reason": first_reason[:110] + ("…" if len(first_reason) > 110 else ""),
            "latest": f"{latest:.1f}" if latest is not None else "",
            "trend_label": _trend_label(latest, len(self.trend)),
            "last_checkin": _day(self.last_checkin),
            "next_session": _when(self.episode.next_session_at),
        }


@lru_cache(maxsize=256)
def _label_in(language: str, key: str) -> str:
    from alliance.care.models import EpisodeFormat

    labels = {**dict(NEEDS), **dict(EpisodeFormat.choices)}
    return str(labels.get(key, key))


def _translated(key: str) -> str:
    """Need and format labels, translated once per language rather than once per row."""
    return _label_in(get_language() or "en", key)


def _trend_label(latest: float | None, count: int) -> str:
    if latest is None:
        return ""
    return str(
        _("Client alliance, latest %(v).1f of 10 over %(n)d check-ins") % {"v": latest, "n": count}
    )


def _day(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else "—"


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%a %d %b, %H:%M") if moment else "—"


def open_episodes(viewer: access.Viewer, therapist_ids: list[int] | None = None) -> Any:
    episodes = access.visible_episodes(viewer).filter(status=EpisodeStatus.OPEN)
    staff = therapist_ids if therapist_ids is not None else [viewer.user.pk]
    episodes = episodes.filter(
        pk__in=Participant.objects.filter(user_id__in=staff).values("episode_id")
    )
    now = timezone.now()
    return episodes.annotate(
        last_attended=Max(
            "sessions__number", filter=Q(sessions__starts_at__lte=now, sessions__status="attended")
        ),
        next_session_at=Min(
            "sessions__starts_at",
            filter=Q(sessions__starts_at__gt=now, sessions__status="scheduled"),
        ),
    ).only("pk", "title", "format")


def caseload_rows(
    viewer: access.Viewer, therapist_ids: list[int] | None = None, need: str = ""
) -> list[CaseloadRow]:
    episodes = list(open_episodes(viewer, therapist_ids))
    rows = {e.pk: CaseloadRow(episode=e) for e in episodes}
    _add_people(rows)
    _add_alerts(rows)
    answered = _add_trends(rows)
    _add_links(rows)
    goals_overdue = review_overdue(rows)
    for row in rows.values():
        if row.episode.pk in goals_overdue:
            row.needs.append("goal_review")
        last = row.episode.last_attended
        if row.open_links or (last and last not in answered[row.episode.pk]):
            row.needs.append("due")
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            NEED_RANK[r.need],
            r.episode.next_session_at is None,
            r.episode.next_session_at or timezone.now(),
        ),
    )
    if need == "attention":
        return [r for r in ordered if r.need != "ok"]
    if need in NEED_RANK:
        return [r for r in ordered if need in r.needs or (need == "ok" and not r.needs)]
    return ordered


def _add_people(rows: dict[int, CaseloadRow]) -> None:
    """Names of everyone currently taking part, read as plain values: a model instance per
    participant, client and user was a large part of a 100-row caseload's time."""
    people = (
        Participant.objects.filter(episode_id__in=list(rows), left_on__isnull=True)
        .order_by("pk")
        .values_list("episode_id", "client__display_name", "user__first_name", "user__email")
    )
    for episode_id, client_name, first_name, email in people:
        row = rows[episode_id]
        if client_name is not None:
            row.clients.append(client_name)
        elif email is not None:
            row.staff.append(first_name or email)


def _add_alerts(rows: dict[int, CaseloadRow]) -> None:
    from alliance.insights.models import ACTIVE_STATES, Alert

    alerts = Alert.objects.filter(episode_id__in=list(rows), state__in=ACTIVE_STATES).only(
        "episode_id", "kind", "session_number", "reason", "opened_at"
    )
    for alert in alerts.order_by("severity_rank", "-opened_at"):
        rows[alert.episode_id].alerts.append(alert)


def _need_of(alert: Any, latest_answered: int) -> str:
    if alert.kind == "risk":
        return "risk"
    if alert.kind in DROP_KINDS:
        onset_passed = alert.session_number and alert.session_number < latest_answered
        return "unrepaired" if onset_passed and alert.kind != "low_alliance" else "drop"
    if alert.kind in ("not_on_track", "deterioration", "goal_agreement", "goal_progress"):
        return "not_on_track"
    return "gap"


def _add_trends(rows: dict[int, CaseloadRow]) -> dict[int, set[int]]:
    """Each episode's client alliance by session (kept up to date as check-ins arrive);
    returns the sessions that have a client answer, per episode."""
    answered: dict[int, set[int]] = {}
    for episode_id, trend in trends.for_episodes(rows).items():
        row = rows[episode_id]
        row.trend = trend.values
        row.last_checkin = trend.last_checkin_at
        answered[episode_id] = trend.answered
        latest = max(trend.answered, default=0)
        row.needs.extend(_need_of(a, latest) for a in row.alerts)
    return answered


def _add_links(rows: dict[int, CaseloadRow]) -> None:
    from alliance.checkins.models import CheckinRequest

    links = CheckinRequest.objects.filter(
        session__episode_id__in=list(rows),
        state__in=["pending", "opened"],
        expires_at__gt=timezone.now(),
    ).values_list("session__episode_id", flat=True)
    for episode_id in links:
        rows[episode_id].open_links += 1


def need_choices() -> Iterable[tuple[str, Any]]:
    yield "", _("All open episodes")
    yield "attention", _("Anything flagged")
    yield from NEEDS
