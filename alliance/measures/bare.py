"""A bare FHIR Questionnaire, as publishers ship it, turned into a definition file (pure).

Publishers put scores on the answers (ordinalValue, itemWeight) and a total as a calculated
item, but say nothing of who answers, when, or which direction is worse. So the scoring section
is inferred: one summed total over every scored question, shown to the admin with ``--dry-run``
before anything is stored. What cannot be inferred (bands, cutoffs, reliable change) is left
out; a clinic that needs them writes a scoring section (docs/instruments.md).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from alliance.measures import definition as defs
from alliance.measures.scoring import Item

SITE_QUESTIONNAIRES = "https://alliance.example.org/fhir/Questionnaire"
PHQ9_PANEL, PHQ9_TOTAL, PHQ9_ITEM9 = "44249-1", "44261-6", "44260-8"
PHQ9_RISK_MESSAGE = (
    "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) was answered above "
    "'Not at all'. Check on the client's safety today."
)
NO_SCORES = (
    "This Questionnaire gives no score for any answer (no ordinalValue or itemWeight), so "
    "Alliance cannot tell how to score it: wrap it in a definition file with a 'scoring' "
    "section (see docs/instruments.md), or import it with --unscored to collect the answers "
    "without scores."
)


def is_bare(data: Any) -> bool:
    return isinstance(data, dict) and data.get("resourceType") == "Questionnaire"


def key_for(q: dict[str, Any]) -> str:
    """A key from the Questionnaire's id, name or title: lower case, digits and hyphens."""
    for field in ("id", "name", "title"):
        text = re.sub(r"[^a-z0-9]+", "-", str(q.get(field) or "").lower()).strip("-")
        if text:
            return text[:60].rstrip("-")
    return ""


def _filled(q: dict[str, Any], key: str) -> dict[str, Any]:
    """The fields Alliance needs that publishers often leave out, filled in on a copy."""
    q = copy.deepcopy(q)
    q.setdefault("url", f"{SITE_QUESTIONNAIRES}/{key}")
    q.setdefault("version", "1")
    q.setdefault("title", q.get("name") or key)
    q.setdefault("name", re.sub(r"[^A-Za-z0-9]", "", str(q["title"])) or key)
    return q


def _items(q: dict[str, Any]) -> dict[str, Item]:
    ck = defs._Checker()
    items = defs._check_questionnaire(ck, q)
    if ck.errors:
        raise defs.InstrumentDefinitionError(ck.errors)
    return items


def _total_item(q: dict[str, Any]) -> dict[str, Any] | None:
    for raw, _path, _enable in defs._walk(q.get("item") or [], "item"):
        if defs.is_calculated(raw) and raw.get("type") in ("decimal", "integer", "quantity"):
            return raw
    return None


def _codes(q: dict[str, Any]) -> set[str]:
    found = {str(c.get("code")) for c in q.get("code") or [] if isinstance(c, dict)}
    for raw, _path, _enable in defs._walk(q.get("item") or [], "item"):
        found |= {str(c.get("code")) for c in raw.get("code") or [] if isinstance(c, dict)}
    return found


def _risk_items(q: dict[str, Any], scored: list[Item]) -> list[dict[str, Any]]:
    """PHQ-9 item 9 is a risk question wherever the file comes from; recognised by its LOINC
    codes, or as the ninth question of a file coded as the PHQ-9 panel or total."""
    item9 = next((it for it in scored if it.code and it.code.code == PHQ9_ITEM9), None)
    if item9 is None and len(scored) == 9 and _codes(q) & {PHQ9_PANEL, PHQ9_TOTAL}:
        item9 = scored[8]
    if item9 is None:
        return []
    return [{"linkId": item9.link_id, "threshold": 0, "message": PHQ9_RISK_MESSAGE}]


def infer_scoring(q: dict[str, Any], key: str, *, unscored: bool = False) -> dict[str, Any]:
    """The scoring section this Questionnaire implies; raises InstrumentDefinitionError."""
    items = _items(q)
    scored = [it for it in items.values() if it.answer_type == "choice" and it.scored]
    if not scored and not unscored:
        raise defs.InstrumentDefinitionError([NO_SCORES])
    scales = []
    if scored:
        total = _total_item(q) or {}
        scale: dict[str, Any] = {
            "key": "total",
            "label": str(total.get("text") or "Total"),
            "items": [it.link_id for it in scored],
            "method": "sum",
            "min": sum(it.min or 0 for it in scored),
            "max": sum(it.max or 0 for it in scored),
            "direction": "higher_is_worse",
        }
        codes = [c for c in total.get("code") or [] if isinstance(c, dict)]
        if codes:
            scale["code"] = {k: codes[0][k] for k in ("system", "code", "display") if k in codes[0]}
        scales.append(scale)
    scoring: dict[str, Any] = {
        "key": key,
        "version": str(q["version"]),
        "respondent": ["client"],
        "timing": "after",
        "kind": "outcome",
        "validated": False,
        "items": [],
        "scales": scales,
        "risk_items": _risk_items(q, scored),
        "source": ", ".join(str(q[k]) for k in ("publisher", "url") if q.get(k)),
    }
    if q.get("copyright"):
        scoring["licence"] = str(q["copyright"])
    return scoring


def as_definition(q: dict[str, Any], *, key: str = "", unscored: bool = False) -> dict[str, Any]:
    """A whole definition file for a bare Questionnaire; raises InstrumentDefinitionError."""
    key = key or key_for(q)
    if not key:
        raise defs.InstrumentDefinitionError(
            ["The Questionnaire has no id, name or title to make a key from; give one with --key."]
        )
    if not defs.KEY_RE.match(key):
        raise defs.InstrumentDefinitionError(
            [f"The key '{key}' must use lower-case letters, digits and hyphens."]
        )
    filled = _filled(q, key)
    return {"questionnaire": filled, "scoring": infer_scoring(filled, key, unscored=unscored)}
