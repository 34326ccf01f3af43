"""Pure scoring engine for instrument definitions.

Plain data in, plain data out: nothing here imports Django, so the same code scores a check-in
in a view, a bulk re-score in a worker, and a researcher's export. The parsed definition types
live here too (definition.py builds them) so that this module type-checks on its own under
``mypy --strict``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

AnswerValue = int | str | None
Answers = Mapping[str, AnswerValue]
AnswerType = Literal["integer", "choice", "text", "boolean", "decimal", "date"]
# Answers kept as the text typed (numbers with decimals, dates); the others are stored as ints.
STRING_TYPES = ("text", "decimal", "date")
Method = Literal["sum", "mean"]
Direction = Literal["higher_is_better", "higher_is_worse"]
ChangeVerdict = Literal["improved", "deteriorated", "no_reliable_change"]

# Jacobson & Truax (1991): a change is reliable when it exceeds 1.96 standard errors of the
# difference, i.e. it would arise by measurement error alone less than 5% of the time.
RCI_CRITICAL = 1.96


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str = ""


@dataclass(frozen=True)
class AnswerOption:
    value: int  # the ordinal the scoring engine uses
    coding: Coding


@dataclass(frozen=True)
class Condition:
    """One FHIR enableWhen entry: ``question`` compared with ``operator`` to ``value``."""

    question: str
    operator: str  # exists, =, !=, >, <, >=, <=
    value: bool | float | str | Coding


@dataclass(frozen=True)
class EnableRule:
    """The enableWhen of one item or of one of its enclosing groups; every rule must hold."""

    conditions: tuple[Condition, ...]
    behavior: Literal["all", "any"] = "all"


@dataclass(frozen=True)
class Item:
    link_id: str
    text: str
    answer_type: AnswerType
    required: bool = False
    min: int | None = None
    max: int | None = None
    reverse: bool = False
    options: tuple[AnswerOption, ...] = ()
    low_label: str = ""
    high_label: str = ""
    hint: str = ""
    max_length: int | None = None
    code: Coding | None = None
    enable: tuple[EnableRule, ...] = ()
    scored: bool = True  # False for a choice whose options carry no scores (values are positions)

    def option_for(self, value: int) -> AnswerOption | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    label: str


@dataclass(frozen=True)
class Threshold:
    """A number with where it came from; ``check`` marks facts seen only in secondary sources."""

    value: float
    label: str = ""
    source: str = ""
    check: bool = False


@dataclass(frozen=True)
class Scale:
    key: str
    label: str
    items: tuple[str, ...]
    method: Method
    min: float
    max: float
    direction: Direction
    max_missing: int = 0
    bands: tuple[Band, ...] = ()
    cutoff: Threshold | None = None
    reliable_change: Threshold | None = None
    code: Coding | None = None


@dataclass(frozen=True)
class RiskItem:
    link_id: str
    threshold: int  # a flag is raised when the raw answer is strictly above this
    message: str


@dataclass(frozen=True)
class Instrument:
    key: str
    version: str
    title: str
    respondent: tuple[str, ...]
    timing: Literal["before", "after"]
    kind: Literal["alliance", "outcome", "pulse"]
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    risk_items: tuple[RiskItem, ...] = ()
    intro: str = ""
    licence: str = ""
    notice: str = ""
    validated: bool = False
    source: str = ""
    url: str = ""
    # The FHIR Questionnaire as loaded; excluded from eq/hash because dicts are unhashable.
    questionnaire: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def item(self, link_id: str) -> Item:
        for it in self.items:
            if it.link_id == link_id:
                return it
        raise KeyError(link_id)

    def scale(self, key: str) -> Scale:
        for sc in self.scales:
            if sc.key == key:
                return sc
        raise KeyError(key)


@dataclass(frozen=True)
class RiskFlag:
    link_id: str
    value: int
    message: str


@dataclass(frozen=True)
class ScoreResult:
    scales: dict[str, float | None]
    bands: dict[str, str]
    risk: list[RiskFlag]
    complete: bool
    missing: list[str]
    # Risk items (e.g. PHQ-9 item 9) left unanswered: never silent, the therapist is told to ask.
    risk_unanswered: list[str] = field(default_factory=list)


class InvalidAnswers(ValueError):
    """Raised by ``score`` when answers fail validation; ``errors`` maps linkId to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


