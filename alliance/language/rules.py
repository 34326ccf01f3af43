"""Alliance moves and rupture cues found by phrase rules (pure: no Django).

The rules are data: one JSON file per language in `rules/` (or in ALLIANCE_LANGUAGE_RULES_DIR),
each a list of regular expressions per move or cue. A therapist utterance may show a move
(agenda check, feedback request, offering choice, asking permission, checking understanding); a
client utterance may show a rupture cue: withdrawal (a stock evasive answer, a wish to change the
subject, or a run of minimal answers) or confrontation (a complaint about the therapy, the
therapist or the progress). They are cues to reflect on, never judgements: a short answer may
simply be a short answer.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RULES_DIR = Path(__file__).parent / "rules"
MOVES = (
    "agenda_check",
    "feedback_request",
    "offering_choice",
    "asking_permission",
    "checking_understanding",
)
RUPTURES = ("withdrawal", "confrontation")


@dataclass(frozen=True)
class Rules:
    language: str
    moves: dict[str, list[re.Pattern[str]]]
    ruptures: dict[str, list[re.Pattern[str]]]
    minimal_answer_words: int = 3
    minimal_answer_run: int = 3


@dataclass(frozen=True)
class Cue:
    kind: str  # a move or a rupture kind
    turn: int  # index of the turn in the transcript
    phrase: str  # the words that matched, or why it was flagged


def _compiled(
    patterns: dict[str, list[str]], names: Sequence[str]
) -> dict[str, list[re.Pattern[str]]]:
    return {name: [re.compile(p, re.I) for p in patterns.get(name, [])] for name in names}


def rules_from_dict(data: dict[str, object]) -> Rules:
    moves = data.get("moves", {})
    ruptures = data.get("ruptures", {})
    assert isinstance(moves, dict) and isinstance(ruptures, dict)
    return Rules(
        language=str(data.get("language", "")),
        moves=_compiled(moves, MOVES),
        ruptures=_compiled(ruptures, RUPTURES),
        minimal_answer_words=int(str(data.get("minimal_answer_words", 3))),
        minimal_answer_run=int(str(data.get("minimal_answer_run", 3))),
    )


def available_languages(folder: Path = RULES_DIR) -> list[str]:
    """Languages with a rules file, e.g. ["en"]."""
    return sorted(path.stem for path in folder.glob("*.json"))


@functools.cache
def load_rules(language: str = "en", folder: Path = RULES_DIR) -> Rules:
    """The rules for a language; English when there is no file for it."""
    path = folder / f"{language}.json"
    if not path.exists():
        path = RULES_DIR / "en.json"
    return rules_from_dict(json.loads(path.read_text(encoding="utf-8")))


def find_cues(turns: Sequence[tuple[str, str]], rules: Rules) -> list[Cue]:
    """Moves in therapist turns and rupture cues in client turns, in transcript order."""
    cues: list[Cue] = []
    run = 0
    for index, (role, text) in enumerate(turns):
        if role == "therapist":
            cues += _matches(index, text, rules.moves)
        elif role == "client":
            found = _matches(index, text, rules.ruptures)
            run = run + 1 if len(text.split()) <= rules.minimal_answer_words else 0
            if run == rules.minimal_answer_run and not found:
                found = [Cue("withdrawal", index, f"{run} minimal answers in a row")]
            cues += found
    return cues


def _matches(index: int, text: str, table: dict[str, list[re.Pattern[str]]]) -> list[Cue]:
    out = []
    for kind, patterns in table.items():
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                out.append(Cue(kind, index, match.group(0).strip()))
                break
    return out
