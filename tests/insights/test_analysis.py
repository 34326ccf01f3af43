"""Known answers for every alert rule, and properties that must hold for any history.

Run without Django: .venv/bin/pytest -p no:django tests/insights
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.insights import analysis as A

CLIENT_FORM = "alliance-checkin-client"
THERAPIST_FORM = "alliance-checkin-therapist"
CONJOINT_FORM = "alliance-checkin-conjoint"

Row = tuple[int, int, str, str, str, int, float, bool]


def series(
    values: list[float],
    *,
    scale: str = "alliance",
    instrument: str = CLIENT_FORM,
    role: str = "client",
    episode: int = 1,
    participant: int = 0,
    first_session: int = 1,
) -> list[Row]:
    return [
        (episode, participant, role, instrument, scale, first_session + i, float(v), False)
        for i, v in enumerate(values)
    ]


def table(*parts: list[Row]) -> A.Observations:
    return A.Observations.from_rows([row for part in parts for row in part])


def kinds(found: list[A.Finding]) -> list[tuple[str, int]]:
    return [(f.kind, f.session_number) for f in found]


# ------------------------------------------------------------------ alliance drop


def test_ceiling_client_who_always_says_10_is_flagged_for_an_8() -> None:
    found = A.alliance_drops(table(series([10] * 10 + [8])))
    assert kinds(found) == [("alliance_drop", 11)]
    x = found[0].numbers
    assert x["today"] == 8.0
    assert x["baseline_mean"] == 10.0
    assert (x["baseline_min"], x["baseline_max"]) == (10.0, 10.0)
    assert x["baseline_sessions"] == 8  # the window keeps the last 8 sessions
    assert x["drop"] == 2.0
    assert A.explain(found[0]).startswith(
        "Alliance (mean of the items) 8 today; 10 in each of the previous 8 sessions. "
        "That is 2 points lower"
    )


def test_client_moving_between_6_and_8_is_not_flagged_for_a_7_or_a_6() -> None:
    assert A.alliance_drops(table(series([6, 8, 7, 6, 8, 7]))) == []
    assert A.alliance_drops(table(series([6, 8, 7, 6, 8, 6]))) == []


def test_noisy_client_needs_a_bigger_drop_than_a_steady_one() -> None:
    noisy = series([6, 9, 7, 10, 6, 9, 7.5])  # mean 7.8, SD 1.5: a 7.5 -> 3 points is needed
    assert A.alliance_drops(table(noisy)) == []
    assert kinds(A.alliance_drops(table(series([6, 9, 7, 10, 6, 9, 4])))) == [("alliance_drop", 7)]


def test_no_drop_is_judged_before_three_prior_sessions() -> None:
    assert A.alliance_drops(table(series([10, 10, 2]))) == []
    assert kinds(A.alliance_drops(table(series([10, 10, 10, 2])))) == [("alliance_drop", 4)]


def test_big_drop_is_high_severity() -> None:
    found = A.alliance_drops(table(series([10, 10, 10, 10, 6])))
    assert found[0].severity == "high"
    assert A.alliance_drops(table(series([10, 10, 10, 10, 8])))[0].severity == "medium"


def test_goals_drop_while_bond_holds_is_a_subscale_drop() -> None:
    goals = [9, 10, 9, 10, 10, 9, 6]
    bond = [10] * 7
    total = [(g + 30) / 4 for g in goals]  # goals, bond, tasks=10, overall=10
    found = A.alliance_drops(
        table(series(goals, scale="goals"), series(bond, scale="bond"), series(total))
    )
    assert [(f.kind, f.scale, f.session_number) for f in found] == [("subscale_drop", "goals", 7)]
    assert A.explain(found[0]).startswith(
        "Goals 6 today; usually 9.5, between 9 and 10 over 6 sessions"
    )


def test_subscale_drop_is_not_repeated_when_the_total_dropped_too() -> None:
    found = A.alliance_drops(table(series([10] * 5 + [5], scale="overall"), series([10] * 5 + [6])))
    assert [(f.kind, f.scale) for f in found] == [("alliance_drop", "alliance")]


def test_therapist_ratings_do_not_raise_drops() -> None:
    rows = series([10] * 5 + [5], instrument=THERAPIST_FORM, role="therapist")
    assert A.alliance_drops(table(rows)) == []


# -------------------------------------------------------------- rupture and repair


def test_rupture_then_return_to_baseline_is_repaired() -> None:
    found = A.ruptures(table(series([9, 10, 9, 10, 9, 6, 7, 9.5, 10])))
    assert [(f.kind, f.session_number) for f in found] == [("rupture_repaired", 8)]
    x = found[0].numbers
    assert (x["onset_session"], x["repair_session"], x["baseline_mean"]) == (6.0, 8.0, 9.0)
    assert "back at 9.5 by session 8" in A.explain(found[0])


def test_rupture_without_return_is_unrepaired_at_the_latest_session() -> None:
    found = A.ruptures(table(series([10, 10, 10, 10, 7, 7, 8, 8])))
    assert [(f.kind, f.session_number, f.severity) for f in found] == [
        ("rupture_unrepaired", 8, "high")
    ]
    assert found[0].numbers["onset_session"] == 5.0
    assert "not yet back" in A.explain(found[0])


def test_two_separate_ruptures_are_both_reported() -> None:
    values = [10, 10, 10, 10, 7, 10, 10, 10, 10, 6]
    found = A.ruptures(table(series(values)))
    assert kinds(found) == [("rupture_repaired", 6), ("rupture_unrepaired", 10)]


# ------------------------------------------------------------------- low alliance


def test_low_alliance_below_default_cutoff_7() -> None:
    found = A.low_alliance(table(series([8, 7, 6.75, 4.5])))
    assert [(f.session_number, f.severity) for f in found] == [(3, "medium"), (4, "high")]
    assert A.explain(found[0]) == "Alliance (mean of the items) 6.8 today, below the cutoff of 7."


def test_low_alliance_cutoff_can_be_set_per_instrument() -> None:
    t = A.Thresholds(low_alliance_by_instrument={CLIENT_FORM: 9.0})
    assert len(A.low_alliance(table(series([8, 9, 10])), t)) == 1


# --------------------------------------------------------- therapist over-estimation


def test_therapist_persistently_above_client_is_flagged_after_three_sessions() -> None:
    client = series([7, 7, 6.5, 7, 8.5])
    therapist = series([9, 9, 9, 9, 9], instrument=THERAPIST_FORM, role="therapist", participant=9)
    found = A.overestimation(table(client, therapist))
    assert kinds(found) == [("therapist_overestimation", 3), ("therapist_overestimation", 4)]
    x = found[-1].numbers
    assert (x["therapist_value"], x["client_mean"], x["gap"]) == (9.0, 7.0, 2.0)
    assert math.isclose(x["mean_gap"], (2 + 2.5 + 2) / 3)
    assert "in each of the last 4 paired sessions" in A.explain(found[-1])


def test_gap_of_less_than_threshold_or_not_persistent_is_not_flagged() -> None:
    client = series([8, 7, 8, 7, 8])
    therapist = series([9, 9, 9, 9, 9], instrument=THERAPIST_FORM, role="therapist", participant=9)
    assert A.overestimation(table(client, therapist)) == []


def test_trajectories_put_client_mean_and_therapist_side_by_side() -> None:
    a = series([8, 6], instrument=CONJOINT_FORM)
    b = series([10, 8], instrument=CONJOINT_FORM, participant=1)
    t = series([7, 9], instrument=THERAPIST_FORM, role="therapist", participant=2)
    tr = A.trajectories(table(a, b, t))
    assert tr.session_number.tolist() == [1, 2]
    assert tr.client_mean.tolist() == [9.0, 7.0]
    assert tr.client_count.tolist() == [2, 2]
    assert tr.therapist_value.tolist() == [7.0, 9.0]
    assert tr.gap.tolist() == [-2.0, 2.0]


# ----------------------------------------------------------------- split alliance


def test_partners_two_points_apart_are_a_split_alliance() -> None:
    a = series([9, 9, 9, 9], instrument=CONJOINT_FORM)
    b = series([9, 8, 7, 6.5], instrument=CONJOINT_FORM, participant=1)
    found = A.split_alliance(table(a, b))
    assert [(f.session_number, f.severity) for f in found] == [(3, "medium"), (4, "high")]
    x = found[-1].numbers
    assert (x["highest"], x["lowest"], x["difference"]) == (9.0, 6.5, 2.5)
    assert (x["highest_participant"], x["lowest_participant"]) == (0.0, 1.0)
    assert found[-1].participant == -1
    assert "2.5 points apart, for 2 sessions in a row" in A.explain(found[-1])


def test_single_client_is_never_split() -> None:
    assert A.split_alliance(table(series([10, 2, 10]))) == []


# ----------------------------------------------------------------------- outcomes


def test_reliable_change_index_known_values() -> None:
    # SD 5, r .84: SE = 2, S_diff = 2.83; 20 -> 12 gives RCI -2.83 (reliable)
    assert math.isclose(A.reliable_change_sdiff(5, 0.84), 2 * math.sqrt(2))
    assert math.isclose(A.reliable_change_index(20, 12, 5, 0.84), -8 / (2 * math.sqrt(2)))
    assert math.isclose(
        A.OutcomeRule(10, 6, sd=5, reliability=0.84).reliable_threshold(), 5.5437, rel_tol=1e-4
    )
    assert A.clinical_cutoff_c(20, 5, 5, 5) == 12.5


def phq(values: list[float], sessions: list[int]) -> list[Row]:
    return [
        (1, 0, "client", "phq-9", "total", s, float(v), False)
        for v, s in zip(values, sessions, strict=True)
    ]


def test_reliable_improvement_and_recovery_on_phq9() -> None:
    found = A.outcomes(table(phq([16, 12, 9], [1, 4, 8])))
    assert kinds(found) == [
        ("caseness", 1),
        ("reliable_improvement", 8),
        ("recovery", 8),
    ]
    assert found[1].numbers["change"] == -7.0
    assert "better by at least 6 points" in A.explain(found[1])


def test_not_on_track_without_reliable_improvement_by_session_6() -> None:
    # the rule for a measure without an expected recovery curve
    found = A.outcomes(table(phq([16, 14, 13], [1, 4, 8])), A.Thresholds(recovery_curves={}))
    assert kinds(found) == [("caseness", 1), ("not_on_track", 8)]
    assert found[-1].severity == "medium"
    assert "no reliable improvement (6 points) by session 6" in A.explain(found[-1])


def test_reliable_deterioration_is_not_on_track_at_once() -> None:
    found = A.outcomes(table(phq([8, 14], [1, 4])))
    assert kinds(found) == [("reliable_deterioration", 4), ("not_on_track", 4)]
    assert found[-1].severity == "high"


def test_outcome_rule_from_sd_and_reliability() -> None:
    t = A.Thresholds(outcomes={"phq-9": A.OutcomeRule(10, 6, sd=5, reliability=0.84)})
    found = A.outcomes(table(phq([16, 10.4], [1, 4])), t)  # 5.6 > 5.54
    assert ("reliable_improvement", 4) in kinds(found)


def test_gad7_uses_its_own_cutoffs() -> None:
    rows = [(1, 0, "client", "gad-7", "total", s, v, False) for s, v in ((1, 9.0), (4, 5.0))]
    found = A.outcomes(table(rows))
    assert kinds(found) == [("caseness", 1), ("reliable_improvement", 4), ("recovery", 4)]


# --------------------------------------------------------------------------- risk


def test_risk_answer_is_a_risk_finding_whatever_the_total() -> None:
    rows = phq([3, 4], [1, 4])
    rows[1] = (*rows[1][:7], True)
    found = A.risks(table(rows))
    assert [(f.kind, f.severity, f.session_number) for f in found] == [("risk", "risk", 4)]
    assert "item 9" in A.explain(found[0])
    assert "no risk" not in A.explain(found[0]).lower()


def test_is_risk_answer_reads_phq9_item_9() -> None:
    assert A.is_risk_answer("phq-9", {"phq9-9": 1})
    assert not A.is_risk_answer("phq-9", {"phq9-9": 0})
    assert not A.is_risk_answer("gad-7", {"gad7-7": 3})


# ---------------------------------------------------------------- whole analysis


def test_analyse_combines_rules_and_latest_only_keeps_current_findings() -> None:
    obs = table(series([10, 10, 10, 10, 6, 6]))
    everything = A.analyse(obs)
    assert {f.kind for f in everything} == {"alliance_drop", "rupture_unrepaired", "low_alliance"}
    current = A.analyse(obs, latest_only=True)
    assert {(f.kind, f.session_number) for f in current} == {
        ("alliance_drop", 6),  # 6 is still far below 10, 10, 10, 10, 6
        ("rupture_unrepaired", 6),
        ("low_alliance", 6),
    }
    assert A.most_severe_first(everything)[0].severity == "high"


def test_duplicate_rows_for_a_session_are_averaged() -> None:
    rows = series([10, 10, 10, 10, 8]) + series([6], first_session=5)
    found = A.alliance_drops(table(rows))
    assert found[0].numbers["today"] == 7.0


def test_empty_table_gives_no_findings() -> None:
    assert A.analyse(table()) == []


# ------------------------------------------------------------------- properties

ratings = st.lists(st.integers(0, 10), min_size=1, max_size=30)


@settings(deadline=None)  # a shared machine; speed is measured in bench/, not here
@given(value=st.integers(0, 10), n=st.integers(1, 40))
def test_constant_history_never_alerts_about_alliance(value: int, n: int) -> None:
    client = series([value] * n)
    therapist = series([value] * n, instrument=THERAPIST_FORM, role="therapist", participant=5)
    # the absolute rules (low alliance, weak early alliance) are switched off: no change, no alert
    off = A.Thresholds(low_alliance_cutoff=0, weak_early_sessions=0)
    found = A.analyse(table(client, therapist), off)
    assert found == []


@settings(deadline=None)
@given(history=ratings, raise_by=st.integers(1, 10))
def test_raising_todays_score_never_creates_a_drop(history: list[int], raise_by: int) -> None:
    before = {f.session_number for f in A.alliance_drops(table(series(history)))}
    higher = history[:-1] + [min(10, history[-1] + raise_by)]
    after = {f.session_number for f in A.alliance_drops(table(series(higher)))}
    assert len(history) not in after - before


def _key(f: A.Finding) -> tuple[object, ...]:
    return (f.kind, f.episode, f.participant, f.scale, f.session_number, sorted(f.numbers.items()))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_and_episode_numbers_do_not_change_results(seed: int) -> None:
    from alliance.synthetic.histories import observations

    obs = observations(6, seed=seed % 1000, sessions=(6, 14))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(obs))
    renumber = rng.permutation(10_000)[:6] * 37 + 5  # new, unordered episode ids
    shuffled = dataclasses.replace(
        obs,
        **{
            f.name: getattr(obs, f.name)[order]
            for f in dataclasses.fields(obs)
            if f.name not in ("instruments", "scales")
        },
    )
    shuffled = dataclasses.replace(shuffled, episode=renumber[shuffled.episode])
    back = {int(new): old for old, new in enumerate(renumber.tolist())}
    expected = sorted(_key(f) for f in A.analyse(obs))
    got = sorted(_key(dataclasses.replace(f, episode=back[f.episode])) for f in A.analyse(shuffled))
    assert got == expected
