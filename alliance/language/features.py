"""What the language model sees in an utterance, and how it is trained (pure: no Django).

An utterance is classified with its context: the text itself (word and character n-grams), the
utterance before it (what the therapist answers shapes what the answer is: a reflection follows
client talk, a question often follows a reflection) and a handful of cues a trainer would name
(a question mark, an opening wh-word, "it sounds like", "you feel", first-person plans). The
model is a linear one because it trains in seconds on a laptop, is small enough to ship, labels
a whole session in well under a second, and its weights can be inspected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

THERAPIST_CLASSES = ("reflection", "question", "therapist_input", "other")
CLIENT_CLASSES = ("change", "neutral", "sustain")
REFLECTION_SUBTYPES = ("simple", "complex")
QUESTION_SUBTYPES = ("open", "closed")


@dataclass(frozen=True)
class Sample:
    """One utterance with the one before and the one after it (empty at either end)."""

    text: str
    previous: str = ""
    following: str = ""


def samples_in_order(texts: Sequence[str]) -> list[Sample]:
    """Each utterance of one conversation with its neighbours. The whole transcript is at hand
    when a session is labelled, so the reply is fair context: a therapist's reflection of what
    the client just said tells the model what kind of thing the client said."""
    last = len(texts) - 1
    return [
        Sample(text, texts[i - 1] if i else "", texts[i + 1] if i < last else "")
        for i, text in enumerate(texts)
    ]


class Field(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Picks one field of each sample so a vectoriser can read it."""

    def __init__(self, name: str = "text") -> None:
        self.name = name

    def fit(self, samples: Sequence[Sample], y: object = None) -> Field:
        return self

    def transform(self, samples: Sequence[Sample]) -> list[str]:
        return [getattr(s, self.name) for s in samples]


_OPENERS = r"^\W*(?:so,?\s+|and\s+|okay,?\s+|well,?\s+)*"


def _any(*phrases: str, prefix: str = r"\b") -> re.Pattern[str]:
    return re.compile(prefix + "(" + "|".join(phrases) + r")\b", re.I)


_WH = _any(
    "what", "how", "why", "when", "where", "who", "which", "tell me", "describe", prefix=_OPENERS
)
_YES_NO = _any(
    "do",
    "does",
    "did",
    "is",
    "are",
    "was",
    "were",
    "have",
    "has",
    "can",
    "could",
    "would",
    "will",
    "should",
    prefix=_OPENERS,
)
_REFLECT = _any(
    "it sounds like",
    "sounds like",
    "you feel",
    "you're feeling",
    "you are feeling",
    "it seems",
    "you seem",
    "what i'm hearing",
    "you mean",
    "you're saying",
    "on the one hand",
    "part of you",
)
_ADVICE = _any(
    "you should",
    "you could",
    "i would suggest",
    "i'd suggest",
    "i recommend",
    "one option",
    "some people",
    "research shows",
    "studies",
    "it's important",
    "the guidelines",
)
_CHANGE = _any(
    "i want to",
    "i'd like to",
    "i need to",
    "i will",
    "i'm going to",
    "i could",
    "i should",
    "i can",
    "i've been trying",
    "i'm ready",
    "quit",
    "stop",
    "cut down",
    "cut back",
)
_SUSTAIN = _any(
    "i don't want",
    "i can't",
    "i won't",
    "not a problem",
    "it's fine",
    "i like",
    "i enjoy",
    "it helps me",
    "everyone does",
    "no big deal",
    "i don't think",
)
_FILLER = re.compile(r"^\W*(mm-?hmm|hmm|uh-?huh|yeah|yes|okay|ok|right|sure|no|yep|mhm)\W*$", re.I)


class Cues(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Hand-written cues, scaled to about the size of a TF-IDF weight."""

    def fit(self, samples: Sequence[Sample], y: object = None) -> Cues:
        return self

    def transform(self, samples: Sequence[Sample]) -> sparse.csr_matrix:
        return sparse.csr_matrix(np.array([_cue_row(s) for s in samples], dtype=np.float64))


def _cue_row(sample: Sample) -> list[float]:
    text = sample.text.strip()
    words = len(text.split())
    last = text.rstrip()[-1:] if text else ""
    return [
        float(last == "?"),
        float("?" in text),
        float(bool(_WH.search(text))),
        float(bool(_YES_NO.search(text))),
        float(bool(_REFLECT.search(text))),
        float(bool(_ADVICE.search(text))),
        float(bool(_CHANGE.search(text))),
        float(bool(_SUSTAIN.search(text))),
        float(bool(_FILLER.match(text))),
        min(words, 60) / 60,
        float(words <= 3),
        float("?" in sample.previous),
        min(len(sample.previous.split()), 60) / 60,
        float(not sample.previous),
    ]


def _text_features(*, context: bool) -> FeatureUnion:
    parts: list[tuple[str, object]] = [
        (
            "words",
            Pipeline(
                [
                    ("field", Field("text")),
                    ("tfidf", TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, min_df=2)),
                ]
            ),
        ),
        (
            "chars",
            Pipeline(
                [
                    ("field", Field("text")),
                    (
                        "tfidf",
                        TfidfVectorizer(
                            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=3
                        ),
                    ),
                ]
            ),
        ),
        ("cues", Cues()),
    ]
    if context:
        parts += [(name, _neighbour(name)) for name in ("previous", "following")]
    return FeatureUnion(parts)


def _neighbour(name: str) -> Pipeline:
    return Pipeline(
        [
            ("field", Field(name)),
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
        ]
    )


def new_classifier(*, context: bool = True, c: float = 0.1) -> Pipeline:
    """An untrained model: the features above, then a class-balanced linear SVM (C chosen by
    grouped cross-validation; logistic regression scored the same and trained ten times
    slower)."""
    return Pipeline(
        [
            ("features", _text_features(context=context)),
            ("model", LinearSVC(C=c, class_weight="balanced")),
        ]
    )


def shrink(pipeline: Pipeline) -> Pipeline:
    """Drop what a fitted vectoriser keeps only for inspection (the terms it pruned), which
    would otherwise make the shipped file several times larger."""
    for step in _vectorisers(pipeline):
        if hasattr(step, "stop_words_"):
            del step.stop_words_
    return pipeline


def _vectorisers(pipeline: Pipeline) -> Iterable[TfidfVectorizer]:
    for _name, part in pipeline.named_steps["features"].transformer_list:
        if isinstance(part, Pipeline):
            yield part.named_steps["tfidf"]
