"""Training the shipped models and scoring them on videos they never saw (pure: no Django).

Four linear models: the therapist's main behaviour (4 classes), the client's talk type (3), and
two subtype models used only after the main one decided (reflection → simple/complex, question →
open/closed). Cross-validation folds are grouped by source video so that no conversation
contributes to both training and scoring; per-utterance folds would inflate every number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from .corpus import LabelledUtterance
from .features import (
    CLIENT_CLASSES,
    QUESTION_SUBTYPES,
    REFLECTION_SUBTYPES,
    THERAPIST_CLASSES,
    new_classifier,
    shrink,
)

TASKS: dict[str, tuple[str, tuple[str, ...]]] = {
    # task → (speaker, classes)
    "therapist": ("therapist", THERAPIST_CLASSES),
    "client": ("client", CLIENT_CLASSES),
    "reflection": ("therapist", REFLECTION_SUBTYPES),
    "question": ("therapist", QUESTION_SUBTYPES),
}


def task_rows(rows: Sequence[LabelledUtterance], task: str) -> list[tuple[LabelledUtterance, str]]:
    """The utterances a task learns from, each with the answer it should give."""
    speaker, classes = TASKS[task]
    if task in ("therapist", "client"):
        return [(r, r.label) for r in rows if r.speaker == speaker and r.label in classes]
    return [(r, r.subtype) for r in rows if r.label == task and r.subtype in classes]


@dataclass
class Scores:
    """How one task did on held-out videos."""

    task: str
    classes: tuple[str, ...]
    macro_f1: float
    precision: dict[str, float] = field(default_factory=dict)
    recall: dict[str, float] = field(default_factory=dict)
    f1: dict[str, float] = field(default_factory=dict)
    support: dict[str, int] = field(default_factory=dict)
    confusion: list[list[int]] = field(default_factory=list)
    fold_macro_f1: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def score(task: str, truth: Sequence[str], predicted: Sequence[str]) -> Scores:
    classes = TASKS[task][1]
    p, r, f, s = precision_recall_fscore_support(
        truth, predicted, labels=list(classes), zero_division=0
    )
    return Scores(
        task=task,
        classes=classes,
        macro_f1=float(f1_score(truth, predicted, labels=list(classes), average="macro")),
        precision=dict(zip(classes, map(float, p), strict=True)),
        recall=dict(zip(classes, map(float, r), strict=True)),
        f1=dict(zip(classes, map(float, f), strict=True)),
        support=dict(zip(classes, map(int, s), strict=True)),
        confusion=confusion_matrix(truth, predicted, labels=list(classes)).tolist(),
    )


def cross_validate(rows: Sequence[LabelledUtterance], task: str, folds: int = 5) -> Scores:
    """Out-of-fold predictions with folds grouped by video; scores pooled over all folds."""
    data = task_rows(rows, task)
    samples = [r.sample for r, _ in data]
    labels = np.array([label for _, label in data])
    groups = [r.group for r, _ in data]
    predicted = np.empty(len(data), dtype=object)
    per_fold: list[float] = []
    for train, test in GroupKFold(n_splits=folds).split(samples, labels, groups):
        model = new_classifier(context=_uses_context(task))
        model.fit([samples[i] for i in train], labels[train])
        predicted[test] = model.predict([samples[i] for i in test])
        per_fold.append(
            float(
                f1_score(
                    labels[test], predicted[test], labels=list(TASKS[task][1]), average="macro"
                )
            )
        )
    result = score(task, list(labels), list(predicted))
    result.fold_macro_f1 = per_fold
    return result


def _uses_context(task: str) -> bool:
    # A subtype is a property of the utterance itself; the previous turn only adds noise there.
    return task in ("therapist", "client")


def fit(rows: Sequence[LabelledUtterance], task: str) -> Pipeline:
    data = task_rows(rows, task)
    model = new_classifier(context=_uses_context(task))
    model.fit([r.sample for r, _ in data], [label for _, label in data])
    return shrink(model)
