"""The only way staff code reaches client data: scoped lookups that return 404 for anything the
person may not see, and 403 when they may see but not change it.

Rules (docs/threat-model.md explains why):
- a therapist sees the episodes they take part in, the clients of those episodes and the clients
  they created, and may change them when they are a therapist or co-therapist of the episode;
- a supervisor sees the episodes of the therapists they supervise, read-only;
- an admin sees clinical data read-only, and only where the organization allows it;
- a researcher sees no identifiable data at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from alliance.audit import context, trail
from alliance.care.models import (
    WRITING_STAFF_ROLES,
    CareEpisode,
    Client,
    Participant,
    Session,
)

from .models import Organization, Role, Supervision


@dataclass(frozen=True)
class Viewer:
    """A signed-in person acting within their current organization."""

    user: Any
    organization: Organization | None
    roles: frozenset[str] = field(default_factory=frozenset)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_therapist(self) -> bool:
        return Role.THERAPIST in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_supervisor(self) -> bool:
        return Role.SUPERVISOR in self.roles

    @property
    def sees_clinical_data_as_admin(self) -> bool:
        return self.is_admin and bool(
            self.organization and self.organization.admins_see_clinical_data
        )


def supervisee_ids(viewer: Viewer) -> QuerySet[Any]:
    return Supervision.objects.filter(
        organization=viewer.organization, supervisor=viewer.user
    ).values("therapist_id")


def visible_episodes(viewer: Viewer) -> QuerySet[CareEpisode]:
    if viewer.organization is None:
        return CareEpisode.objects.none()
    context.note_read(listing="care.CareEpisode")
    in_org = CareEpisode.objects.filter(organization=viewer.organization)
    if viewer.sees_clinical_data_as_admin:
        return in_org
    condition = Q(pk__in=[])
    if viewer.is_therapist:
        condition |= Q(pk__in=_active_staff(user=viewer.user).values("episode_id"))
    if viewer.is_supervisor:
        condition |= Q(
            pk__in=_active_staff(user_id__in=supervisee_ids(viewer)).values("episode_id")
        )
    return in_org.filter(condition)


def _active_staff(**lookup: Any) -> QuerySet[Participant]:
    """Therapists and co-therapists still taking part. Someone marked as left loses access; an
    interpreter rates sessions through a link like a client and does not read the record."""
    return Participant.objects.filter(role__in=WRITING_STAFF_ROLES, left_on__isnull=True, **lookup)


def writable_episodes(viewer: Viewer) -> QuerySet[CareEpisode]:
    if viewer.organization is None or not viewer.is_therapist:
        return CareEpisode.objects.none()
    return CareEpisode.objects.filter(
        organization=viewer.organization,
        pk__in=_active_staff(user=viewer.user).values("episode_id"),
    )


def visible_clients(viewer: Viewer) -> QuerySet[Client]:
    if viewer.organization is None:
        return Client.objects.none()
    context.note_read(listing="care.Client")
    in_org = Client.objects.filter(organization=viewer.organization)
    if viewer.sees_clinical_data_as_admin:
        return in_org
    in_visible = Participant.objects.filter(
        client=OuterRef("pk"), episode__in=visible_episodes(viewer)
    )
    condition = Exists(in_visible)
    if viewer.is_therapist:
        condition |= Q(created_by=viewer.user)
    return in_org.filter(condition)


def changeable_clients(viewer: Viewer) -> QuerySet[Client]:
    """Clients this person may change, and so may add to an episode: those they created and
    those of episodes they work in. Seeing a client read-only never turns into changing them."""
    if viewer.organization is None or not viewer.is_therapist:
        return Client.objects.none()
    context.note_read(listing="care.Client")
    in_writable = Participant.objects.filter(
        client=OuterRef("pk"), episode__in=writable_episodes(viewer)
    )
    return Client.objects.filter(organization=viewer.organization).filter(
        Q(created_by=viewer.user) | Exists(in_writable)
    )


def can_change_client(viewer: Viewer, client: Client) -> bool:
    if not viewer.is_therapist or client.organization_id != getattr(
        viewer.organization, "pk", None
    ):
        return False
    if client.created_by_id == viewer.user.pk:
        return True
    return Participant.objects.filter(client=client, episode__in=writable_episodes(viewer)).exists()


def can_change_episode(viewer: Viewer, episode: CareEpisode) -> bool:
    return writable_episodes(viewer).filter(pk=episode.pk).exists()


def _get_or_404(queryset: QuerySet[Any], pk: Any) -> Any:
    try:
        found = queryset.get(pk=int(pk))
    except (ValueError, TypeError, queryset.model.DoesNotExist):
        raise Http404("Not found") from None
    # Every page that reaches client data through here is audited (audit.middleware).
    context.note_read(found, client_code=trail.client_code_of(found))
    return found


def get_client_for_user(viewer: Viewer, pk: Any, *, write: bool = False) -> Client:
    client: Client = _get_or_404(visible_clients(viewer), pk)
    if write and not can_change_client(viewer, client):
        raise PermissionDenied("You can see this client but not change their record.")
    return client


def get_episode_for_user(viewer: Viewer, pk: Any, *, write: bool = False) -> CareEpisode:
    episode: CareEpisode = _get_or_404(
        visible_episodes(viewer).prefetch_related("participants__client", "participants__user"),
        pk,
    )
    if write and not can_change_episode(viewer, episode):
        raise PermissionDenied("You can see this episode but not change it.")
    return episode


def get_session_for_user(viewer: Viewer, pk: Any, *, write: bool = False) -> Session:
    session: Session = _get_or_404(
        Session.objects.filter(episode__in=visible_episodes(viewer)).select_related("episode"),
        pk,
    )
    if write and not can_change_episode(viewer, session.episode):
        raise PermissionDenied("You can see this session but not change it.")
    return session


def own_sessions(viewer: Viewer) -> QuerySet[Session]:
    """Sessions of episodes this person works in as therapist or co-therapist (office tablet
    mode: never a supervisee's or a colleague's session)."""
    context.note_read(listing="care.Session")
    return Session.objects.filter(episode__in=writable_episodes(viewer)).select_related("episode")


def get_own_session(viewer: Viewer, pk: Any) -> Session:
    session: Session = _get_or_404(own_sessions(viewer), pk)
    return session


def require_role(viewer: Viewer, *roles: str) -> None:
    """403 for a signed-in member without the role; pages for roles are not secret."""
    if not any(viewer.has(role) for role in roles):
        raise PermissionDenied("Your role in this organization does not include this page.")


def get_alert_for_user(viewer: Viewer, pk: Any, *, write: bool = False) -> Any:
    from alliance.insights.models import Alert

    alert = _get_or_404(
        Alert.objects.filter(episode__in=visible_episodes(viewer)).select_related("episode"), pk
    )
    if write and not can_change_episode(viewer, alert.episode):
        raise PermissionDenied("You can see this alert but not act on it.")
    return alert


def can_exercise_data_rights(viewer: Viewer, client: Client) -> bool:
    """Whether this person may export or erase the client (see get_client_for_data_rights)."""
    if viewer.sees_clinical_data_as_admin:
        return client.organization_id == getattr(viewer.organization, "pk", None)
    if not can_change_client(viewer, client):
        return False
    # The export holds, and the erasure deletes, every episode of the client, so a therapist
    # must work in all of them: a co-therapist of a couple episode must not read (or delete) a
    # partner's individual therapy with someone else. There the admin or the operator acts.
    elsewhere = Participant.objects.filter(client=client).exclude(
        episode__in=writable_episodes(viewer)
    )
    return not elsewhere.exists()


def get_client_for_data_rights(viewer: Viewer, pk: Any) -> Client:
    """A client whose data rights (export, erasure) this person may carry out: a therapist who
    may change the client and works in every episode of theirs, or an admin of an organization
    that lets admins see clinical data (answering such requests is often the clinic's admin's
    job). A supervisor, a therapist who works in only some of the client's episodes, or an admin
    who may not see clinical data, is refused: they would otherwise read what they may not."""
    client = get_client_for_user(viewer, pk)
    if not can_exercise_data_rights(viewer, client):
        raise PermissionDenied(
            "Only a therapist who works in all of the client's episodes, or the clinic's admin, "
            "may do this."
        )
    return client


def supervisees(viewer: Viewer) -> QuerySet[Any]:
    """The therapists this supervisor supervises in the current organization, by name."""
    from .models import User

    if viewer.organization is None or not viewer.is_supervisor:
        return User.objects.none()
    return User.objects.filter(pk__in=supervisee_ids(viewer)).order_by(
        "first_name", "last_name", "email"
    )


def get_therapist_for_user(viewer: Viewer, pk: Any) -> Any:
    """A therapist whose own alliance patterns this person may read: themself, or one of their
    supervisees. Everyone else (colleague, admin, researcher, outsider) gets a 404."""
    from .models import User

    if viewer.organization is None:
        raise Http404("Not found")
    allowed = User.objects.none()
    if viewer.is_therapist:
        allowed = User.objects.filter(pk=viewer.user.pk)
    if viewer.is_supervisor:
        allowed = allowed | User.objects.filter(pk__in=supervisee_ids(viewer))
    therapist: Any = _get_or_404(allowed.distinct(), pk)
    return therapist
