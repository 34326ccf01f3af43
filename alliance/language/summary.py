"""The session summary in the terms training programmes use (pure: no Django).

Reflections to questions (R:Q) and the share of complex reflections and open questions are the
proficiency indicators of the MITI coding manual; therapist talk share is the therapist's share
of all words spoken by therapist and client. Every ratio is None when its denominator is zero,
so a page says "no questions" rather than showing a made-up number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from .labeller import Label
from .rules import MOVES, RUPTURES, Cue


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def summarise(
    turns: Sequence[tuple[str, str]], labels: Sequence[Label], cues: Sequence[Cue]
) -> dict[str, Any]:
    kinds = Counter((label.main, label.subtype) for label in labels if label.speaker == "therapist")
    talk = Counter(label.main for label in labels if label.speaker == "client")
    words: Counter[str] = Counter()
    for role, text in turns:
        words[role] += len(text.split())
    reflections = kinds[("reflection", "simple")] + kinds[("reflection", "complex")]
    questions = kinds[("question", "open")] + kinds[("question", "closed")]
    found = Counter(cue.kind for cue in cues)
    return {
        "turns": {"therapist": sum(kinds.values()), "client": sum(talk.values())},
        "words": {"therapist": words["therapist"], "client": words["client"]},
        "reflections": {
            "simple": kinds[("reflection", "simple")],
            "complex": kinds[("reflection", "complex")],
        },
        "questions": {"open": kinds[("question", "open")], "closed": kinds[("question", "closed")]},
        "therapist_input": sum(n for (main, _), n in kinds.items() if main == "therapist_input"),
        "other": sum(n for (main, _), n in kinds.items() if main == "other"),
        "client_talk": {k: talk[k] for k in ("change", "neutral", "sustain")},
        "reflection_question_ratio": _ratio(reflections, questions),
        "complex_reflection_share": _ratio(kinds[("reflection", "complex")], reflections),
        "open_question_share": _ratio(kinds[("question", "open")], questions),
        "therapist_talk_share": _ratio(words["therapist"], words["therapist"] + words["client"]),
        "change_talk_share": _ratio(talk["change"], talk["change"] + talk["sustain"]),
        "moves": {kind: found[kind] for kind in MOVES},
        "ruptures": {kind: found[kind] for kind in RUPTURES},
    }
