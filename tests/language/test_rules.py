"""The phrase rules find moves and cues, and meet their precision on the labelled examples."""

from __future__ import annotations

from alliance.language.rules import find_cues, load_rules, rules_from_dict
from bench.bench_language import rule_precision


def test_each_rule_is_at_least_80_percent_precise_on_the_written_examples() -> None:
    results = rule_precision()
    assert set(results) >= {
        "agenda_check",
        "feedback_request",
        "offering_choice",
        "asking_permission",
        "checking_understanding",
        "withdrawal",
        "confrontation",
    }
    for kind, (tp, fp, _fn) in results.items():
        assert tp / (tp + fp) >= 0.8, kind


def test_moves_only_in_therapist_turns_and_cues_only_in_client_turns() -> None:
    rules = load_rules("en")
    turns = [("client", "Is that right?"), ("therapist", "I don't know.")]
    assert find_cues(turns, rules) == []


def test_a_run_of_minimal_answers_is_one_withdrawal_cue() -> None:
    rules = load_rules("en")
    turns = [("therapist", "How was it?"), ("client", "Okay.")] * 4
    cues = find_cues(turns, rules)
    assert [(c.kind, c.turn) for c in cues] == [("withdrawal", 5)]


def test_rules_are_data_another_language_can_supply() -> None:
    german = rules_from_dict(
        {"language": "de", "moves": {"agenda_check": [r"\bworan möchten sie heute\b"]}}
    )
    cues = find_cues([("therapist", "Woran möchten Sie heute arbeiten?")], german)
    assert [c.kind for c in cues] == ["agenda_check"]
    assert load_rules("xx").language == "en"  # no file for a language: English
