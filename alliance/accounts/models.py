"""People, the organizations they work in, their roles there and who supervises whom."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.audit.audited import AuditedModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A member of staff. Clients never log in: they answer through single-use links."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


def default_link_hours() -> int:
    """New organizations start with the installation's default link lifetime."""
    return int(settings.CHECKIN_LINK_HOURS)


class Organization(AuditedModel):
    """A clinic or a solo practice; every piece of clinical data belongs to exactly one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    require_two_factor = models.BooleanField(
        default=False,
        help_text=_("Everyone in the organization must turn on two-factor sign-in."),
    )
    admins_see_clinical_data = models.BooleanField(
        default=False,
        help_text=_("Admins may read (not change) clients, episodes and sessions."),
    )
    checkin_link_hours = models.PositiveIntegerField(
        default=default_link_hours, help_text=_("How long a check-in link stays valid, in hours.")
    )
    client_contact = models.CharField(
        _("contact for clients"),
        max_length=200,
        blank=True,
        help_text=_(
            "Shown to clients on their check-in pages, e.g. a phone number or the reception's "
            "email address."
        ),
    )
    # One time zone and one way of writing dates for everyone in the clinic (exports stay ISO).
    time_zone = models.CharField(
        _("time zone"),
        max_length=60,
        blank=True,
        help_text=_("Sessions and check-ins are shown in this time zone, e.g. Europe/London."),
    )
    date_style = models.CharField(
        _("date format"),
        max_length=4,
        choices=[
            ("dmy", _("22 Oct 2026 (day month year)")),
            ("mdy", _("Oct 22, 2026 (month day, year)")),
            ("iso", _("2026-10-22 (ISO 8601)")),
        ],
        default="dmy",
    )
    # Said to clients before their questions (checkins/_who_reads.html): who reads the answers
    # and when, so nobody takes a check-in for a line that is watched around the clock.
    answers_read = models.CharField(
        _("when answers are read"),
        max_length=20,
        choices=[
            ("next_session", _("Before the client's next session")),
            ("working_day", _("Within one working day")),
            ("same_day", _("On the same working day")),
        ],
        default="next_session",
        help_text=_("What clients are told about when their therapist reads their answers."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    THERAPIST = "therapist", _("Therapist")
    RESEARCHER = "researcher", _("Researcher")


class Membership(AuditedModel):
    """One role of one person in one organization; a person may hold several roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="one_role_once_per_org"
            )
        ]
        ordering = ["organization__name", "role"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organization}"


class Supervision(AuditedModel):
    """A supervisor sees the episodes of the therapists linked here, read-only."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="supervisions"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisees_links"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisor_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "supervisor", "therapist"], name="supervise_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(supervisor=models.F("therapist")),
                name="no_self_supervision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} supervises {self.therapist}"


class Invitation(AuditedModel):
    """An existing account asked to join an organization; nothing changes until they accept.

    Without it, any clinic's admin could add someone else's staff to their own organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(null=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.organization} as {self.get_role_display()}"


class CrisisInformation(AuditedModel):
    """What a client should do in an emergency, in one language, as the organization words it.

    Shown on the client's pages (checkins/_who_reads.html, the thank-you page after a risk answer,
    beside PHQ-9 item 9). One row per language; a language without its own row gets the row of
    the installation's default language (docs/checkins.md, "Safety for the client")."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="crisis_information"
    )
    language = models.CharField(max_length=10)
    emergency = models.TextField(
        _("what to do in an emergency"),
        help_text=_("One or two short sentences, e.g. who to call if someone is in danger now."),
    )
    services = models.TextField(
        _("numbers and services"),
        blank=True,
        help_text=_("One per line: the name, then the number or address, e.g. a crisis line."),
    )
    # The demo ships example wording that must not be mistaken for a real region's services.
    is_example = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "language"], name="crisis_information_once_per_language"
            )
        ]
        ordering = ["organization", "language"]

    def __str__(self) -> str:
        return f"Crisis information of {self.organization} ({self.language})"

    @property
    def service_lines(self) -> list[tuple[str, str]]:
        """Each line of `services` as (name, number or address), split at its last ": " (so a
        colon inside the name, or in a web address, stays where it is)."""
        rows = []
        for line in self.services.splitlines():
            name, sep, rest = line.rpartition(": ")
            if line.strip():
                rows.append((name.strip(), rest.strip()) if sep else (line.strip(), ""))
        return rows
