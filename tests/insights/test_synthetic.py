"""The synthetic history generator: deterministic, lazy, realistic enough, obviously synthetic.

Run without Django: .venv/bin/pytest -p no:django tests/insights
"""

from __future__ import annotations

import itertools
import re
import types

import numpy as np

from alliance.insights import analysis as A
from alliance.synthetic import histories as H


def run(n: int = 200, seed: int = 3) -> list[H.SyntheticEpisode]:
    return list(H.generate(n, seed=seed))


def test_same_seed_same_histories_and_another_seed_differs() -> None:
    assert run(30) == run(30)
    assert run(30, seed=4) != run(30)


def test_generate_is_lazy_and_episodes_can_be_rebuilt_alone() -> None:
    gen = H.generate(10**9, seed=1)  # would never fit in memory if it were a list
    assert isinstance(gen, types.GeneratorType)
    first = list(itertools.islice(gen, 3))
    assert first[2] == H.episode(2, seed=1, n_episodes=10**9)


def test_count_responses_matches_generated_responses() -> None:
    episodes = run(120)
    assert H.count_responses(120, seed=3) == sum(len(e.responses) for e in episodes)
    n = H.episodes_for(5000, seed=3)
    assert H.count_responses(n, seed=3) >= 5000 > H.count_responses(n - 1, seed=3)


def test_names_and_codes_are_obviously_synthetic() -> None:
    for ep in run(50):
        for p in ep.participants:
            assert p.display_name.endswith("(synthetic)")
            assert re.fullmatch(r"[CTI]-\d{4,6}(-\d)?", p.code)


def test_answers_are_in_range_and_use_the_shared_item_names() -> None:
    items = {
        H.CLIENT_FORM: {"bond", "goals", "tasks", "overall"},
        H.THERAPIST_FORM: {"bond", "goals", "tasks", "overall"},
        H.CONJOINT_FORM: {"bond", "goals", "tasks", "overall", "together"},
        H.INTERPRETER_FORM: {"understood", "bond", "flow", "overall"},
        H.PHQ9: {f"phq9-{k}" for k in range(1, 11)},
        H.GAD7: {f"gad7-{k}" for k in range(1, 8)},
    }
    top = {H.PHQ9: 3, H.GAD7: 3}
    for ep in run(80):
        for r in ep.responses:
            numeric = {k: v for k, v in r.answers.items() if k != "change"}
            assert set(numeric) <= items[r.instrument]
            assert all(
                isinstance(v, int) and 0 <= v <= top.get(r.instrument, 10) for v in numeric.values()
            )
            assert isinstance(r.answers.get("change", ""), str)


def test_client_ratings_sit_near_the_ceiling_and_therapists_lower() -> None:
    client, therapist = [], []
    for ep in run(300):
        for r in ep.responses:
            if r.instrument in (H.CLIENT_FORM, H.THERAPIST_FORM):
                mean = H.score(r.instrument, r.answers)["alliance"]
                (client if r.role == "client" else therapist).append(mean)
    assert 8.3 < np.mean(client) < 9.6
    assert np.mean(np.asarray(client) == 10) > 0.2  # many clients just say 10
    assert np.mean(therapist) < np.mean(client) - 0.5


def test_ground_truth_rates_are_plausible() -> None:
    episodes = run(600)
    clients = sum(1 for e in episodes for p in e.participants if p.role == "client")
    ruptures = [r for e in episodes for r in e.truth.ruptures if not r.split]
    assert 0.15 < len(ruptures) / clients < 0.35  # Larsson et al. 2018: about 26%
    repaired = sum(r.repaired for r in ruptures) / len(ruptures)
    assert 0.4 < repaired < 0.7
    assert any(r.scale == "goals" for r in ruptures) and any(r.scale == "overall" for r in ruptures)
    assert {e.truth.outcome for e in episodes} == {"improve", "stall", "worsen"}
    assert any(e.truth.overestimation for e in episodes)
    assert any(e.truth.split for e in episodes if e.format != "individual")
    assert not any(e.truth.split for e in episodes if e.format == "individual")


def test_exactly_one_risk_answer_in_every_twenty_episodes() -> None:
    for seed in (0, 5, 19):
        episodes = run(40, seed=seed)
        flagged = [
            (e.index, r.session_number)
            for e in episodes
            for r in e.responses
            if r.instrument == H.PHQ9 and int(r.answers["phq9-9"]) > 0
        ]
        truth = [(e.index, s) for e in episodes for _, s in e.truth.risk_sessions]
        assert len(flagged) == 2
        assert sorted(flagged) == sorted(truth)
        for block in (range(0, 20), range(20, 40)):
            assert sum(i in block for i, _ in flagged) == 1


def test_outcomes_asked_at_first_session_and_every_fourth() -> None:
    assert H.outcome_sessions(13) == [1, 4, 8, 12]
    ep = run(1)[0]
    phq = sorted({r.session_number for r in ep.responses if r.instrument == H.PHQ9})
    assert phq == H.outcome_sessions(ep.session_count)


def test_outcome_trajectories_follow_the_truth() -> None:
    change: dict[str, list[float]] = {"improve": [], "stall": [], "worsen": []}
    for ep in run(200):
        totals = [
            H.score(r.instrument, r.answers)["total"]
            for r in ep.responses
            if r.instrument == H.PHQ9 and r.participant_index == 0
        ]
        change[ep.truth.outcome].append(totals[-1] - totals[0])
    assert np.mean(change["improve"]) < -5
    assert abs(np.mean(change["stall"])) < 2.5
    assert np.mean(change["worsen"]) > 4


def test_columnar_table_matches_the_responses() -> None:
    episodes = run(20)
    obs = H.to_observations(episodes)
    per_response = {
        H.CLIENT_FORM: 5,
        H.THERAPIST_FORM: 5,
        H.CONJOINT_FORM: 6,
        H.INTERPRETER_FORM: 5,
    }
    expected = sum(per_response.get(r.instrument, 1) for e in episodes for r in e.responses)
    assert len(obs) == expected
    assert obs.risk.sum() == sum(len(e.truth.risk_sessions) for e in episodes)
    assert set(np.unique(obs.episode).tolist()) == set(range(20))
    assert H.observations(20, seed=3).value.tolist() == obs.value.tolist()


def test_our_drop_rule_finds_most_ruptures_in_the_synthetic_data() -> None:
    episodes = run(300, seed=8)
    found = A.alliance_drops(H.to_observations(episodes))
    alerts = {(f.episode, f.participant, f.session_number) for f in found}
    ruptures = [(e.index, r) for e in episodes for r in e.truth.ruptures]
    caught = sum(
        (i, r.participant_index, r.session_number) in alerts
        or (i, r.participant_index, r.session_number + 1) in alerts
        for i, r in ruptures
    )
    assert caught / len(ruptures) >= 0.85