# --- answer validation -----------------------------------------------------------------------


def _is_blank(value: AnswerValue) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")


def _as_int(value: int | str) -> int | None:
    """Form posts arrive as strings; accept "7" but not "7.5", "seven" or booleans."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip()
    # ASCII digits only, and few of them: "²".isdigit() is true but int() refuses it, and int()
    # refuses strings of thousands of digits.
    return int(text) if _INTEGER.fullmatch(text) else None


_DECIMAL = re.compile(r"[+-]?[0-9]{1,12}(?:\.[0-9]{1,6})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOOLEAN = {"true": 1, "1": 1, "yes": 1, "false": 0, "0": 0, "no": 0}


def _valid_date(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return bool(_DATE.fullmatch(text))


def _item_error(item: Item, value: int | str) -> str | None:
    if item.answer_type == "text":
        if not isinstance(value, str):
            return "Please enter text."
        if "\x00" in value:
            return "Please remove the control character from this text."
        if item.max_length is not None and len(value) > item.max_length:
            return f"Please keep this under {item.max_length} characters."
        return None
    if item.answer_type == "decimal":
        ok = not isinstance(value, bool) and _DECIMAL.fullmatch(str(value).strip())
        return None if ok else "Please enter a number, e.g. 72.5."
    if item.answer_type == "date":
        return None if _valid_date(str(value).strip()) else "Please enter a date (YYYY-MM-DD)."
    if item.answer_type == "boolean":
        return None if _as_bool(value) is not None else "Please answer yes or no."
    number = _as_int(value)
    if number is None:
        return "Please enter a whole number."
    if item.options and item.option_for(number) is None:
        return "Please choose one of the options shown."
    if (item.min is not None and number < item.min) or (item.max is not None and number > item.max):
        return f"Please choose a value from {item.min} to {item.max}."
    return None


def _as_bool(value: int | str) -> int | None:
    if isinstance(value, bool):
        return int(value)
    return _BOOLEAN.get(str(value).strip().lower())


def _stored(item: Item, value: int | str) -> int | str:
    """The value as stored: ints for integer/choice/boolean, trimmed text for the rest."""
    if item.answer_type == "boolean":
        found = _as_bool(value)
        assert found is not None  # validated before
        return found
    if item.answer_type in STRING_TYPES:
        return str(value) if item.answer_type == "text" else str(value).strip()
    number = _as_int(value)
    assert number is not None  # validated before
    return number


# --- enableWhen ----------------------------------------------------------------------------------


def _compare(answer: Any, operator: str, wanted: Any) -> bool:
    try:
        if operator == "=":
            return bool(answer == wanted)
        if operator == "!=":
            return bool(answer != wanted)
        if operator == ">":
            return bool(answer > wanted)
        if operator == "<":
            return bool(answer < wanted)
        if operator == ">=":
            return bool(answer >= wanted)
        if operator == "<=":
            return bool(answer <= wanted)
    except TypeError:  # e.g. a date compared with a number: the condition cannot hold
        return False
    return False


def _comparable(item: Item, stored: int | str, wanted: Any) -> Any:
    """The stored answer in the terms the condition uses (a coding, a number, a flag)."""
    if item.answer_type == "choice":
        option = item.option_for(int(stored))
        code = option.coding.code if option else ""
        if isinstance(wanted, Coding):
            return code
        if isinstance(wanted, float):
            try:
                return float(code)
            except ValueError:
                return float(stored)
        return code
    if item.answer_type == "boolean":
        return bool(stored)
    if item.answer_type in ("integer", "decimal"):
        return float(stored)
    return str(stored)


def _holds(definition: Instrument, cond: Condition, clean: Mapping[str, int | str]) -> bool:
    answered = cond.question in clean
    if cond.operator == "exists":
        return answered == bool(cond.value)
    if not answered:
        return False
    try:
        item = definition.item(cond.question)
    except KeyError:
        return False
    wanted = cond.value.code if isinstance(cond.value, Coding) else cond.value
    return _compare(_comparable(item, clean[cond.question], cond.value), cond.operator, wanted)


def is_enabled(definition: Instrument, item: Item, clean: Mapping[str, int | str]) -> bool:
    """FHIR enableWhen: every rule (the item's own and its groups') must hold."""
    for rule in item.enable:
        results = [_holds(definition, c, clean) for c in rule.conditions]
        if not (all(results) if rule.behavior == "all" else any(results)):
            return False
    return True


def _lenient(definition: Instrument, answers: Answers) -> dict[str, int | str]:
    """The valid answers in questionnaire order, disabled questions left out, for enableWhen."""
    clean: dict[str, int | str] = {}
    for item in definition.items:
        value = answers.get(item.link_id)
        if value is None or _is_blank(value) or _item_error(item, value):
            continue
        if is_enabled(definition, item, clean):
            clean[item.link_id] = _stored(item, value)
    return clean


def enabled_items(definition: Instrument, answers: Answers) -> set[str]:
    """linkIds of the questions shown for these answers (all of them without enableWhen)."""
    clean = _lenient(definition, answers)
    return {it.link_id for it in definition.items if is_enabled(definition, it, clean)}


def validate_answers(
    definition: Instrument, answers: Answers, *, check_required: bool = True
) -> dict[str, str]:
    """Per-question error messages, worded for showing beside the form field. A question
    switched off by enableWhen is neither required nor checked: its answer is dropped."""
    errors: dict[str, str] = {}
    known = {it.link_id for it in definition.items}
    for link_id in answers:
        if link_id not in known:
            errors[link_id] = "This question is not part of this questionnaire."
    shown = enabled_items(definition, answers)
    for item in definition.items:
        if item.link_id not in shown:
            continue
        value = answers.get(item.link_id)
        if value is None or _is_blank(value):
            if check_required and item.required:
                errors[item.link_id] = "This question needs an answer."
            continue
        message = _item_error(item, value)
        if message:
            errors[item.link_id] = message
    return errors


def normalise_answers(definition: Instrument, answers: Answers) -> dict[str, int | str]:
    """Answers with blanks and switched-off questions dropped, numbers as ints; raises
    InvalidAnswers if any is bad."""
    errors = validate_answers(definition, answers, check_required=False)
    if errors:
        raise InvalidAnswers(errors)
    return _lenient(definition, answers)


# --- scoring -----------------------------------------------------------------------------------


def _keyed(item: Item, value: int) -> int:
    """Reverse-keyed items are flipped within their own range so every item points one way."""
    if item.reverse and item.min is not None and item.max is not None:
        return item.min + item.max - value
    return value


def _round_half_up(x: float) -> int:
    # Python's round() rounds halves to even; clinicians expect 4.5 -> 5.
    return math.floor(x + 0.5)


def scale_score(
    definition: Instrument, scale: Scale, clean: Mapping[str, int | str]
) -> float | None:
    """One scale's score, or None when more answers are missing than the scale allows."""
    values = [
        _keyed(definition.item(k), v) for k in scale.items if isinstance(v := clean.get(k), int)
    ]
    if not values or len(scale.items) - len(values) > scale.max_missing:
        return None
    if scale.method == "mean":
        return sum(values) / len(values)
    if len(values) == len(scale.items):
        return float(sum(values))
    # Prorate: scale the answered items up to the full length, then round so that integer
    # severity bands still apply. A project choice, documented in docs/instruments.md.
    return float(_round_half_up(sum(values) * len(scale.items) / len(values)))


