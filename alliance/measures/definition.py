"""Load and validate instrument definition files (pure: no Django).

A definition file is one JSON object with two keys: ``questionnaire`` (a FHIR R4 Questionnaire,
what is asked) and ``scoring`` (this project's section, how answers become scores). The format is
specified in docs/instruments.md. Every problem found is collected and reported at once, each
message naming the JSON path of the problem, because the person reading it is a clinic admin
loading a licensed instrument, not a developer with a debugger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from alliance.measures.scoring import (
    AnswerOption,
    Band,
    Coding,
    Condition,
    EnableRule,
    Instrument,
    Item,
    RiskItem,
    Scale,
    Threshold,
)

EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
EXT_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
SCORE_EXTENSIONS = (
    EXT_ORDINAL,
    "http://hl7.org/fhir/StructureDefinition/itemWeight",  # SDC / R5 extensions pack
    "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value",  # the STU3 name of ordinalValue
)
CALCULATED = "calculatedExpression"
RESPONDENT_ROLES = ("client", "therapist", "partner", "family", "group", "interpreter")
ANSWER_TYPES = {
    "integer": "integer",
    "choice": "choice",
    "text": "text",
    "string": "text",
    "boolean": "boolean",
    "decimal": "decimal",
    "quantity": "decimal",  # the number only; the unit is the questionnaire's
    "date": "date",
}
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TOP_KEYS = {"questionnaire", "scoring"}
SCORING_KEYS = {
    "key",
    "version",
    "respondent",
    "timing",
    "kind",
    "items",
    "scales",
    "risk_items",
    "licence",
    "notice",
    "validated",
    "source",
}
SCALE_KEYS = {
    "key",
    "label",
    "items",
    "method",
    "min",
    "max",
    "direction",
    "max_missing",
    "bands",
    "cutoff",
    "reliable_change",
    "code",
}


class InstrumentDefinitionError(ValueError):
    """A malformed definition; ``messages`` lists every problem, each naming its JSON path."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("Invalid instrument definition:\n" + "\n".join(f"- {m}" for m in messages))


