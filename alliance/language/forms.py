"""The upload form, the speaker-mapping form and the organization's setting."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from . import rules, transcripts
from .models import LanguageSettings

SIGNING_SALT = "alliance.language.pending-transcript"
PENDING_MAX_AGE = 60 * 60  # an hour to map the speakers
ACCEPTED = (".vtt", ".srt", ".txt", ".docx")
ROLE_CHOICES = [
    ("therapist", _("Therapist")),
    ("client", _("Client")),
    ("other", _("Someone else (not labelled)")),
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Transcript file"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED)}),
        help_text=_(
            "WebVTT (.vtt) or SRT (.srt) captions with speaker names, plain text (.txt) with "
            "'Therapist:' and 'Client:' lines, or a Word document (.docx)."
        ),
    )

    def clean_file(self) -> list[transcripts.Turn]:
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if not name.lower().endswith(ACCEPTED):
            raise forms.ValidationError(_("Upload a .vtt, .srt, .txt or .docx file."))
        if upload.size > settings.TRANSCRIPT_MAX_BYTES:
            raise forms.ValidationError(
                _("This file is larger than %(mb).1f MB; is it a transcript?")
                % {"mb": settings.TRANSCRIPT_MAX_BYTES / 1e6}
            )
        try:
            turns = transcripts.parse(name, upload.read())
        except transcripts.TranscriptError as error:
            raise forms.ValidationError(str(error)) from None
        self.file_format = name.rsplit(".", 1)[-1].lower()
        return turns


def pending_payload(turns: list[transcripts.Turn], file_format: str, session_pk: int) -> str:
    """The parsed turns, signed, carried by the mapping form so the server keeps nothing
    between the two steps; the signature stops anyone posting text the server never parsed
    for this session."""
    data = {"s": session_pk, "f": file_format, "t": [[t.speaker, t.text] for t in turns]}
    return signing.dumps(data, salt=SIGNING_SALT, compress=True)


class SpeakerMapForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, session_pk: int, speakers: list[str] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.session_pk = session_pk
        self.pending: dict[str, Any] | None = None
        if speakers is None:
            self.pending = self._unsigned(self.data.get("payload", ""))
            speakers = transcripts.speakers_in(self.turns) if self.pending else []
        self.speakers = speakers
        for i, speaker in enumerate(speakers):
            self.fields[f"role_{i}"] = forms.ChoiceField(
                label=speaker or _("(no name)"),
                choices=ROLE_CHOICES,
                initial=transcripts.guess_role(speaker) or "other",
                widget=forms.RadioSelect,
            )

    def _unsigned(self, payload: str) -> dict[str, Any] | None:
        try:
            data = signing.loads(payload, salt=SIGNING_SALT, max_age=PENDING_MAX_AGE)
        except signing.BadSignature:
            return None
        return data if data.get("s") == self.session_pk else None

    @property
    def turns(self) -> list[transcripts.Turn]:
        return [transcripts.Turn(s, t) for s, t in (self.pending or {}).get("t", [])]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.pending is None:
            raise forms.ValidationError(
                _("This upload has expired or was changed; please upload the file again.")
            )
        roles = self.roles()
        if "therapist" not in roles.values():
            raise forms.ValidationError(_("Mark at least one speaker as the therapist."))
        return cleaned

    def roles(self) -> dict[str, str]:
        return {
            speaker: self.cleaned_data.get(f"role_{i}", "other")
            for i, speaker in enumerate(self.speakers)
        }


class LanguageSettingsForm(forms.ModelForm):
    class Meta:
        model = LanguageSettings
        fields = ["keep_text", "rules_language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only languages that have a rules file (alliance/language/rules/<code>.json).
        self.fields["rules_language"] = forms.ChoiceField(
            label=_("Language of the phrase rules"),
            choices=[(code, code) for code in rules.available_languages()],
            help_text=_("Which phrases count as alliance moves and rupture cues."),
        )

    def clean_keep_text(self) -> bool:
        keep = bool(self.cleaned_data["keep_text"])
        if keep and not settings.TRANSCRIPT_KEYS:
            raise forms.ValidationError(
                _(
                    "The server has no transcript key (ALLIANCE_TRANSCRIPT_KEYS), so text cannot "
                    "be kept encrypted. Ask your operator to set one first."
                )
            )
        return keep
