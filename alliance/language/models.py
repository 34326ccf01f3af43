"""A session's transcript analysis, and each organization's choice about keeping the text.

By default only counts and labels survive the upload: the text is analysed in memory and then
discarded (nothing of it is written to the database, the audit trail or a log). An organization
may instead keep the text, encrypted with a key from the server's settings, so the therapist can
read the labelled lines again later.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.audit.audited import AuditedModel


class LanguageSettings(AuditedModel):
    """One organization's choice; an organization without a row discards the text."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="language_settings"
    )
    keep_text = models.BooleanField(
        _("keep the transcript text, encrypted"),
        default=False,
        help_text=_(
            "Off (recommended): the text is analysed and discarded, only the counts and labels "
            "are kept. On: the text is kept encrypted at rest so it can be read again."
        ),
    )
    rules_language = models.CharField(
        _("language of the phrase rules"), max_length=10, default="en"
    )

    def __str__(self) -> str:
        return f"Language settings of {self.organization}"

    @classmethod
    def for_organization(cls, organization: Any) -> LanguageSettings:
        found = cls.objects.filter(organization=organization).first()
        return found or cls(organization=organization)


class SessionTranscript(AuditedModel):
    """The analysis of one session's transcript; a new upload replaces the old one."""

    session = models.OneToOneField(
        "care.Session", on_delete=models.CASCADE, related_name="transcript"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)
    file_format = models.CharField(max_length=10)
    model_version = models.CharField(max_length=60)
    # Per turn, in order: [role, label, subtype]; no words.
    labels = models.JSONField(default=list)
    # The summary numbers (docs/language.md lists them) and the cues as [kind, turn index].
    summary = models.JSONField(default=dict)
    cues = models.JSONField(default=list)
    # Fernet token of the turns as JSON, only when the organization keeps text; else empty.
    encrypted_text = models.BinaryField(null=True, blank=True, editable=False)
    shared_with_supervisors = models.BooleanField(default=False)

    # The audit trail records that these changed, never what they say.
    audit_content_fields = ("labels", "summary", "cues", "encrypted_text")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"Transcript analysis of {self.session}"

    @property
    def organization(self) -> Any:
        return self.session.episode.organization

    def audit_client_code(self) -> str:
        return self.session.audit_client_code()

    @property
    def keeps_text(self) -> bool:
        return bool(self.encrypted_text)