_TYPE_NAMES: dict[Any, str] = {
    str: "a string",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


class _Checker:
    """Collects messages instead of stopping at the first, so one run shows every problem."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def get(
        self, obj: dict[str, Any], key: str, typ: type, path: str, required: bool = True
    ) -> Any:
        value = obj.get(key)
        if value is None:
            if required:
                self.error(f"{path}.{key}", "is required")
            return None
        if not _is_type(value, typ) or (typ is str and not value.strip()):
            self.error(f"{path}.{key}", f"must be {_TYPE_NAMES[typ]}, got {json.dumps(value)}")
            return None
        return value

    def choice(self, obj: dict[str, Any], key: str, allowed: tuple[str, ...], path: str) -> Any:
        value = self.get(obj, key, str, path)
        if value is not None and value not in allowed:
            self.error(f"{path}.{key}", f"must be one of {', '.join(allowed)}; got '{value}'")
            return None
        return value

    def unknown_keys(self, obj: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in sorted(set(obj) - allowed):
            self.error(f"{path}.{key}", "is not a known field (check the spelling)")


def _is_type(value: Any, typ: type) -> bool:
    if typ is float:  # any JSON number, but not true/false
        return isinstance(value, int | float) and not isinstance(value, bool)
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, typ)


# --- entry points ------------------------------------------------------------------------------


def loads_definition(text: str) -> Instrument:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstrumentDefinitionError(
            [f"file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
        ) from exc
    return parse_definition(data)


def load_definition(path: str | Path) -> Instrument:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentDefinitionError([f"cannot read {path}: {exc}"]) from exc
    return loads_definition(text)


def parse_definition(data: Any) -> Instrument:
    """Validate parsed JSON and build an Instrument, or raise InstrumentDefinitionError."""
    if not isinstance(data, dict):
        raise InstrumentDefinitionError(
            ["file must contain a JSON object with keys 'questionnaire' and 'scoring'"]
        )
    ck = _Checker()
    ck.unknown_keys(data, TOP_KEYS, "(top level)")
    q = ck.get(data, "questionnaire", dict, "(top level)")
    s = ck.get(data, "scoring", dict, "(top level)")
    if q is None or s is None:
        raise InstrumentDefinitionError(ck.errors)
    q_items = _check_questionnaire(ck, q)
    instrument = _build(ck, q, s, q_items)
    if ck.errors or instrument is None:
        raise InstrumentDefinitionError(ck.errors)
    return instrument


# --- the questionnaire part --------------------------------------------------------------------


def _fhir_errors(q: dict[str, Any]) -> list[str]:
    """Validate against the FHIR R4B model (closest to R4 in fhir.resources 8)."""
    from fhir.resources.R4B.questionnaire import Questionnaire
    from pydantic import ValidationError

    try:
        Questionnaire.model_validate(q)
    except ValidationError as exc:
        # Alliance never evaluates FHIRPath, so a flaw inside an expression (LHC-Forms names
        # variables "q1_value", which R4's id type forbids) does not stop an import.
        return [
            f"questionnaire{_loc(e['loc'])}: {e['msg']}"
            for e in exc.errors()
            if "valueExpression" not in e["loc"]
        ]
    return []


def _loc(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def _walk(
    items: list[Any], path: str, enable: tuple[EnableRule, ...] = ()
) -> Iterator[tuple[dict[str, Any], str, tuple[EnableRule, ...]]]:
    """Every item with its path and the enableWhen rules of the groups around it."""
    for i, item in enumerate(items):
        if isinstance(item, dict):
            own = enable + _enable_rules(item)
            yield item, f"{path}[{i}]", own
            yield from _walk(item.get("item") or [], f"{path}[{i}].item", own)


def _check_questionnaire(ck: _Checker, q: dict[str, Any]) -> dict[str, Item]:
    path = "questionnaire"
    if q.get("resourceType") != "Questionnaire":
        ck.error(f"{path}.resourceType", "must be 'Questionnaire'")
    for key in ("url", "version", "name", "title"):
        ck.get(q, key, str, path)
    # fhir.resources checks types but not code values, so the status vocabulary is checked here.
    ck.choice(q, "status", ("draft", "active", "retired", "unknown"), path)
    ck.errors.extend(_fhir_errors(q))
    top = ck.get(q, "item", list, path)
    items: dict[str, Item] = {}
    seen: set[str] = set()
    contained = contained_value_sets(q)
    for raw, ipath, enable in _walk(top or [], f"{path}.item"):
        link_id = ck.get(raw, "linkId", str, ipath)
        if link_id is None:
            continue
        if link_id in seen:
            ck.error(f"{ipath}.linkId", f"'{link_id}' is used more than once")
        seen.add(link_id)
        _check_enable_when(ck, raw, ipath)
        item = _parse_item(ck, raw, ipath, link_id, contained)
        if item is not None:
            items[link_id] = replace(item, enable=enable)
    return items


def is_calculated(raw: dict[str, Any]) -> bool:
    """A total the form would compute (SDC calculatedExpression): not a question to ask."""
    return any(
        isinstance(ext, dict) and str(ext.get("url", "")).endswith(CALCULATED)
        for ext in raw.get("extension") or []
    )


def _parse_item(
    ck: _Checker, raw: dict[str, Any], path: str, link_id: str, contained: dict[str, Any]
) -> Item | None:
    typ = raw.get("type")
    if typ in ("display", "group") or is_calculated(raw) or raw.get("readOnly") is True:
        return None
    if typ not in ANSWER_TYPES:
        ck.error(
            f"{path}.type",
            f"'{typ}' items are not supported; supported are {', '.join(ANSWER_TYPES)}, "
            "display and group",
        )
        return None
    answer_type = ANSWER_TYPES[typ]
    options: tuple[AnswerOption, ...] = ()
    scored = True
    if answer_type == "choice":
        options, scored = _parse_options(ck, raw, path, contained)
    lo, hi = _ext_int(raw, EXT_MIN), _ext_int(raw, EXT_MAX)
    if options:
        lo, hi = min(o.value for o in options), max(o.value for o in options)
    elif answer_type == "boolean":
        lo, hi = 0, 1
    elif answer_type == "integer" and (lo is None or hi is None):
        ck.error(path, f"integer item '{link_id}' needs minValue and maxValue extensions")
    low, high = _anchors(raw)
    codes = raw.get("code") or []
    return Item(
        link_id=link_id,
        text=str(raw.get("text", "")),
        answer_type=answer_type,  # type: ignore[arg-type]
        required=bool(raw.get("required", False)),
        min=lo,
        max=hi,
        options=options,
        low_label=low,
        high_label=high,
        hint=_hint(raw),
        max_length=raw.get("maxLength"),
        code=_coding(codes[0]) if codes and isinstance(codes[0], dict) else None,
        scored=scored,
    )


def _coding(raw: dict[str, Any]) -> Coding:
    return Coding(str(raw.get("system", "")), str(raw.get("code", "")), str(raw.get("display", "")))


def _ext_int(raw: dict[str, Any], url: str) -> int | None:
    for ext in raw.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            value = ext.get("valueInteger", ext.get("valueDecimal"))
            if isinstance(value, int | float) and not isinstance(value, bool):
                return int(value)
    return None


# --- answer options and their scores ------------------------------------------------------------


def _score_of(*holders: Any) -> float | None:
    """Where publishers put an option's score: the ordinalValue or itemWeight extension (on
    the answerOption, its valueCoding or a ValueSet concept), or an R5 itemWeight property."""
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        if isinstance(holder.get("itemWeight"), int | float):  # R5 answerOption / concept
            return float(holder["itemWeight"])
        for ext in holder.get("extension") or []:
            if isinstance(ext, dict) and ext.get("url") in SCORE_EXTENSIONS:
                value = ext.get("valueDecimal", ext.get("valueInteger"))
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value)
        for prop in holder.get("property") or []:
            if isinstance(prop, dict) and prop.get("code") in ("itemWeight", "weight"):
                value = prop.get("valueDecimal", prop.get("valueInteger"))
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value)
    return None


def contained_value_sets(q: dict[str, Any]) -> dict[str, Any]:
    """Contained ValueSets by '#id' and by their url, the two ways items point at them."""
    found: dict[str, Any] = {}
    for res in q.get("contained") or []:
        if isinstance(res, dict) and res.get("resourceType") == "ValueSet":
            if res.get("id"):
                found[f"#{res['id']}"] = res
            if res.get("url"):
                found[str(res["url"])] = res
    return found


def _value_set_answers(value_set: dict[str, Any]) -> list[tuple[dict[str, Any], Any]]:
    """(coding, score holder) pairs from a ValueSet's expansion, or else its compose."""
    out: list[tuple[dict[str, Any], Any]] = []
    for entry in (value_set.get("expansion") or {}).get("contains") or []:
        out.append((entry, entry))
    if out:
        return out
    for include in (value_set.get("compose") or {}).get("include") or []:
        for concept in include.get("concept") or []:
            coding = {"system": include.get("system", ""), **concept}
            out.append((coding, concept))
    return out


