"""Clients, their care episodes with everyone taking part, and the sessions of each episode."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.audit import trail
from alliance.audit.audited import AuditedModel


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

    class Meta:
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        names = ", ".join(p.client.display_name for p in self.client_participants())
        return self.title or names or f"Episode {self.pk}"

    def client_participants(self) -> list[Participant]:
        return [p for p in self.participants.all() if p.client_id is not None]

    def staff_participants(self) -> list[Participant]:
        return [p for p in self.participants.all() if p.user_id is not None]

    def audit_client_code(self) -> str:
        return ",".join(p.client.code for p in self.client_participants())

    @property
    def is_open(self) -> bool:
        return self.status == EpisodeStatus.OPEN

    @classmethod
    def open_for(
        cls,
        organization,
        *,
        therapist,
        clients,
        client_role,
        co_therapists=(),
        interpreters=(),
        **fields,
    ):  # noqa: ANN001, ANN206
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

    def set_status(self, status: str, *, by, reason: str = "") -> None:  # noqa: ANN001
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
        from .signals import sessions_renumbered

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
        who = self.client.display_name if self.client_id else self.user.display_name
        return f"{who} ({self.get_role_display()})"

    @property
    def is_client(self) -> bool:
        return self.client_id is not None

    @property
    def organization(self):  # noqa: ANN201 - used by the audit trail
        return self.episode.organization

    def audit_client_code(self) -> str:
        return self.client.code if self.client_id else self.episode.audit_client_code()


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
    def organization(self):  # noqa: ANN201 - used by the audit trail
        return self.episode.organization

    def audit_client_code(self) -> str:
        return self.episode.audit_client_code()
