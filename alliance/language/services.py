"""Analysing an uploaded transcript, storing what the organization allows, reading it back.

The text exists in memory for the length of one request unless the organization keeps it; then
it is stored only as a Fernet token (AES-128-CBC with HMAC-SHA256) under a key from the server's
settings (ALLIANCE_TRANSCRIPT_KEYS), never in the database's clear text, the audit trail or a log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import QuerySet

from alliance.accounts import access
from alliance.audit import trail
from alliance.audit.models import Action
from alliance.care.models import CareEpisode, Session

from . import labeller, rules, summary
from .models import LanguageSettings, SessionTranscript

ROLES = ("therapist", "client", "other")


@dataclass(frozen=True)
class Analysis:
    """Everything the page shows right after an upload; only parts of it are stored."""

    turns: list[tuple[str, str]]  # (role, text) in order
    speakers: list[str]  # the speaker name of each turn, for the page only
    labels: list[labeller.Label]
    cues: list[rules.Cue]
    summary: dict[str, Any]


def analyse(
    turns: Sequence[tuple[str, str]], roles: dict[str, str], language: str = "en"
) -> Analysis:
    """Label (speaker, text) turns once each speaker has a role; unmapped speakers are 'other'."""
    with_roles = [(roles.get(speaker, "other"), text) for speaker, text in turns]
    labels = labeller.label_utterances(with_roles)
    cues = rules.find_cues(with_roles, rules.load_rules(language))
    return Analysis(
        turns=with_roles,
        speakers=[speaker for speaker, _ in turns],
        labels=labels,
        cues=cues,
        summary=summary.summarise(with_roles, labels, cues),
    )


def cipher() -> MultiFernet | None:
    """The configured keys, newest first; None when no key is set (text cannot be kept)."""
    keys = settings.TRANSCRIPT_KEYS
    if not keys:
        return None
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "ALLIANCE_TRANSCRIPT_KEYS must hold Fernet keys (44 URL-safe base64 characters); "
            "create one with `alliance language newkey`."
        ) from None


def store(session: Session, analysis: Analysis, *, by: Any, file_format: str) -> SessionTranscript:
    """Keep the counts and labels, and the text only when the organization says so (encrypted);
    a new upload replaces the previous analysis of the session."""
    # Kept only with a key; if the key was removed after the organization chose to keep text,
    # the text is discarded rather than stored in clear (the page says so).
    keep = LanguageSettings.for_organization(session.episode.organization).keep_text
    secret = cipher() if keep else None
    fields = {
        "uploaded_by": by,
        "file_format": file_format,
        "model_version": str(labeller.model_metadata().get("trained_at", ""))[:60],
        "labels": [[label.speaker, label.main, label.subtype] for label in analysis.labels],
        "summary": analysis.summary,
        "cues": [[cue.kind, cue.turn] for cue in analysis.cues],
        "encrypted_text": secret.encrypt(json.dumps(analysis.turns).encode()) if secret else None,
    }
    with transaction.atomic():
        existing = SessionTranscript.objects.select_for_update().filter(session=session).first()
        if existing is None:
            return SessionTranscript.objects.create(session=session, **fields)
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        return existing


def kept_turns(transcript: SessionTranscript) -> list[tuple[str, str]] | None:
    """The kept text, decrypted; None when it was discarded or the key is gone."""
    secret = cipher()
    if not transcript.encrypted_text or secret is None:
        return None
    try:
        data = json.loads(secret.decrypt(bytes(transcript.encrypted_text)))
    except InvalidToken:
        return None
    return [(str(role), str(text)) for role, text in data]


# --- Who may see a transcript analysis ------------------------------------------------------


def _own_therapist(viewer: access.Viewer, session: Session) -> bool:
    return access.may_change(viewer, session.episode)


def _supervisor(viewer: access.Viewer, session: Session) -> bool:
    if not viewer.is_supervisor:
        return False
    return session.episode.participants.filter(
        user_id__in=access.supervisee_ids(viewer),
        role__in=("therapist", "co_therapist"),
        left_on__isnull=True,
    ).exists()


def may_see(viewer: access.Viewer, transcript: SessionTranscript) -> bool:
    """The session's own therapists; a supervisor of one of them once it is shared. Nobody
    else: not a colleague, not an admin (even one who may read clinical records), not a
    researcher, because the language of a session is about the therapist as much as the
    client."""
    session = transcript.session
    if _own_therapist(viewer, session):
        return True
    return transcript.shared_with_supervisors and _supervisor(viewer, session)


def get_session_for_upload(viewer: access.Viewer, pk: Any) -> Session:
    """A session the viewer may add a transcript to (its own therapist); 404/403 otherwise."""
    return access.get_for(viewer, Session, pk, write=True)


def get_transcript_for_user(viewer: access.Viewer, session_pk: Any) -> SessionTranscript:
    from django.http import Http404

    session = access.get_for(viewer, Session, session_pk)
    transcript = SessionTranscript.objects.filter(session=session).first()
    if transcript is None or not may_see(viewer, transcript):
        raise Http404("Not found")
    return transcript


def visible_transcripts(viewer: access.Viewer) -> QuerySet[SessionTranscript]:
    """Analyses of sessions in episodes the viewer works in, or shared by their supervisees."""
    own = SessionTranscript.objects.filter(
        session__episode__in=CareEpisode.objects.visible_to(viewer, write=True)
    )
    if not viewer.is_supervisor:
        return own
    shared = SessionTranscript.objects.filter(
        shared_with_supervisors=True,
        session__episode__participants__user_id__in=access.supervisee_ids(viewer),
        session__episode__participants__role__in=("therapist", "co_therapist"),
        session__episode__participants__left_on__isnull=True,
        session__episode__organization=viewer.organization,
    )
    return (own | shared).distinct()


def record_viewed(instance: Any) -> None:
    """A page showed this transcript analysis or episode: a "viewed" event naming it."""
    trail.record_view(instance)


def record_practice_viewed(period: Any, organization: Any) -> None:
    """The therapist read the language of one of their own practice periods."""
    trail.record(
        Action.VIEW,
        period,
        object_type="language.practice",
        object_label=f"Practice period language: {period.skill}"[:200],
        organization=organization,
    )