def _raw_answers(
    ck: _Checker, raw: dict[str, Any], path: str, contained: dict[str, Any]
) -> list[tuple[dict[str, Any], float | None]] | None:
    ref = raw.get("answerValueSet")
    if isinstance(ref, str):
        value_set = contained.get(ref)
        if value_set is None:
            ck.error(
                f"{path}.answerValueSet",
                f"'{ref}' is not a ValueSet contained in this file; Alliance does not fetch "
                "value sets from elsewhere, so put the ValueSet in 'contained' or list "
                "answerOption entries",
            )
            return None
        return [(c, _score_of(h, c)) for c, h in _value_set_answers(value_set)]
    opts = raw.get("answerOption")
    if not isinstance(opts, list) or not opts:
        ck.error(f"{path}.answerOption", "a choice item needs answerOption or answerValueSet")
        return None
    out = []
    for opt in opts:
        if not isinstance(opt, dict):
            continue
        coding = opt.get("valueCoding")
        if not isinstance(coding, dict):
            plain = next((opt[k] for k in ("valueString", "valueInteger") if k in opt), None)
            if plain is None:
                continue
            coding = {"code": str(plain), "display": str(plain)}
        out.append((coding, _score_of(opt, coding)))
    return out


def _parse_options(
    ck: _Checker, raw: dict[str, Any], path: str, contained: dict[str, Any]
) -> tuple[tuple[AnswerOption, ...], bool]:
    """The options and whether they carry scores. Unscored options are numbered 1, 2, ...
    so a choice can still be answered, shown and used in enableWhen; it is not scored."""
    answers = _raw_answers(ck, raw, path, contained)
    if not answers:
        if answers is not None:
            ck.error(f"{path}.answerOption", "a choice item needs at least one answer")
        return (), True
    scores = [score for _coding_, score in answers]
    if all(score is None for score in scores):
        return tuple(AnswerOption(i, _coding(c)) for i, (c, _s) in enumerate(answers, 1)), False
    if any(score is None for score in scores):
        ck.error(path, "some answers have a score (ordinalValue or itemWeight) and some do not")
        return (), True
    if any(not float(x).is_integer() for x in scores if x is not None):
        ck.error(path, "answer scores must be whole numbers")
        return (), True
    values = [int(x) for x in scores if x is not None]
    if len(set(values)) != len(values):
        ck.error(path, "two answers have the same score; each answer needs its own")
        return (), True
    return tuple(
        AnswerOption(v, _coding(c)) for v, (c, _s) in zip(values, answers, strict=True)
    ), True


