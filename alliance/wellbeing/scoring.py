"""The therapist's wellbeing self-check: its items, its scores and their trend. No Django here.

The items are the project's own, written for reflection; they are not a validated instrument and
have no norms or cut-offs from elsewhere. So every judgement below is relative to the person's own
earlier checks ("higher than your usual"), plus one plain rule for a high level (answers that
average "quite a lot" or more). docs/wellbeing.md has the items, the rules and worked examples.

Areas are scored in their own direction (more exhaustion is a higher exhaustion score, more
satisfaction a higher satisfaction score). "Strain" turns every area the same way round, so a
high strain always means "worth attention": satisfaction is reverse-keyed (strain = 4 - score).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SCALE_MIN = 0
SCALE_MAX = 4
ANSWER_LABELS = ("Not at all", "A little", "Somewhat", "Quite a lot", "Very much")

# An area whose strain averages "quite a lot" (3 of 4) or more is high whatever the person's usual.
HIGH_STRAIN = 3.0
# An area is rising when its strain is at least one answer step above the person's usual level.
RISE = 1.0
# "Usual" is the mean of up to this many earlier checks, and needs at least MIN_HISTORY of them:
# one earlier check is a single day, not a usual level.
USUAL_WINDOW = 6
MIN_HISTORY = 2

REMINDER_DAYS: dict[str, int | None] = {
    "off": None,
    "weekly": 7,
    "fortnightly": 14,
    "monthly": 30,
}


@dataclass(frozen=True)
class Area:
    key: str
    name: str
    reverse_keyed: bool = False


@dataclass(frozen=True)
class Item:
    key: str
    area: str
    text: str


AREAS: tuple[Area, ...] = (
    Area("exhaustion", "Exhaustion"),
    Area("compassion_fatigue", "Compassion fatigue"),
    Area("irritability_boredom", "Irritability or boredom with clients"),
    Area("detachment", "Detachment"),
    Area("satisfaction", "Satisfaction with the work", reverse_keyed=True),
)
AREA_BY_KEY = {area.key: area for area in AREAS}

PROMPT = "Thinking about the last two weeks of your work with clients, how much does each apply?"
ITEMS: tuple[Item, ...] = (
    Item("drained", "exhaustion", "By the end of a working day I have had nothing left to give."),
    Item("rest", "exhaustion", "Time off has not been enough to get my energy back."),
    Item(
        "carry_home",
        "compassion_fatigue",
        "What clients told me stayed with me after work and weighed on me.",
    ),
    Item(
        "heavy",
        "compassion_fatigue",
        "Hearing about clients' suffering has felt heavier to bear than it used to.",
    ),
    Item("irritated", "irritability_boredom", "I have felt irritated or impatient with clients."),
    Item("bored", "irritability_boredom", "I have felt bored in sessions or let my mind drift."),
    Item(
        "distant",
        "detachment",
        "I have felt distant from my clients, as if going through the motions.",
    ),
    Item("worthwhile", "satisfaction", "My work with clients has felt worthwhile to me."),
)
ITEM_KEYS = tuple(item.key for item in ITEMS)
TOTAL_MAX = SCALE_MAX * len(ITEMS)


class AnswerError(ValueError):
    """Answers that cannot be scored; the message says what to fix, in plain words."""


def clean_answers(raw: Mapping[str, object]) -> dict[str, int]:
    """Every item answered with a whole number from 0 to 4, or AnswerError naming the problem."""
    answers: dict[str, int] = {}
    missing = []
    for item in ITEMS:
        value = raw.get(item.key)
        if value is None or value == "":
            missing.append(item.text)
            continue
        text = str(value).strip()
        # isascii: '²' passes isdigit() but is no number int() can read.
        if not (text.isascii() and text.isdigit()) or not SCALE_MIN <= int(text) <= SCALE_MAX:
            raise AnswerError(f"Choose an answer from {SCALE_MIN} to {SCALE_MAX}: {item.text}")
        answers[item.key] = int(text)
    if missing:
        raise AnswerError(f"Please answer every statement. Not answered: {'; '.join(missing)}")
    return answers


def item_strain(item: Item, answer: int) -> int:
    return SCALE_MAX - answer if AREA_BY_KEY[item.area].reverse_keyed else answer


def area_scores(answers: Mapping[str, int]) -> dict[str, float]:
    """Mean answer per area, 0-4, each area in its own direction."""
    scores: dict[str, float] = {}
    for area in AREAS:
        values = [answers[item.key] for item in ITEMS if item.area == area.key]
        scores[area.key] = sum(values) / len(values)
    return scores


def strain_of(area_key: str, score: float) -> float:
    return SCALE_MAX - score if AREA_BY_KEY[area_key].reverse_keyed else score


def total_strain(answers: Mapping[str, int]) -> int:
    """Sum over items with satisfaction reversed: 0 (no strain at all) to 32."""
    return sum(item_strain(item, answers[item.key]) for item in ITEMS)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class AreaReading:
    key: str
    name: str
    score: float  # in the area's own direction, 0-4
    strain: float  # 0-4, high is worth attention
    usual: float | None  # mean score of the earlier checks, own direction
    change: float | None  # score - usual, own direction
    high: bool
    rising: bool  # strain at least RISE above the usual strain

    @property
    def flag(self) -> str:
        """What to call it on screen: for satisfaction, strain shows as low or falling."""
        reverse = AREA_BY_KEY[self.key].reverse_keyed
        if self.high:
            return "low" if reverse else "high"
        if self.rising:
            return "below_usual" if reverse else "above_usual"
        return ""


@dataclass(frozen=True)
class Reading:
    total: int
    usual_total: float | None
    total_change: float | None
    areas: tuple[AreaReading, ...]

    @property
    def needs_attention(self) -> tuple[AreaReading, ...]:
        return tuple(a for a in self.areas if a.high or a.rising)


def reading(current: Mapping[str, int], earlier: Sequence[Mapping[str, int]]) -> Reading:
    """One check against the person's own usual level: earlier checks, oldest first."""
    window = list(earlier)[-USUAL_WINDOW:] if len(earlier) >= MIN_HISTORY else []
    scores = area_scores(current)
    earlier_scores = [area_scores(answers) for answers in window]
    areas = []
    for area in AREAS:
        score = scores[area.key]
        usual = _mean([s[area.key] for s in earlier_scores])
        strain = strain_of(area.key, score)
        rising = usual is not None and strain - strain_of(area.key, usual) >= RISE
        areas.append(
            AreaReading(
                key=area.key,
                name=area.name,
                score=score,
                strain=strain,
                usual=usual,
                change=None if usual is None else score - usual,
                high=strain >= HIGH_STRAIN,
                rising=rising,
            )
        )
    total = total_strain(current)
    usual_total = _mean([total_strain(answers) for answers in window])
    return Reading(
        total=total,
        usual_total=usual_total,
        total_change=None if usual_total is None else total - usual_total,
        areas=tuple(areas),
    )


def trend(history: Sequence[Mapping[str, int]]) -> list[Reading]:
    """Every check of the history (oldest first), each read against the checks before it."""
    return [reading(history[i], history[:i]) for i in range(len(history))]


# --- reminders -----------------------------------------------------------------------------------


def next_due(interval: str, last_check: dt.date | None, switched_on: dt.date) -> dt.date | None:
    """When the next self-check is due: an interval after the last one; with no check yet, from
    the day reminders were switched on. None when reminders are off."""
    days = REMINDER_DAYS.get(interval)
    if days is None:
        return None
    if last_check is None:
        return switched_on
    return last_check + dt.timedelta(days=days)


def is_due(today: dt.date, due: dt.date | None) -> bool:
    return due is not None and today >= due


def reminder_needed(
    today: dt.date, due: dt.date | None, last_reminded: dt.date | None, interval: str
) -> bool:
    """One reminder per due date, and while the check stays undone one more each interval after
    the last reminder: at the pace the person chose, never twice in between."""
    days = REMINDER_DAYS.get(interval)
    if days is None or due is None or not is_due(today, due):
        return False
    if last_reminded is None or last_reminded < due:
        return True
    return today >= last_reminded + dt.timedelta(days=days)
