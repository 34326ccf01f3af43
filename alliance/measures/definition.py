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
RESPONDENT_ROLES = ("client", "therapist", "partner", "family", "group", "interpreter")
ANSWER_TYPES = {"integer": "integer", "choice": "choice", "text": "text", "string": "text"}
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
        return [f"questionnaire{_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]
    return []


def _loc(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def _walk(items: list[Any], path: str) -> Iterator[tuple[dict[str, Any], str]]:
    for i, item in enumerate(items):
        if isinstance(item, dict):
            yield item, f"{path}[{i}]"
            yield from _walk(item.get("item") or [], f"{path}[{i}].item")


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
    for raw, ipath in _walk(top or [], f"{path}.item"):
        link_id = ck.get(raw, "linkId", str, ipath)
        if link_id is None:
            continue
        if link_id in seen:
            ck.error(f"{ipath}.linkId", f"'{link_id}' is used more than once")
        seen.add(link_id)
        item = _parse_item(ck, raw, ipath, link_id)
        if item is not None:
            items[link_id] = item
    return items


def _parse_item(ck: _Checker, raw: dict[str, Any], path: str, link_id: str) -> Item | None:
    typ = raw.get("type")
    if typ in ("display", "group"):
        return None
    if typ not in ANSWER_TYPES:
        ck.error(f"{path}.type", f"'{typ}' is not supported; use {', '.join(ANSWER_TYPES)}")
        return None
    answer_type = ANSWER_TYPES[typ]
    options = _parse_options(ck, raw, path) if answer_type == "choice" else ()
    lo, hi = _ext_int(raw, EXT_MIN), _ext_int(raw, EXT_MAX)
    if options:
        lo, hi = min(o.value for o in options), max(o.value for o in options)
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


def _parse_options(ck: _Checker, raw: dict[str, Any], path: str) -> tuple[AnswerOption, ...]:
    opts = raw.get("answerOption")
    if not isinstance(opts, list) or not opts:
        ck.error(f"{path}.answerOption", "a choice item needs a list of answer options")
        return ()
    result = []
    for i, opt in enumerate(opts):
        coding = opt.get("valueCoding") if isinstance(opt, dict) else None
        value = _ext_int(coding, EXT_ORDINAL) if isinstance(coding, dict) else None
        if coding is None or value is None:
            ck.error(
                f"{path}.answerOption[{i}]",
                "needs a valueCoding with an ordinalValue extension giving the score",
            )
            continue
        result.append(AnswerOption(value, _coding(coding)))
    return tuple(result)


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
    kind = ck.choice(s, "kind", ("alliance", "outcome"), path)
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
        elif item.answer_type == "text":
            ck.error(f"{path}.items", f"item '{m}' is a text item and cannot be scored")
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