# --- enableWhen ---------------------------------------------------------------------------------

ENABLE_OPERATORS = ("exists", "=", "!=", ">", "<", ">=", "<=")


def _condition_value(raw: dict[str, Any]) -> Any:
    for key, value in raw.items():
        if not key.startswith("answer"):
            continue
        if key == "answerCoding" and isinstance(value, dict):
            return _coding(value)
        if key in ("answerDecimal", "answerInteger") and not isinstance(value, bool):
            return float(value)
        if key == "answerQuantity" and isinstance(value, dict):
            return float(value.get("value", 0))
        return value
    return None


def _enable_rules(raw: dict[str, Any]) -> tuple[EnableRule, ...]:
    conditions = []
    for cond in raw.get("enableWhen") or []:
        if not isinstance(cond, dict):
            continue
        value = _condition_value(cond)
        if cond.get("operator") in ENABLE_OPERATORS and value is not None:
            conditions.append(Condition(str(cond.get("question", "")), cond["operator"], value))
    if not conditions:
        return ()
    if raw.get("enableBehavior") == "any":
        return (EnableRule(tuple(conditions), "any"),)
    return (EnableRule(tuple(conditions), "all"),)


def _check_enable_when(ck: _Checker, raw: dict[str, Any], path: str) -> None:
    for i, cond in enumerate(raw.get("enableWhen") or []):
        if not isinstance(cond, dict) or cond.get("operator") not in ENABLE_OPERATORS:
            ck.error(f"{path}.enableWhen[{i}].operator", "must be exists, =, !=, >, <, >= or <=")
        elif _condition_value(cond) is None:
            ck.error(f"{path}.enableWhen[{i}]", "needs an answer value to compare with")
    if any(str(e.get("url", "")).endswith("enableWhenExpression") for e in _exts(raw)):
        ck.error(
            f"{path}.extension",
            "enableWhenExpression (FHIRPath) is not supported; use enableWhen instead",
        )


