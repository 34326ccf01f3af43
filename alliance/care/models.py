"""Clients, their care episodes with everyone taking part, and the sessions of each episode."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.accounts.access import Viewer, VisibleQuerySet, supervisee_ids
from alliance.audit import context, trail
from alliance.audit.audited import AuditedModel

from .signals import sessions_renumbered

if TYPE_CHECKING:
    from alliance.accounts.models import Organization, User


class ClientQuerySet(VisibleQuerySet["Client"]):
    write_refused = "You can see this client but not change their record."

    def visible_to(self, viewer: Viewer, write: bool = False) -> ClientQuerySet:
        """A therapist sees the clients of the episodes they see and the clients they created;
        others see the clients of the episodes they see. A therapist may change (and so add to an
        episode) those they created and those of episodes they work in: seeing a client
        read-only never turns into changing them."""
        if viewer.organization is None:
            return self.none()
        if write:
            return self._changeable_by(viewer)
        context.note_read(listing="care.Client")
        in_org = self.filter(organization=viewer.organization)
        if viewer.sees_clinical_data_as_admin:
            return in_org
        in_visible = Participant.objects.filter(
            client=OuterRef("pk"), episode__in=CareEpisode.objects.visible_to(viewer)
        )
        condition: Q | Exists = Exists(in_visible)
        if viewer.is_therapist:
            condition |= Q(created_by=viewer.user)
        return in_org.filter(condition)

    def _changeable_by(self, viewer: Viewer) -> ClientQuerySet:
        if not viewer.is_therapist:
            return self.none()
        context.note_read(listing="care.Client")
        in_writable = Participant.objects.filter(
            client=OuterRef("pk"), episode__in=CareEpisode.objects.visible_to(viewer, write=True)
        )
        return self.filter(organization=viewer.organization).filter(
            Q(created_by=viewer.user) | Exists(in_writable)
        )

    def writable_by(self, viewer: Viewer, instance: models.Model) -> bool:
        # The same rule as _changeable_by, asked of one client without noting a listing.
        client: Any = instance
        if not viewer.is_therapist or client.organization_id != getattr(
            viewer.organization, "pk", None
        ):
            return False
        if client.created_by_id == viewer.user.pk:
            return True
        writable = CareEpisode.objects.visible_to(viewer, write=True)
        return Participant.objects.filter(client=client, episode__in=writable).exists()

    def can_exercise_data_rights(self, viewer: Viewer, client: Client) -> bool:
        """Whether this person may export or erase the client: a therapist who may change the
        client and works in every episode of theirs, or an admin of an organization that lets
        admins see clinical data (answering such requests is often the clinic's admin's job)."""
        if viewer.sees_clinical_data_as_admin:
            return client.organization_id == getattr(viewer.organization, "pk", None)
        if not self.writable_by(viewer, client):
            return False
        # The export holds, and the erasure deletes, every episode of the client, so a therapist
        # must work in all of them: a co-therapist of a couple episode must not read (or delete)
        # a partner's individual therapy with someone else. There the admin or the operator acts.
        elsewhere = Participant.objects.filter(client=client).exclude(
            episode__in=CareEpisode.objects.visible_to(viewer, write=True)
        )
        return not elsewhere.exists()


class CareEpisodeQuerySet(VisibleQuerySet["CareEpisode"]):
    write_refused = "You can see this episode but not change it."

    def visible_to(self, viewer: Viewer, write: bool = False) -> CareEpisodeQuerySet:
        """A therapist sees the episodes they take part in and may change them; a supervisor sees
        the episodes of the therapists they supervise, read-only; an admin sees every episode of
        the organization read-only, where the organization allows it."""
        if viewer.organization is None:
            return self.none()
        if write:
            if not viewer.is_therapist:
                return self.none()
            return self.filter(
                organization=viewer.organization,
                pk__in=_active_staff(user=viewer.user).values("episode_id"),
            )
        context.note_read(listing="care.CareEpisode")
        in_org = self.filter(organization=viewer.organization)
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

    def for_lookup(self) -> CareEpisodeQuerySet:
        # The organization too: its settings, prompts and thresholds are read on every page of
        # an episode, and a join costs less than a query of its own.
        return self.select_related("organization").prefetch_related(
            "participants__client", "participants__user"
        )


def _active_staff(**lookup: Any) -> models.QuerySet[Participant]:
    """Therapists and co-therapists still taking part. Someone marked as left loses access; an
    interpreter rates sessions through a link like a client and does not read the record."""
    return Participant.objects.filter(role__in=WRITING_STAFF_ROLES, left_on__isnull=True, **lookup)


class ParticipantQuerySet(VisibleQuerySet["Participant"]):
    def visible_to(self, viewer: Viewer, write: bool = False) -> ParticipantQuerySet:
        """Who takes part in the episodes the person sees."""
        return self.filter(episode__in=CareEpisode.objects.visible_to(viewer, write=write))


class SessionQuerySet(VisibleQuerySet["Session"]):
    write_refused = "You can see this session but not change it."

    def visible_to(self, viewer: Viewer, write: bool = False) -> SessionQuerySet:
        """The sessions of the episodes the person sees; with write=True, of the episodes they
        work in as therapist or co-therapist (also office tablet mode: never a supervisee's or a
        colleague's session)."""
        if write:
            context.note_read(listing="care.Session")
        return self.filter(episode__in=CareEpisode.objects.visible_to(viewer, write=write))

    def for_lookup(self) -> SessionQuerySet:
        return self.select_related("episode")

    def writable_by(self, viewer: Viewer, instance: models.Model) -> bool:
        session: Any = instance
        return (
            CareEpisode.objects.visible_to(viewer, write=True)
            .filter(pk=session.episode_id)
            .exists()
        )


class Client(AuditedModel):
    """The minimum needed to run the product: a code and a display name. No diagnosis field."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="clients"
    )
    code = models.CharField(
        _("client code"),
        max_length=40,
        help_text=_("Your clinic's reference for this client, e.g. C-1042."),
    )
    display_name = models.CharField(
        _("display name"),
        max_length=120,
        help_text=_("How you refer to the client on screen; a first name or initials is enough."),
    )
    email = models.EmailField(
        _("contact email"), blank=True, help_text=_("Optional; only used to send check-in links.")
    )
    phone = models.CharField(
        _("contact phone"), max_length=40, blank=True, help_text=_("Optional.")
    )
    # The language the client chose on their own check-in page; empty means "as their browser
    # asks". Set by the client, not by staff: it follows them to their next link.
    language = models.CharField(
        _("language of check-in pages"),
        max_length=10,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="client_code_unique")
        ]
        ordering = ["display_name", "code"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    def audit_client_code(self) -> str:
        return self.code


class EpisodeFormat(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COUPLE = "couple", _("Couple")
    FAMILY = "family", _("Family")
    GROUP = "group", _("Group")


class EpisodeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CareEpisode(AuditedModel):
    """One course of therapy, with one or more clients and one or more staff taking part."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="episodes"
    )
    title = models.CharField(
        _("title"), max_length=120, blank=True, help_text=_("Optional, e.g. 'Couple work 2026'.")
    )
    format = models.CharField(
        _("format"), max_length=20, choices=EpisodeFormat.choices, default=EpisodeFormat.INDIVIDUAL
    )
    status = models.CharField(
        max_length=10, choices=EpisodeStatus.choices, default=EpisodeStatus.OPEN
    )
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CareEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        clients = [p.client for p in self.client_participants() if p.client is not None]
        names = ", ".join(client.display_name for client in clients)
        return self.title or names or f"Episode {self.pk}"

    def client_participants(self) -> list[Participant]:
        return [p for p in self.participants.all() if p.client_id is not None]

    def staff_participants(self) -> list[Participant]:
        return [p for p in self.participants.all() if p.user_id is not None]

    def audit_client_code(self) -> str:
        return ",".join(p.client.code for p in self.client_participants() if p.client is not None)

    @property
    def is_open(self) -> bool:
        return self.status == EpisodeStatus.OPEN

    @classmethod
    def open_for(
        cls,
        organization: Organization,
        *,
        therapist: User,
        clients: Iterable[Client],
        client_role: str,
        co_therapists: Iterable[User] = (),
        interpreters: Iterable[User] = (),
        **fields: Any,
    ) -> CareEpisode:
        """Open an episode with its participants and its first status record, all audited."""
        # Recorded once everyone takes part, so the events name the episode's clients.
        with trail.held():
            episode = cls.objects.create(organization=organization, **fields)
            people = [(therapist, ParticipantRole.THERAPIST)]
            people += [(user, ParticipantRole.CO_THERAPIST) for user in co_therapists]
            people += [(user, ParticipantRole.INTERPRETER) for user in interpreters]
            for user, role in people:
                Participant.objects.create(episode=episode, user=user, role=role)
            for client in clients:
                Participant.objects.create(episode=episode, client=client, role=client_role)
            EpisodeStatusChange.objects.create(
                episode=episode, status=EpisodeStatus.OPEN, changed_by=therapist, reason="opened"
            )
        return episode

    def set_status(self, status: str, *, by: User | None, reason: str = "") -> None:
        """Close or reopen; the log keeps every change so the history survives."""
        self.status = status
        self.closed_on = timezone.localdate() if status == EpisodeStatus.CLOSED else None
        self.save(update_fields=["status", "closed_on"])
        EpisodeStatusChange.objects.create(
            episode=self, status=status, changed_by=by, reason=reason
        )

    def next_session_number(self) -> int:
        last = self.sessions.aggregate(models.Max("number"))["number__max"]
        return (last or 0) + 1

    def renumber_sessions(self) -> dict[int, int]:
        """Number the sessions in date order (a session added for today, after one scheduled
        for next week, comes before it). Returns {old number: new number} for those that moved.
        Call inside a transaction with the episode row locked."""
        sessions = list(self.sessions.order_by("starts_at", "number", "pk"))
        moved = [(s, i) for i, s in enumerate(sessions, start=1) if s.number != i]
        if not moved:
            return {}
        # Out of the way first: (episode, number) is unique at every step. Not audited: the
        # saves below record each move from the number loaded to the new one.
        offset = max(s.number for s in sessions) + len(sessions) + 1
        Session.objects.filter(pk__in=[s.pk for s, _ in moved]).update(
            number=models.F("number") + offset
        )
        mapping = {}
        for session, number in moved:
            mapping[session.number] = number
            session.number = number
            session.save(update_fields=["number", "updated_at"])
        sessions_renumbered.send(sender=CareEpisode, episode=self, mapping=mapping)
        return mapping


