"""Gentle suggestions shown after a self-check, by area. Plain data, no Django.

They are ideas a colleague might offer, never a judgement or a diagnosis: the self-check is not a
validated instrument. An area gets its suggestions when it is high or higher than the person's
usual level (see scoring.py); wording may be changed freely here, tests look only for the keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from .scoring import AreaReading, Reading

INTRO_HIGH = "{name} looks high in this check."
INTRO_RISING = "{name} looks higher than your usual level."
INTRO_LOW_SATISFACTION = "Satisfaction with the work looks low in this check."
INTRO_FALLING_SATISFACTION = "Satisfaction with the work looks lower than your usual level."

IDEAS: dict[str, tuple[str, ...]] = {
    "exhaustion": (
        "Look at the coming week: is there a gap between sessions you could protect for a break?",
        "Consider limiting late sessions for a while, "
        "or moving one to a time of day you are fresher.",
        "Rest counts as part of the work: plan one evening or day off that stays off.",
    ),
    "compassion_fatigue": (
        "Bring a client whose story stays with you to peer consultation or supervision.",
        "A short ritual at the end of the working day can help leave the work at work.",
        "Check how many heavy stories your caseload holds right now, and whether that can change.",
    ),
    "irritability_boredom": (
        "Irritation or boredom in a session can be information about the relationship: "
        "a reflection in the journal may help you see what it says.",
        "Talk it over in supervision: these feelings are common and worth understanding.",
        "Notice whether they come at particular times of day or with particular clients.",
    ),
    "detachment": (
        "Feeling distant can be a sign of needing rest; consider a lighter week if you can.",
        "Peer consultation can help reconnect with why a piece of work matters.",
        "Write in the journal about one client you feel far from: what happened, and when?",
    ),
    "satisfaction": (
        "Recall one recent session that went well, and what you did that helped.",
        "Supervision is also for the work that goes well: bring something that satisfied you.",
        "Consider whether some part of your week could return to the work you enjoy most.",
    ),
}


@dataclass(frozen=True)
class Suggestion:
    area: str
    intro: str
    ideas: tuple[str, ...]


def _intro(area: AreaReading) -> str:
    if area.key == "satisfaction":
        return INTRO_LOW_SATISFACTION if area.high else INTRO_FALLING_SATISFACTION
    return (INTRO_HIGH if area.high else INTRO_RISING).format(name=area.name)


def for_reading(result: Reading) -> list[Suggestion]:
    """Suggestions for the areas of this check that are high or above the usual level."""
    return [
        Suggestion(area=a.key, intro=_intro(a), ideas=IDEAS[a.key]) for a in result.needs_attention
    ]