def _exts(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in raw.get("extension") or [] if isinstance(e, dict)]


def _control(raw: dict[str, Any]) -> str:
    for ext in raw.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == EXT_ITEM_CONTROL:
            for c in (ext.get("valueCodeableConcept") or {}).get("coding") or []:
                return str(c.get("code", ""))
    return ""


def _anchors(raw: dict[str, Any]) -> tuple[str, str]:
    """Anchor labels are display children marked with itemControl 'lower' / 'upper' (SDC)."""
    found = {_control(c): str(c.get("text", "")) for c in raw.get("item") or []}
    return found.get("lower", ""), found.get("upper", "")


def _hint(raw: dict[str, Any]) -> str:
    found = {_control(c): str(c.get("text", "")) for c in raw.get("item") or []}
    return found.get("flyover", "") or found.get("help", "")


# --- the scoring part --------------------------------------------------------------------------


def _build(
    ck: _Checker, q: dict[str, Any], s: dict[str, Any], q_items: dict[str, Item]
) -> Instrument | None:
    path = "scoring"
    ck.unknown_keys(s, SCORING_KEYS, path)
    key = ck.get(s, "key", str, path)
    if key is not None and not KEY_RE.match(key):
        ck.error(f"{path}.key", f"'{key}' must use lower-case letters, digits and hyphens")
    version = ck.get(s, "version", str, path)
    if version and isinstance(q.get("version"), str) and version != q["version"]:
        ck.error(
            f"{path}.version", f"'{version}' differs from questionnaire.version '{q['version']}'"
        )
    respondent = _respondent(ck, s)
    timing = ck.choice(s, "timing", ("before", "after"), path)
    kind = ck.choice(s, "kind", ("alliance", "outcome", "pulse"), path)
    validated = ck.get(s, "validated", bool, path)
    items = _scored_items(ck, s, q_items)
    scales = _scales(ck, s, items)
    risk = _risk_items(ck, s, items)
    if ck.errors:
        return None
    return Instrument(
        key=key,
        version=version,
        title=str(q.get("title", "")),
        respondent=respondent,
        timing=timing,
        kind=kind,
        items=tuple(items.values()),
        scales=scales,
        risk_items=risk,
        intro=_intro(q),
        licence=str(s.get("licence", "")),
        notice=str(s.get("notice", "")),
        validated=bool(validated),
        source=str(s.get("source", "")),
        url=str(q.get("url", "")),
        questionnaire=q,
    )


def _intro(q: dict[str, Any]) -> str:
    """Top-level display items before the first question: the stem or instructions."""
    texts = []
    for raw in q.get("item") or []:
        if not isinstance(raw, dict) or raw.get("type") != "display":
            break
        texts.append(str(raw.get("text", "")))
    return "\n".join(texts)


def _respondent(ck: _Checker, s: dict[str, Any]) -> tuple[str, ...]:
    roles = ck.get(s, "respondent", list, "scoring")
    if roles is None:
        return ()
    if not roles:
        ck.error("scoring.respondent", "must name at least one role")
    for i, role in enumerate(roles):
        if role not in RESPONDENT_ROLES:
            ck.error(
                f"scoring.respondent[{i}]", f"'{role}' is not one of {', '.join(RESPONDENT_ROLES)}"
            )
    return tuple(str(r) for r in roles)


