"""Reading labelled conversations in the AnnoMI column format (pure: no Django).

The "simple" file has one row per utterance with the main labels; the "full" file has one row per
utterance and annotator with the subtypes. A few conversations were labelled by ten annotators;
there the subtype is the one most annotators chose among those who agreed on the main label.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .features import Sample, samples_in_order

SIMPLE_COLUMNS = (
    "transcript_id",
    "video_url",
    "utterance_id",
    "interlocutor",
    "utterance_text",
    "main_therapist_behaviour",
    "client_talk_type",
)


class CorpusError(ValueError):
    """The file is not in the expected column format; the message says what is missing."""


@dataclass(frozen=True)
class LabelledUtterance:
    conversation: str
    group: str  # the source video: folds never split one
    speaker: str  # "therapist" or "client"
    sample: Sample
    label: str
    subtype: str = ""


def read_simple(
    path: Path, subtypes: dict[tuple[str, str], str] | None = None
) -> list[LabelledUtterance]:
    """Every utterance of a simple-format file, in conversation order, with its context."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SIMPLE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CorpusError(f"{path.name}: missing columns {', '.join(missing)}")
        rows = list(reader)
    by_conversation: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_conversation[row["transcript_id"]].append(row)
    out: list[LabelledUtterance] = []
    for conversation, turns in by_conversation.items():
        turns.sort(key=lambda r: int(r["utterance_id"]))
        samples = samples_in_order([t["utterance_text"] for t in turns])
        for turn, sample in zip(turns, samples, strict=True):
            out.extend(_labelled(conversation, turn, sample, subtypes or {}))
    return out


def _labelled(
    conversation: str, turn: dict[str, str], sample: Sample, subtypes: dict[tuple[str, str], str]
) -> Iterator[LabelledUtterance]:
    speaker = turn["interlocutor"].strip().lower()
    label = (
        turn["main_therapist_behaviour"] if speaker == "therapist" else turn["client_talk_type"]
    ).strip()
    if speaker not in ("therapist", "client") or label in ("", "n/a"):
        return
    yield LabelledUtterance(
        conversation=conversation,
        group=turn["video_url"],
        speaker=speaker,
        sample=sample,
        label=label,
        subtype=subtypes.get((conversation, turn["utterance_id"]), ""),
    )


def read_subtypes(path: Path) -> dict[tuple[str, str], str]:
    """(conversation, utterance) → simple/complex or open/closed, by majority of annotators."""
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["transcript_id"], row["utterance_id"])
            main = row.get("main_therapist_behaviour", "")
            if main == "reflection" and row.get("reflection_subtype") in ("simple", "complex"):
                votes[key][row["reflection_subtype"]] += 1
            elif main == "question" and row.get("question_subtype") in ("open", "closed"):
                votes[key][row["question_subtype"]] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in votes.items() if counter}