class EpisodeStatusChange(models.Model):
    """Closing and reopening an episode adds a row here; nothing is overwritten."""

    episode = models.ForeignKey(CareEpisode, on_delete=models.CASCADE, related_name="status_log")
    status = models.CharField(max_length=10, choices=EpisodeStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.changed_at:%Y-%m-%d}"


class ParticipantRole(models.TextChoices):
    CLIENT = "client", _("Client")
    PARTNER = "partner", _("Partner")
    FAMILY_MEMBER = "family_member", _("Family member")
    GROUP_MEMBER = "group_member", _("Group member")
    THERAPIST = "therapist", _("Therapist")
    CO_THERAPIST = "co_therapist", _("Co-therapist")
    INTERPRETER = "interpreter", _("Interpreter")


CLIENT_ROLES = {
    ParticipantRole.CLIENT,
    ParticipantRole.PARTNER,
    ParticipantRole.FAMILY_MEMBER,
    ParticipantRole.GROUP_MEMBER,
}
STAFF_ROLES = {ParticipantRole.THERAPIST, ParticipantRole.CO_THERAPIST, ParticipantRole.INTERPRETER}
# Staff roles that may change the episode's clinical record; an interpreter takes part and rates
# the session but does not edit clients, sessions or plans.
WRITING_STAFF_ROLES = {ParticipantRole.THERAPIST, ParticipantRole.CO_THERAPIST}


