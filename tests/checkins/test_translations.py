"""Every client-facing string has a translation in every shipped language: checked against the
catalogues (what a translator sees) and while rendering every client page in every state (what
a client sees), including the texts of the project's own instruments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import translation
from django.utils.translation import trans_real

from alliance.measures import i18n, registry

from .client_tour import languages, pages, prepare

LOCALE = Path(__file__).resolve().parents[2] / "alliance" / "locale"
# Templates a client sees; their every string must be translated.
CLIENT_TEMPLATE = re.compile(
    r"^templates/(checkins/(client_|_questions|_client_|_who_reads|_crisis)|goals/(client_|_client_offer))"
)
# The same word in both languages, rightly.
SAME_WORD = {"fr": {"Date", "Session"}, "de": set(), "es": set()}
CLIENT_INSTRUMENTS = (
    "alliance-checkin-client",
    "alliance-checkin-conjoint",
    "alliance-checkin-interpreter",
    "alliance-pulse",
)


def catalogue(lang: str) -> list[dict[str, Any]]:
    """The entries of a .po file: references, flags, msgid and the msgstr forms."""
    entries, current, field = [], None, ""
    for line in (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text("utf-8").splitlines():
        if not line.strip():
            current = None
            continue
        if current is None:
            current = {"refs": [], "flags": "", "msgid": "", "msgid_plural": "", "msgstr": {}}
            entries.append(current)
        if line.startswith("#:"):
            current["refs"] += line[2:].split()
        elif line.startswith("#,"):
            current["flags"] += line[2:]
        elif line.startswith("#"):
            continue
        else:
            found = re.match(r'(msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if found:
                field, value = found.group(1), found.group(2)
            else:
                value = line.strip()[1:-1]
            if field.startswith("msgstr"):
                current["msgstr"][field] = current["msgstr"].get(field, "") + value
            else:
                current[field] += value
    return [e for e in entries if e["msgid"]]


def client_entries(lang: str) -> list[dict[str, Any]]:
    return [e for e in catalogue(lang) if any(CLIENT_TEMPLATE.match(r) for r in e["refs"])]


def shipped() -> list[str]:
    return [lang for lang in languages() if lang != "en"]


@pytest.mark.parametrize("lang", shipped())
def test_every_client_template_string_is_translated_in_the_catalogue(lang: str) -> None:
    entries = client_entries(lang)
    assert len(entries) > 50  # the client pages really were found
    missing = [
        e["msgid"]
        for e in entries
        if "fuzzy" in e["flags"] or not all(v.strip() for v in e["msgstr"].values())
    ]
    assert missing == []


@pytest.mark.parametrize("lang", shipped())
def test_project_instruments_are_translated_including_anchors_and_hints(lang: str) -> None:
    for key in CLIENT_INSTRUMENTS:
        questionnaire = registry.load_shipped()[key].questionnaire
        assert i18n.is_translated(questionnaire, lang), key
        have = i18n.texts(questionnaire, lang)
        stack = list(questionnaire["item"])
        while stack:
            item = stack.pop()
            stack.extend(item.get("item") or [])
            assert item["linkId"] in have, (key, item["linkId"])
        assert "#title" in have


@pytest.mark.django_db
@pytest.mark.parametrize("lang", shipped())
def test_every_client_page_in_every_state_is_translated(clinic, monkeypatch, lang) -> None:
    """Rendering the pages records every lookup; one that comes back in English is a gap."""
    untranslated: set[str] = set()
    original_gettext = trans_real.DjangoTranslation.gettext
    original_ngettext = trans_real.DjangoTranslation.ngettext

    def gettext(self: Any, message: str) -> str:
        result = original_gettext(self, message)
        if self.language() == lang and result == message and re.search("[a-z]{2}", message):
            untranslated.add(message)
        return result

    def ngettext(self: Any, singular: str, plural: str, n: int) -> str:
        result = original_ngettext(self, singular, plural, n)
        if self.language() == lang and result in (singular, plural):
            untranslated.add(singular)
        return result

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", gettext)
    monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", ngettext)
    seen = pages(HttpClient(HTTP_ACCEPT_LANGUAGE=lang), prepare(clinic, lang))
    # The language switch looks up each language's name once more; those are not gaps.
    with translation.override(lang):
        names = {str(name) for _code, name in settings.LANGUAGES}
    assert untranslated - SAME_WORD[lang] - names == set()
    for name, html in seen.items():
        assert f'<html lang="{lang}">' in html, name
    # The licensed instruments stay English, marked as such, inside a page in lang.
    assert 'lang="en"' in seen["combined"] and "Little interest or pleasure" in seen["combined"]
    # No clinician-facing text reaches a client.
    for html in seen.values():
        assert "not a validated instrument" not in html and "cutoff" not in html