def band_for(scale: Scale, value: float) -> str | None:
    """The label of the band containing value; fractional values belong to the lower band."""
    label: str | None = None
    for band in sorted(scale.bands, key=lambda b: b.min):
        if value >= band.min:
            label = band.label
    return label if scale.bands and scale.min <= value <= scale.max else None


def risk_flags(definition: Instrument, clean: Mapping[str, int | str]) -> list[RiskFlag]:
    flags = []
    for risk in definition.risk_items:
        value = clean.get(risk.link_id)
        if isinstance(value, int) and value > risk.threshold:
            flags.append(RiskFlag(risk.link_id, value, risk.message))
    return flags


def missing_items(definition: Instrument, clean: Mapping[str, int | str]) -> list[str]:
    """Required or scored questions left unanswered, in questionnaire order; a question
    switched off by enableWhen is not missing."""
    scored = {k for sc in definition.scales for k in sc.items}
    return [
        it.link_id
        for it in definition.items
        if (it.required or it.link_id in scored)
        and it.link_id not in clean
        and is_enabled(definition, it, clean)
    ]


def score(definition: Instrument, answers: Answers) -> ScoreResult:
    """Score one completion. Raises InvalidAnswers if any given answer is malformed."""
    clean = normalise_answers(definition, answers)
    scales = {sc.key: scale_score(definition, sc, clean) for sc in definition.scales}
    bands: dict[str, str] = {}
    for sc in definition.scales:
        value = scales[sc.key]
        label = band_for(sc, value) if value is not None else None
        if label is not None:
            bands[sc.key] = label
    missing = missing_items(definition, clean)
    return ScoreResult(
        scales=scales,
        bands=bands,
        risk=risk_flags(definition, clean),
        complete=not missing,
        missing=missing,
        risk_unanswered=[r.link_id for r in definition.risk_items if r.link_id not in clean],
    )


