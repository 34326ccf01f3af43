"""The organization's crisis information for a client's language (see CrisisInformation)."""

from __future__ import annotations

from django.conf import settings

from .models import CrisisInformation


def base_language(code: str | None) -> str:
    return (code or settings.LANGUAGE_CODE).split("-")[0].lower()


def crisis_information_for(organization_id: int, language: str | None) -> CrisisInformation | None:
    """The row in the client's language, else the one in the installation's default language,
    else None (the page then says to call the local emergency number). One query."""
    wanted = base_language(language)
    default = base_language(settings.LANGUAGE_CODE)
    rows = {
        row.language: row
        for row in CrisisInformation.objects.filter(
            organization_id=organization_id, language__in={wanted, default}
        )
    }
    return rows.get(wanted) or rows.get(default)
