"""The lines of a person's notification list, as the access rules let them see each one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from alliance.accounts import access
from alliance.audit import context, trail
from alliance.care.models import WRITING_STAFF_ROLES, CareEpisode

from .models import Kind, Notification

SHOWN = 100


@dataclass(frozen=True)
class Line:
    kind: str
    kind_label: str
    text: str
    at: Any
    unread: bool
    link: str  # "" where this person may not open the episode


def _who(n: Notification) -> str:
    """The client as the product names them elsewhere ("Alex (C-1042)"), or the episode."""
    if n.participant is not None and n.participant.client is not None:
        return str(n.participant.client)
    return str(n.episode) if n.episode is not None else ""


def _text(n: Notification, visible: bool) -> str:
    if not visible:
        # Escalated to someone who may not open the record: whose client, never who.
        therapists = ", ".join(
            p.user.display_name
            for p in n.episode.participants.all()  # type: ignore[union-attr]
            if p.user_id and p.role in WRITING_STAFF_ROLES and p.left_on is None
        )
        return _("A client of %(therapists)s: ask them, or the clinic's admin, about it.") % {
            "therapists": therapists or _("a colleague")
        }
    who = _who(n)
    session = _(" · session %(n)s") % {"n": n.session_number} if n.session_number else ""
    if n.kind == Kind.CHECKIN:
        return _("New check-in from %(who)s") % {"who": who} + session
    if n.kind == Kind.RISK:
        return _("Risk answer from %(who)s") % {"who": who} + session
    if n.kind == Kind.ESCALATION:
        return _("Risk answer from %(who)s, not acknowledged in time") % {"who": who} + session
    alert = n.alert.kind_label if n.alert is not None else _("New alert")
    return _("%(alert)s: %(who)s") % {"alert": alert, "who": who} + session


def lines_for(viewer: access.Viewer) -> list[Line]:
    """The newest notifications of this person in this organization. Each line names the client
    only if the person may see the episode now (a therapist who left it sees no name)."""
    rows = list(
        Notification.objects.filter(recipient=viewer.user, organization=viewer.organization)
        .select_related("participant__client", "alert", "episode")
        .prefetch_related("episode__participants__user", "episode__participants__client")[:SHOWN]
    )
    episode_ids = {n.episode_id for n in rows if n.episode_id}
    visible = set(
        CareEpisode.objects.visible_to(viewer)
        .filter(pk__in=episode_ids)
        .values_list("pk", flat=True)
    )
    result = []
    for n in rows:
        seen = n.episode_id in visible
        if seen:
            # The list shows client names: each episode shown is a read of client data.
            context.note_read(n.episode, client_code=trail.client_code_of(n.episode))
        link = ""
        if seen:
            link = reverse("care:episode", args=[n.episode_id])
            if n.alert_id:
                link += f"?open={n.alert_id}#alert-{n.alert_id}"
        result.append(
            Line(
                kind=n.kind,
                kind_label=str(Kind(n.kind).label),
                text=_text(n, seen) if n.episode_id else str(Kind(n.kind).label),
                at=n.created_at,
                unread=n.read_at is None,
                link=link,
            )
        )
    return result