def _scored_items(ck: _Checker, s: dict[str, Any], q_items: dict[str, Item]) -> dict[str, Item]:
    """Merge scoring.items (range, reverse keying) into the questionnaire's items."""
    merged = dict(q_items)
    for i, raw in enumerate(ck.get(s, "items", list, "scoring") or []):
        path = f"scoring.items[{i}]"
        if not isinstance(raw, dict):
            ck.error(path, "must be an object")
            continue
        link_id = ck.get(raw, "linkId", str, path)
        lo, hi = ck.get(raw, "min", int, path), ck.get(raw, "max", int, path)
        reverse = ck.get(raw, "reverse", bool, path, required=False) or False
        item = q_items.get(link_id) if link_id else None
        if link_id and item is None:
            ck.error(f"{path}.linkId", f"item '{link_id}' is not in the questionnaire")
        elif item is not None and item.answer_type == "text":
            ck.error(f"{path}.linkId", f"item '{link_id}' is a text item and cannot be scored")
        elif item is not None and (lo, hi) != (item.min, item.max):
            ck.error(
                path,
                f"range {lo}–{hi} does not match the questionnaire's "
                f"{item.min}–{item.max} for '{link_id}'",
            )
        elif item is not None:
            merged[item.link_id] = _replace_reverse(item, reverse)
    return merged


def _replace_reverse(item: Item, reverse: bool) -> Item:
    return replace(item, reverse=reverse)


def _scales(ck: _Checker, s: dict[str, Any], items: dict[str, Item]) -> tuple[Scale, ...]:
    raw_scales = ck.get(s, "scales", list, "scoring") or []
    result, keys = [], set()
    for i, raw in enumerate(raw_scales):
        path = f"scoring.scales[{i}]"
        if not isinstance(raw, dict):
            ck.error(path, "must be an object")
            continue
        scale = _scale(ck, raw, path, items)
        if scale is not None and scale.key in keys:
            ck.error(f"{path}.key", f"'{scale.key}' is used by another scale")
        if scale is not None:
            keys.add(scale.key)
            result.append(scale)
    return tuple(result)


def _scale(ck: _Checker, raw: dict[str, Any], path: str, items: dict[str, Item]) -> Scale | None:
    ck.unknown_keys(raw, SCALE_KEYS, path)
    key, label = ck.get(raw, "key", str, path), ck.get(raw, "label", str, path)
    method = ck.choice(raw, "method", ("sum", "mean"), path)
    direction = ck.choice(raw, "direction", ("higher_is_better", "higher_is_worse"), path)
    lo, hi = ck.get(raw, "min", float, path), ck.get(raw, "max", float, path)
    max_missing = ck.get(raw, "max_missing", int, path, required=False) or 0
    members = _scale_items(ck, raw, path, items)
    if members and method and lo is not None and hi is not None:
        _check_range(ck, path, method, lo, hi, [items[k] for k in members])
    if members and not 0 <= max_missing < len(members):
        ck.error(f"{path}.max_missing", f"must be from 0 to {len(members) - 1}")
    bands = _bands(ck, raw.get("bands"), f"{path}.bands", lo, hi)
    cutoff = _threshold(ck, raw.get("cutoff"), f"{path}.cutoff", "value", lo, hi)
    rc = _threshold(ck, raw.get("reliable_change"), f"{path}.reliable_change", "points", 0, hi)
    code = raw.get("code")
    if None in (key, label, method, direction, lo, hi) or not members:
        return None
    return Scale(
        key=key,
        label=label,
        items=members,
        method=method,
        min=lo,
        max=hi,
        direction=direction,
        max_missing=max_missing,
        bands=bands,
        cutoff=cutoff,
        reliable_change=rc,
        code=_coding(code) if isinstance(code, dict) else None,
    )


def _scale_items(
    ck: _Checker, raw: dict[str, Any], path: str, items: dict[str, Item]
) -> tuple[str, ...]:
    members = ck.get(raw, "items", list, path) or []
    if not members and "items" in raw:
        ck.error(f"{path}.items", "must list at least one item")
    ok = []
    for m in members:
        item = items.get(m) if isinstance(m, str) else None
        if item is None:
            ck.error(f"{path}.items", f"item '{m}' is not in the questionnaire")
        elif item.answer_type in ("text", "decimal", "date") or not item.scored:
            ck.error(f"{path}.items", f"item '{m}' has no scores and cannot be scored")
        else:
            ok.append(m)
    if len(set(ok)) != len(ok):
        ck.error(f"{path}.items", "lists an item more than once")
    return tuple(ok)


