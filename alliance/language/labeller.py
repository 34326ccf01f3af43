"""Labelling a session's utterances with the shipped models (pure: no Django).

The models are read from disk once per process (a web or task worker) and kept; labelling a
session is then a few sparse matrix products. The file is the project's own, shipped in the
package and written by `alliance language train`; a model file from anywhere else is never
loaded, because unpickling runs code.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib

from .features import Sample, samples_in_order

MODEL_PATH = Path(__file__).parent / "model" / "annomi-linear.joblib"


@dataclass(frozen=True)
class Label:
    """The label of one utterance: the main class and, for reflections and questions, the
    subtype. A client utterance has a talk type instead."""

    speaker: str  # "therapist", "client" or "other" (another voice: not labelled)
    main: str = ""
    subtype: str = ""


@functools.cache
def load_bundle(path: Path = MODEL_PATH) -> dict[str, Any]:
    bundle: dict[str, Any] = joblib.load(path)
    return bundle


def model_metadata() -> dict[str, Any]:
    meta: dict[str, Any] = load_bundle()["meta"]
    return meta


def label_utterances(
    turns: Sequence[tuple[str, str]], bundle: dict[str, Any] | None = None
) -> list[Label]:
    """Label (speaker role, text) turns spoken in this order. Context is the previous turn,
    whoever spoke it, as in training."""
    bundle = bundle or load_bundle()
    samples = samples_in_order([text for _role, text in turns])
    labels = [
        Label(speaker=role if role in ("therapist", "client") else "other") for role, _ in turns
    ]
    _label_speaker(bundle, "therapist", turns, samples, labels)
    _label_speaker(bundle, "client", turns, samples, labels)
    return labels


def _label_speaker(
    bundle: dict[str, Any],
    speaker: str,
    turns: Sequence[tuple[str, str]],
    samples: list[Sample],
    labels: list[Label],
) -> None:
    where = [i for i, (role, _) in enumerate(turns) if role == speaker]
    if not where:
        return
    mains = bundle[speaker].predict([samples[i] for i in where])
    for i, main in zip(where, mains, strict=True):
        labels[i] = Label(speaker=speaker, main=str(main))
    if speaker != "therapist":
        return
    for kind in ("reflection", "question"):
        chosen = [i for i in where if labels[i].main == kind]
        if chosen:
            subtypes = bundle[kind].predict([samples[i] for i in chosen])
            for i, subtype in zip(chosen, subtypes, strict=True):
                labels[i] = Label(speaker=speaker, main=kind, subtype=str(subtype))
