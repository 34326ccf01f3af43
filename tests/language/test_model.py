"""The shipped model labels utterances, and the command scores it on a labelled file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from alliance.language import labeller, summary
from alliance.language.rules import find_cues, load_rules

# A few obviously labelled synthetic lines in the AnnoMI "simple" column format.
ROWS = [
    ("therapist", "What brings you here today?", "question", "n/a"),
    ("client", "I want to stop drinking, I really need to quit.", "n/a", "change"),
    ("therapist", "You really want to quit drinking.", "reflection", "n/a"),
    ("client", "But I like drinking and it's not a problem.", "n/a", "sustain"),
    ("therapist", "How do you feel about that?", "question", "n/a"),
    ("client", "Okay.", "n/a", "neutral"),
    (
        "therapist",
        "Some people find it helps to set a limit before going out.",
        "therapist_input",
        "n/a",
    ),
    ("client", "Yeah.", "n/a", "neutral"),
    ("therapist", "Hi, nice to meet you.", "other", "n/a"),
]


def _write(path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "transcript_id",
                "mi_quality",
                "video_title",
                "video_url",
                "topic",
                "utterance_id",
                "interlocutor",
                "timestamp",
                "utterance_text",
                "main_therapist_behaviour",
                "client_talk_type",
            ]
        )
        for i, (who, text, behaviour, talk) in enumerate(ROWS):
            writer.writerow(
                [1, "high", "synthetic", "synthetic", "t", i, who, "", text, behaviour, talk]
            )
    return path


def test_labels_follow_the_speakers_and_questions_get_a_subtype() -> None:
    turns = [("therapist", "What brings you here today?"), ("client", "My sleep."), ("other", "Hi")]
    labels = labeller.label_utterances(turns)
    assert labels[0].speaker == "therapist" and labels[0].main == "question"
    assert labels[0].subtype in ("open", "closed")
    assert labels[1].main in ("change", "neutral", "sustain")
    assert labels[2] == labeller.Label(speaker="other")


def test_the_summary_counts_what_the_labels_say() -> None:
    turns = [(who, text) for who, text, _b, _t in ROWS]
    labels = [
        labeller.Label(who, main, sub)
        for who, main, sub in [
            ("therapist", "question", "open"),
            ("client", "change", ""),
            ("therapist", "reflection", "complex"),
            ("client", "sustain", ""),
            ("therapist", "question", "closed"),
            ("client", "neutral", ""),
            ("therapist", "therapist_input", ""),
            ("client", "neutral", ""),
            ("therapist", "other", ""),
        ]
    ]
    s = summary.summarise(turns, labels, find_cues(turns, load_rules()))
    assert s["reflection_question_ratio"] == 0.5
    assert s["complex_reflection_share"] == 1.0
    assert s["open_question_share"] == 0.5
    assert s["client_talk"] == {"change": 1, "neutral": 2, "sustain": 1}
    words = {w: sum(len(t.split()) for r, t in turns if r == w) for w in ("therapist", "client")}
    assert s["therapist_talk_share"] == round(words["therapist"] / sum(words.values()), 3)


def test_evaluate_prints_macro_f1_per_class_scores_and_the_confusion_matrix(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("language", "evaluate", str(_write(tmp_path / "s.csv")), stdout=out)
    text = out.getvalue()
    assert "therapist: macro-F1" in text and "client: macro-F1" in text
    assert "confusion (rows: true, columns: predicted)" in text
    assert "therapist_input" in text and "sustain" in text


def test_evaluate_refuses_a_file_in_another_format(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="missing columns"):
        call_command("language", "evaluate", str(bad))
    with pytest.raises(CommandError, match="No file"):
        call_command("language", "evaluate", str(tmp_path / "absent.csv"))


def test_the_shipped_model_is_small_and_says_how_it_was_scored() -> None:
    assert labeller.MODEL_PATH.stat().st_size < 50_000_000
    cv = labeller.model_metadata()["cross_validation"]
    assert cv["therapist"]["macro_f1"] > 0.7


def test_newkey_prints_a_key_the_transcript_cipher_accepts(settings: object) -> None:
    from alliance.language import services

    out = io.StringIO()
    call_command("language", "newkey", stdout=out)
    settings.TRANSCRIPT_KEYS = [out.getvalue().strip()]  # type: ignore[attr-defined]
    secret = services.cipher()
    assert secret is not None and secret.decrypt(secret.encrypt(b"x")) == b"x"


def test_the_metadata_beside_the_model_matches_the_model() -> None:
    import json

    meta = json.loads(labeller.MODEL_PATH.with_suffix(".json").read_text())
    shipped = labeller.model_metadata()["cross_validation"]["therapist"]["macro_f1"]
    assert meta["cross_validation"]["therapist"]["macro_f1"] == shipped
