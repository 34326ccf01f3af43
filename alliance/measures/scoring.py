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
AnswerType = Literal["integer", "choice", "text"]
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
    kind: Literal["alliance", "outcome"]
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


def _item_error(item: Item, value: int | str) -> str | None:
    if item.answer_type == "text":
        if not isinstance(value, str):
            return "Please enter text."
        if "\x00" in value:
            return "Please remove the control character from this text."
        if item.max_length is not None and len(value) > item.max_length:
            return f"Please keep this under {item.max_length} characters."
        return None
    number = _as_int(value)
    if number is None:
        return "Please enter a whole number."
    if item.options and item.option_for(number) is None:
        return "Please choose one of the options shown."
    if (item.min is not None and number < item.min) or (item.max is not None and number > item.max):
        return f"Please choose a value from {item.min} to {item.max}."
    return None


def validate_answers(
    definition: Instrument, answers: Answers, *, check_required: bool = True
) -> dict[str, str]:
    """Per-question error messages, worded for showing beside the form field."""
    errors: dict[str, str] = {}
    known = {it.link_id for it in definition.items}
    for link_id in answers:
        if link_id not in known:
            errors[link_id] = "This question is not part of this questionnaire."
    for item in definition.items:
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
    """Answers with blanks dropped and numbers as ints; raises InvalidAnswers if any is bad."""
    errors = validate_answers(definition, answers, check_required=False)
    if errors:
        raise InvalidAnswers(errors)
    clean: dict[str, int | str] = {}
    for item in definition.items:
        value = answers.get(item.link_id)
        if value is None or _is_blank(value):
            continue
        if item.answer_type == "text":
            clean[item.link_id] = str(value)
        else:
            number = _as_int(value)
            assert number is not None  # validated above
            clean[item.link_id] = number
    return clean


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
    """Required or scored questions left unanswered, in questionnaire order."""
    scored = {k for sc in definition.scales for k in sc.items}
    return [
        it.link_id
        for it in definition.items
        if (it.required or it.link_id in scored) and it.link_id not in clean
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
