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
from alliance.care.models import (
    WRITING_STAFF_ROLES,
    CareEpisode,
    EpisodeFormat,
    EpisodeStatus,
    Participant,
)
from alliance.charts import sparkline_points
from alliance.checkins.models import CheckinRequest
from alliance.dates import format_day, format_moment
from alliance.goals.caseload import review_overdue
from alliance.insights import priority, trends
from alliance.insights.kinds import KINDS
from alliance.insights.kinds import label as kind_label
from alliance.insights.models import ACTIVE_STATES, Alert


# The filter's choices: every alert kind by its one name (insights/kinds.py), the repair state
# of drops, and what is due. Rows are ordered by their most pressing alert (insights/priority.py).
def _needs() -> list[tuple[str, Any]]:
    alert_kinds = [(k.key, k.label) for k in KINDS if not k.legacy]
    return [
        *alert_kinds[:1],
        ("unrepaired", _("Rupture not yet repaired")),
        *alert_kinds[1:],
        ("due", _("Check-in due")),
        ("goal_review", _("Goal review due")),
        ("ok", _("Nothing flagged")),
    ]


NEEDS: list[tuple[str, Any]] = _needs()
NEED_RANK = {key: rank for rank, (key, _label) in enumerate(NEEDS)}
NEED_LABEL = dict(NEEDS)


@dataclass
class CaseloadRow:
    episode: Any
    clients: list[str] = field(default_factory=list)  # display names of the current clients
    staff: list[str] = field(default_factory=list)  # first names (or emails) of the staff
    therapists: list[str] = field(default_factory=list)  # emails of those who treat
    needs: list[str] = field(default_factory=list)
    alerts: list[Any] = field(default_factory=list)
    trend: list[float] = field(default_factory=list)
    last_checkin: Any = None
    open_links: int = 0

    @property
    def need(self) -> str:
        if self.alerts:
            return str(self.alerts[0].kind)
        return min(self.needs, key=NEED_RANK.__getitem__) if self.needs else "ok"

    @property
    def sort_key(self) -> tuple[Any, ...]:
        """Rows with alerts by their most pressing alert, then what is due, then the rest."""
        if self.alerts:
            return (0, *priority.sort_key(self.alerts[0]))
        return (1, NEED_RANK[self.need], 0.0)

    @property
    def why_first(self) -> str:
        return priority.why_first(self.alerts[0]) if self.alerts else ""

    @property
    def need_label(self) -> Any:
        return NEED_LABEL.get(self.need) or kind_label(self.need)

    @property
    def need_labels(self) -> list[tuple[str, Any]]:
        """One badge per alert, in order of need, by the kind's one name; a drop says where its
        repair stands; then what is due."""
        badges: list[tuple[str, Any]] = []
        for alert in self.alerts:
            label = str(NEED_LABEL.get(alert.kind) or alert.kind_label)
            if alert.repair_state:
                label = f"{label} · {alert.repair_state_label}"
            if (alert.kind, label) not in badges:  # two partners' drops: one badge
                badges.append((alert.kind, label))
        due = sorted(
            {n for n in self.needs if n in ("due", "goal_review")}, key=NEED_RANK.__getitem__
        )
        return badges + [(n, NEED_LABEL[n]) for n in due]

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
        first_reason = self.alerts[0].reason_today if self.alerts else ""
        latest = self.latest_alliance
        return {
            "clients": ", ".join(self.clients),
            "staff": ", ".join(self.staff),
            "format": _translated(self.episode.format),
            "needs": [(key, str(label)) for key, label in self.need_labels],
            "reason": shortened(first_reason, 110),
            "full_reason": first_reason,
            "why_first": self.why_first,
            "latest": f"{latest:.1f}" if latest is not None else "",
            "trend_label": _trend_label(latest, len(self.trend)),
            "last_checkin": _day(self.last_checkin),
            "next_session": _when(self.episode.next_session_at),
        }


@lru_cache(maxsize=256)
def _label_in(language: str, key: str) -> str:
    return str(dict(EpisodeFormat.choices).get(key, key))


def _translated(key: str) -> str:
    """Format labels, translated once per language rather than once per row."""
    return _label_in(get_language() or "en", key)


def _trend_label(latest: float | None, count: int) -> str:
    if latest is None:
        return ""
    return str(
        _("Client alliance, latest %(v).1f of 10 over %(n)d check-ins") % {"v": latest, "n": count}
    )


def shortened(text: str, limit: int) -> str:
    """At most `limit` characters and "…", cut between words: "at 12:0…" would misstate
    the time."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:") + "…"


def _day(moment: Any) -> str:
    return format_day(timezone.localtime(moment).date()) if moment else "—"


def _when(moment: Any) -> str:
    """The next session with its weekday: a caseload is read by the week."""
    if not moment:
        return "—"
    local = timezone.localtime(moment)
    return f"{local:%a} {format_moment(local)}"


def open_episodes(viewer: access.Viewer, therapist_ids: list[int] | None = None) -> Any:
    episodes = CareEpisode.objects.visible_to(viewer).filter(status=EpisodeStatus.OPEN)
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
            r.sort_key,
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
        .values_list(
            "episode_id", "client__display_name", "user__first_name", "user__email", "role"
        )
    )
    for episode_id, client_name, first_name, email, role in people:
        row = rows[episode_id]
        if client_name is not None:
            row.clients.append(client_name)
        elif email is not None:
            row.staff.append(first_name or email)
            if role in WRITING_STAFF_ROLES:
                row.therapists.append(email)


def _add_alerts(rows: dict[int, CaseloadRow]) -> None:
    alerts = Alert.objects.filter(episode_id__in=list(rows), state__in=ACTIVE_STATES).defer(
        "numbers", "fingerprint", "concern"
    )
    now = timezone.now()
    for alert in priority.ordered(list(alerts), now):
        row = rows[alert.episode_id]
        row.alerts.append(alert)
        row.needs.append(alert.kind)
        if alert.repair_state == "not_repaired":
            row.needs.append("unrepaired")


def _add_trends(rows: dict[int, CaseloadRow]) -> dict[int, set[int]]:
    """Each episode's client alliance by session (kept up to date as check-ins arrive);
    returns the sessions that have a client answer, per episode."""
    answered: dict[int, set[int]] = {}
    for episode_id, trend in trends.for_episodes(rows).items():
        row = rows[episode_id]
        row.trend = trend.values
        row.last_checkin = trend.last_checkin_at
        answered[episode_id] = trend.answered
    return answered


def _add_links(rows: dict[int, CaseloadRow]) -> None:
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
