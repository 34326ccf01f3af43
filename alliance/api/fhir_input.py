"""Reading a QuestionnaireResponse sent by another system: validated with fhir.resources, then
reduced to what Alliance stores (subject, session, questionnaire, answers by linkId)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from ninja.errors import HttpError

from alliance.measures.scoring import Instrument

SESSION_REF = re.compile(r"^Encounter/session-(\d{1,18})$")
MAX_BODY = 256 * 1024


@dataclass
class IncomingResponse:
    raw: dict[str, Any]
    questionnaire: str
    subject: str
    session_id: str
    identifier: str
    items: list[dict[str, Any]]
    identifier_sent: dict[str, Any]
    authored: Any  # datetime or None

    def answers_for(self, definition: Instrument) -> dict[str, str]:
        """linkId -> answer as the scoring engine takes it; codings become their ordinals."""
        out: dict[str, str] = {}
        for entry in self.items:
            link_id = str(entry.get("linkId", ""))
            answers = entry.get("answer") or []
            if not answers:
                continue
            try:
                item = definition.item(link_id)
            except KeyError:
                raise HttpError(422, f"Unknown linkId {link_id[:60]!r}.") from None
            out[link_id] = _value(item, answers[0])
        return out


def _value(item: Any, answer: dict[str, Any]) -> str:
    if "valueCoding" in answer:
        coding = answer["valueCoding"] if isinstance(answer["valueCoding"], dict) else {}
        code, system = coding.get("code"), coding.get("system")
        for option in item.options:
            same_system = not system or not option.coding.system or option.coding.system == system
            if option.coding.code == code and same_system:
                return str(option.value)
        raise HttpError(422, f"Answer code {str(code)[:40]!r} is not an option of {item.link_id}.")
    if "valueBoolean" in answer:
        return "1" if answer["valueBoolean"] is True else "0"
    if "valueQuantity" in answer and isinstance(answer["valueQuantity"], dict):
        return str(answer["valueQuantity"].get("value", ""))
    for key in ("valueInteger", "valueDecimal", "valueString", "valueDate"):
        if key in answer:
            return str(answer[key]).replace("\x00", "")
    raise HttpError(422, f"Unsupported answer type for {item.link_id}.")


def _flatten(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for entry in items or []:
        out.append(entry)
        out += _flatten(entry.get("item") or [])
    return out


def parse_incoming(body: bytes) -> IncomingResponse:
    if len(body) > MAX_BODY:
        raise HttpError(413, "The resource is too large.")
    try:
        data = json.loads(body.decode("utf-8").replace("\x00", "").replace("\\u0000", ""))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HttpError(400, "The body is not JSON.") from None
    if not isinstance(data, dict) or data.get("resourceType") != "QuestionnaireResponse":
        raise HttpError(400, "The body must be a QuestionnaireResponse resource.")
    try:
        QuestionnaireResponse.model_validate(data)
    except Exception as exc:  # pydantic's ValidationError and fhir.resources' own errors
        raise HttpError(400, f"Not a valid QuestionnaireResponse: {str(exc)[:300]}") from None
    if data.get("status") != "completed":
        raise HttpError(422, "Only completed responses can be stored (status 'completed').")
    session = SESSION_REF.match(str((data.get("encounter") or {}).get("reference", "")))
    if session is None:
        raise HttpError(422, "encounter must reference the session: Encounter/session-<id>.")
    subject = str((data.get("subject") or {}).get("reference", ""))
    if not data.get("questionnaire"):
        raise HttpError(422, "questionnaire (the canonical URL) is required.")
    identifier = str((data.get("identifier") or {}).get("value", ""))[:80]
    sent_identifier = {
        k: str(v)[:200]
        for k, v in (data.get("identifier") or {}).items()
        if k in ("system", "value", "use")
    }
    return IncomingResponse(
        raw=data,
        questionnaire=str(data["questionnaire"]),
        subject=subject,
        session_id=session.group(1),
        identifier=identifier,
        items=_flatten(data.get("item") or []),
        identifier_sent=sent_identifier,
        authored=_authored(data.get("authored")),
    )


def _authored(value: Any) -> Any:
    """authored as sent, when it is a full date-time with a zone (else None: arrival time)."""
    import datetime as dt

    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        found = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else None