class Participant(AuditedModel):
    """Someone taking part in an episode: a client (no login) or a member of staff."""

    episode = models.ForeignKey(CareEpisode, on_delete=models.CASCADE, related_name="participants")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="participations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.CharField(max_length=20, choices=ParticipantRole.choices)
    joined_on = models.DateField(default=timezone.localdate)
    left_on = models.DateField(null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(client__isnull=False, user__isnull=True)
                    | models.Q(client__isnull=True, user__isnull=False)
                ),
                name="participant_is_client_or_staff",
            ),
            models.UniqueConstraint(
                fields=["episode", "client"],
                condition=models.Q(client__isnull=False),
                name="client_once_per_episode",
            ),
            models.UniqueConstraint(
                fields=["episode", "user"],
                condition=models.Q(user__isnull=False),
                name="staff_once_per_episode",
            ),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        person = self.client if self.client_id else self.user
        who = person.display_name if person is not None else ""
        return f"{who} ({self.get_role_display()})"

    @property
    def is_client(self) -> bool:
        return self.client_id is not None

    @property
    def organization(self) -> Organization:  # used by the audit trail
        return self.episode.organization

    def audit_client_code(self) -> str:
        if self.client is not None:
            return self.client.code
        return self.episode.audit_client_code()


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("Attended")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class Session(AuditedModel):
    """One therapy session of an episode, numbered in date order (`renumber_sessions`)."""

    episode = models.ForeignKey(CareEpisode, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveIntegerField()
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveIntegerField(_("length in minutes"), default=50)
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "number"], name="session_number_unique")
        ]
        ordering = ["episode", "number"]

    def __str__(self) -> str:
        return f"Session {self.number} on {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_future_day(self) -> bool:
        """Scheduled for a later day: not to be rated or entered on paper before its day."""
        return timezone.localtime(self.starts_at).date() > timezone.localdate()

    @property
    def organization(self) -> Organization:  # used by the audit trail
        return self.episode.organization

    def audit_client_code(self) -> str:
        return self.episode.audit_client_code()