# --- interpretation ----------------------------------------------------------------------------


def is_case(value: float, definition: Instrument, scale: str) -> bool | None:
    """Above the caseness cutoff (higher_is_worse: value >= cutoff) or, for alliance scales
    (higher_is_better), below the low-alliance cutoff (value < cutoff). None if no cutoff."""
    sc = definition.scale(scale)
    if sc.cutoff is None:
        return None
    if sc.direction == "higher_is_worse":
        return value >= sc.cutoff.value
    return value < sc.cutoff.value


def reliable_change(
    first: float, latest: float, definition: Instrument, scale: str
) -> ChangeVerdict | None:
    """Compare two scores against the scale's reliable-change threshold (points, inclusive)."""
    sc = definition.scale(scale)
    if sc.reliable_change is None:
        return None
    delta = latest - first
    if abs(delta) < sc.reliable_change.value:
        return "no_reliable_change"
    better = delta > 0 if sc.direction == "higher_is_better" else delta < 0
    return "improved" if better else "deteriorated"


def is_recovered(first: float, latest: float, definition: Instrument, scale: str) -> bool | None:
    """Recovery in the NHS Talking Therapies sense: a case at first, not a case at the latest."""
    was, now = is_case(first, definition, scale), is_case(latest, definition, scale)
    if was is None or now is None:
        return None
    return was and not now


def rci_sdiff(sd: float, reliability: float) -> float:
    """Standard error of the difference, S_diff = sqrt(2) * SD * sqrt(1 - r) (Jacobson & Truax)."""
    if sd < 0 or not 0 <= reliability <= 1:
        raise ValueError("sd must be >= 0 and reliability within [0, 1]")
    return math.sqrt(2) * sd * math.sqrt(1 - reliability)


def rci(first: float, latest: float, sd: float, reliability: float) -> float:
    """Reliable Change Index; |RCI| > RCI_CRITICAL means the change is reliable."""
    return (latest - first) / rci_sdiff(sd, reliability)


def clinical_cutoff_c(m0: float, sd0: float, m1: float, sd1: float) -> float:
    """Jacobson & Truax cutoff c between a non-clinical (0) and clinical (1) population:
    c = (SD0 * M1 + SD1 * M0) / (SD0 + SD1)."""
    if sd0 + sd1 <= 0:
        raise ValueError("standard deviations must be positive")
    return (sd0 * m1 + sd1 * m0) / (sd0 + sd1)
