"""Translated texts of an instrument (pure: no Django).

Translations live in the definition file itself, in the standard FHIR way: a primitive element's
sibling ``_text`` (or ``_title``) carries ``translation`` extensions, each with a ``lang`` and a
``content``. The English ``text`` stays the source of truth used for scoring and FHIR output;
these texts are only for showing a form in the respondent's language. See docs/instruments.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

EXT_TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"


def translation(element: Mapping[str, Any] | None, lang: str) -> str | None:
    """The content of the translation extension for lang ('de' also matches 'de-AT')."""
    for ext in (element or {}).get("extension") or []:
        if not isinstance(ext, dict) or ext.get("url") != EXT_TRANSLATION:
            continue
        parts = {p.get("url"): p for p in ext.get("extension") or [] if isinstance(p, dict)}
        code = str(parts.get("lang", {}).get("valueCode", ""))
        content = parts.get("content", {}).get("valueString")
        if content and (code == lang or code.split("-")[0] == lang.split("-")[0]):
            return str(content)
    return None


def _walk(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, dict):
            yield item
            yield from _walk(item.get("item") or [])


def texts(questionnaire: Mapping[str, Any], lang: str) -> dict[str, str]:
    """linkId -> text in lang, for every item (questions, anchors, hints, instructions) that
    has a translation; plus '#title' for the title. Missing ones fall back to English."""
    found: dict[str, str] = {}
    title = translation(questionnaire.get("_title"), lang)
    if title:
        found["#title"] = title
    for item in _walk(list(questionnaire.get("item") or [])):
        text = translation(item.get("_text"), lang)
        if text and item.get("linkId"):
            found[str(item["linkId"])] = text
    return found


def is_translated(questionnaire: Mapping[str, Any], lang: str) -> bool:
    """True when every question has a text in lang (English always counts as translated)."""
    if lang.split("-")[0] == "en":
        return True
    have = texts(questionnaire, lang)
    questions = [
        str(i.get("linkId"))
        for i in _walk(list(questionnaire.get("item") or []))
        if i.get("type") != "display"
    ]
    return bool(questions) and all(q in have for q in questions)
