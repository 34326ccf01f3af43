"""FHIR R4 views of instruments and completions (pure: plain dicts in and out).

The API layer validates these dicts with fhir.resources before sending them; building them here,
without Django, keeps the mapping testable and reusable in exports.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from alliance.measures.scoring import Answers, Instrument, Item, normalise_answers

QR_STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")


def questionnaire(definition: Instrument) -> dict[str, Any]:
    """The instrument's FHIR Questionnaire, as shipped (a copy, so callers may change it)."""
    return copy.deepcopy(dict(definition.questionnaire))


def _answer(item: Item, value: int | str) -> dict[str, Any]:
    if item.answer_type == "text":
        return {"valueString": str(value)}
    if item.answer_type == "boolean":
        return {"valueBoolean": bool(value)}
    if item.answer_type == "date":
        return {"valueDate": str(value)}
    if item.answer_type == "decimal":
        return {"valueDecimal": float(value)}
    if item.answer_type == "choice":
        option = item.option_for(int(value))
        assert option is not None  # normalise_answers has checked the value
        coding = {"system": option.coding.system, "code": option.coding.code}
        if option.coding.display:
            coding["display"] = option.coding.display
        return {"valueCoding": coding}
    return {"valueInteger": int(value)}


def _canonical(definition: Instrument) -> str:
    return f"{definition.url}|{definition.version}" if definition.version else definition.url


def questionnaire_response(
    definition: Instrument,
    answers: Answers,
    *,
    response_id: str,
    subject_reference: str,
    authored_iso: str,
    status: str = "completed",
    author_reference: str | None = None,
) -> dict[str, Any]:
    """A FHIR R4 QuestionnaireResponse for one completion.

    Unanswered questions are left out, as FHIR expects. Raises InvalidAnswers for malformed
    answers and ValueError for an unknown status.
    """
    if status not in QR_STATUSES:
        raise ValueError(f"status must be one of {', '.join(QR_STATUSES)}")
    clean = normalise_answers(definition, answers)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "questionnaire": _canonical(definition),
        "status": status,
        "subject": {"reference": subject_reference},
        "authored": authored_iso,
    }
    if author_reference:
        resource["author"] = {"reference": author_reference}
    items = _response_items(definition, clean)
    if items:
        resource["item"] = items
    return resource


def _response_items(definition: Instrument, clean: Mapping[str, int | str]) -> list[dict[str, Any]]:
    out = []
    for item in definition.items:
        if item.link_id in clean:
            entry: dict[str, Any] = {"linkId": item.link_id}
            if item.text:
                entry["text"] = item.text
            entry["answer"] = [_answer(item, clean[item.link_id])]
            out.append(entry)
    return out
