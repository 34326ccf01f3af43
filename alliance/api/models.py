"""Organization-scoped API tokens and alert webhooks (endpoints, deliveries, attempts).

A token belongs to an organization, not a person: a record system acts for the clinic. Only the
SHA-256 of a token is stored, so a copy of the database opens nothing. A webhook secret must be
kept (it signs every delivery); the audit trail never copies it (`trail.REDACTED_FIELDS`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Membership, Role
from alliance.audit.audited import AuditedModel

TOKEN_PREFIX = "alk_"  # noqa: S105 - a visible prefix, not a secret


def hash_api_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Scope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(AuditedModel):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Which system uses it, e.g. 'Record system'.")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters, so an admin can tell tokens apart without the secret.
    prefix = models.CharField(max_length=12)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"API token '{self.name}' ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE

    def clinical_access_problem(self) -> str:
        """Why this token may not read the organization's clinical data now, or "".

        A token never reads more than the person who created it may read now: every client of
        the organization, which an admin reads only while the organization lets admins read
        clinical data. Turning that setting off, or taking the creator's admin role away,
        stops the token at once (docs/threat-model.md, "API tokens")."""
        if not self.organization.admins_see_clinical_data:
            return (
                "This organization does not let admins read clinical data, so its API tokens "
                "are suspended until an admin turns that setting on."
            )
        creator = self.created_by_id
        if (
            creator is None
            or not Membership.objects.filter(
                organization_id=self.organization_id, user_id=creator, role=Role.ADMIN
            ).exists()
        ):
            return "The person who created this token is no longer an admin here."
        return ""

    @classmethod
    def issue(cls, organization: Any, *, name: str, scope: str, by: Any) -> tuple[ApiToken, str]:
        """A new token; the raw value is returned once and never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            organization=organization,
            name=name,
            scope=scope,
            token_hash=hash_api_token(raw),
            prefix=raw[:10],
            created_by=by,
        )
        return token, raw

    def revoke(self) -> None:
        if self.revoked_at is not None:
            return
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class WebhookEndpoint(AuditedModel):
    """An HTTPS address of the organization's own system that hears about new alerts."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (gave up)")


class WebhookDelivery(models.Model):
    """One event for one endpoint; a worker claims it and tries until it succeeds or gives up."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    alert = models.ForeignKey(
        "insights.Alert", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    event = models.CharField(max_length=40, default="alert.created")
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "alert", "event"], name="webhook_event_once"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} #{self.alert_id} to {self.endpoint}"

    def schedule_retry(self, now: dt.datetime) -> None:
        """Exponential backoff: base, 2×base, 4×base … up to the cap; give up after the limit."""
        if self.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            self.state = DeliveryState.FAILED
            return
        delay = min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (self.attempts - 1), 6 * 60 * 60)
        self.next_attempt_at = now + dt.timedelta(seconds=delay)


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the background worker")
    RUNNING = "running", _("Being prepared")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ResearchExport(models.Model):
    """A research export asked for on the page and built by the worker (research_exports.py).

    The finished ZIP is kept in the database, not on a disk, so whichever web server answers
    the download finds it, however many machines run Alliance; it is removed when it expires."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="research_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    formats = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "requested_by", "created_at"])]

    def __str__(self) -> str:
        return f"research export {self.pk} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in (ExportState.QUEUED, ExportState.RUNNING)

    @property
    def percent(self) -> int:
        """How far reading the responses has come; writing the files is the last few percent."""
        if self.state == ExportState.READY:
            return 100
        if not self.rows_total:
            return 0
        return min(95, self.rows_done * 95 // self.rows_total)