def _check_range(
    ck: _Checker, path: str, method: str, lo: float, hi: float, members: list[Item]
) -> None:
    mins = [it.min or 0 for it in members]
    maxs = [it.max or 0 for it in members]
    want = (sum(mins), sum(maxs)) if method == "sum" else (min(mins), max(maxs))
    if (lo, hi) != want:
        ck.error(
            path,
            f"min/max {_n(lo)}–{_n(hi)} do not match its items "
            f"(expected {_n(want[0])}–{_n(want[1])})",
        )


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _bands(
    ck: _Checker, raw: Any, path: str, lo: float | None, hi: float | None
) -> tuple[Band, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        ck.error(path, "must be a list")
        return ()
    bands = []
    for i, b in enumerate(raw):
        if not isinstance(b, dict):
            ck.error(f"{path}[{i}]", "must be an object")
            continue
        bmin, bmax = ck.get(b, "min", int, f"{path}[{i}]"), ck.get(b, "max", int, f"{path}[{i}]")
        label = ck.get(b, "label", str, f"{path}[{i}]")
        if None not in (bmin, bmax, label):
            if bmin > bmax:
                ck.error(f"{path}[{i}]", f"min {bmin} is greater than max {bmax}")
            bands.append(Band(bmin, bmax, label))
    if lo is not None and hi is not None and len(bands) == len(raw):
        _check_coverage(ck, path, bands, lo, hi)
    return tuple(bands)


def _check_coverage(ck: _Checker, path: str, bands: list[Band], lo: float, hi: float) -> None:
    """Bands must tile the scale exactly: no overlap, no gap, first at min, last at max."""
    ordered = sorted(bands, key=lambda b: b.min)
    if ordered and ordered[0].min != lo:
        ck.error(path, f"the first band starts at {ordered[0].min}, not at the scale min {_n(lo)}")
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.min <= a.max:
            ck.error(
                path, f"band '{b.label}' ({b.min}–{b.max}) overlaps '{a.label}' ({a.min}–{a.max})"
            )
        elif b.min > a.max + 1:
            ck.error(
                path, f"gap between '{a.label}' (ends {a.max}) and '{b.label}' (starts {b.min})"
            )
    if ordered and ordered[-1].max != hi:
        ck.error(path, f"the last band ends at {ordered[-1].max}, not at the scale max {_n(hi)}")


def _threshold(
    ck: _Checker, raw: Any, path: str, field: str, lo: float | None, hi: float | None
) -> Threshold | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        ck.error(path, "must be an object")
        return None
    value = ck.get(raw, field, float, path)
    if value is not None and lo is not None and hi is not None and not lo <= value <= hi:
        ck.error(f"{path}.{field}", f"{_n(value)} is outside {_n(lo)}–{_n(hi)}")
    check = ck.get(raw, "check", bool, path, required=False)
    label = ck.get(raw, "label", str, path, required=False)
    source = ck.get(raw, "source", str, path, required=False)
    if value is None:
        return None
    return Threshold(float(value), label or "", source or "", bool(check))


def _risk_items(ck: _Checker, s: dict[str, Any], items: dict[str, Item]) -> tuple[RiskItem, ...]:
    result = []
    raw_list = ck.get(s, "risk_items", list, "scoring", required=False) or []
    for i, raw in enumerate(raw_list):
        path = f"scoring.risk_items[{i}]"
        if not isinstance(raw, dict):
            ck.error(path, "must be an object")
            continue
        link_id = ck.get(raw, "linkId", str, path)
        threshold = ck.get(raw, "threshold", int, path)
        message = ck.get(raw, "message", str, path)
        item = items.get(link_id) if link_id else None
        if link_id and (item is None or item.answer_type == "text"):
            ck.error(
                f"{path}.linkId", f"item '{link_id}' is not a scored question in the questionnaire"
            )
        if item is not None and threshold is not None and message is not None:
            result.append(RiskItem(link_id, threshold, message))
    return tuple(result)
