"""Weak early alliance: below what the clinic's clients usually rate at that early session,
session after session (docs/alert-rules.md, "Weak early alliance")."""

from __future__ import annotations

import dataclasses
import itertools
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from alliance.care.models import EpisodeStatus
from alliance.checkins import services
from alliance.insights import analysis as A
from alliance.insights import recovery
from alliance.insights import services as insight_services
from alliance.insights.curves import (
    NotEnoughEpisodes,
    TypicalAlliance,
    default_curves,
    default_typical_alliance,
    fit_typical_alliance,
)
from alliance.insights.models import Alert, RecoveryCurveFit
from alliance.insights.prompts import prompts_for
from alliance.insights.prompts_seed import SEED_PROMPTS
from alliance.measures.models import current_instrument
from tests.conftest import Clinic, make_episode, make_session

CLIENT_FORM = "alliance-checkin-client"

# 25th percentile 8, 8.5, 9 at sessions 1, 2, 3 (then 9); median one point higher
NORM = TypicalAlliance(
    sessions=(1, 2, 3),
    quantiles=(0.25, 0.5),
    level=((8.0, 9.0), (8.5, 9.5), (9.0, 10.0)),
    source="clinic",
    episodes=400,
)
T = A.Thresholds(typical_alliance=NORM)


def ratings(values: list[float], *, first_session: int = 1, role: str = "client") -> A.Observations:
    form = CLIENT_FORM if role == "client" else "alliance-checkin-therapist"
    return A.Observations.from_rows(
        [(1, 7, role, form, "alliance", first_session + i, v) for i, v in enumerate(values)]
    )


def weak(values: list[float], t: A.Thresholds = T, **kw: object) -> list[int]:
    return [f.session_number for f in A.weak_early_alliance(ratings(values, **kw), t)]  # type: ignore[arg-type]


# --------------------------------------------------------------------------- pure


def test_below_typical_two_sessions_in_a_row_is_a_weak_early_alliance() -> None:
    assert weak([7.5, 8.0, 8.5]) == [2, 3]
    f = A.weak_early_alliance(ratings([7.5, 8.0]), T)[0]
    assert f.severity == "medium" and f.numbers["typical_level"] == 8.5
    assert f.numbers["typical_median"] == 9.5 and f.numbers["sessions_below"] == 2
    assert A.explain(f) == (
        "Alliance (mean of the items) 8 at session 2; 75% of this clinic's clients rate 8.5 or "
        "more by then (half rate 9.5 or more). Below that in each of the client's 2 sessions so "
        "far: a weak early alliance goes with less change and more dropout, and is worth "
        "talking about now."
    )


def test_no_finding_at_or_above_the_typical_level() -> None:
    assert weak([8.0, 8.5, 9.0, 9.0, 9.0]) == []  # exactly at the 25th percentile
    assert weak([9.0, 10.0, 9.5]) == []
    assert weak([7.9, 8.49, 8.99]) == [2, 3]  # just under it


def test_one_low_session_is_not_a_pattern() -> None:
    assert weak([7.5, 9.0, 8.5, 9.5]) == []
    assert weak([7.5], A.Thresholds(typical_alliance=NORM, weak_early_run=1)) == [1]


def test_only_the_first_sessions_count_and_they_are_the_clients_own() -> None:
    assert weak([9, 9, 9, 9, 9, 8, 8, 8]) == []  # after session 5: a drop or low alliance
    # a client who joins a group at session 10 is early in their own therapy
    assert weak([7.5, 8.0], first_session=10) == [11]


def test_below_the_absolute_cutoff_is_left_to_low_alliance() -> None:
    found = A.analyse(ratings([6.0, 6.5, 7.5]), T)
    assert [(f.kind, f.session_number) for f in found if "alliance" in f.kind] == [
        ("low_alliance", 1),
        ("low_alliance", 2),
        ("weak_early_alliance", 3),
    ]


def test_therapist_ratings_are_not_judged() -> None:
    assert weak([5.0, 5.0, 5.0], role="therapist") == []


def test_default_is_labelled_and_rises_over_the_first_sessions() -> None:
    norm = default_typical_alliance()
    assert norm.source == "default" and norm.episodes == 0
    low = norm.levels(np.arange(1, 7), 0.25)
    assert list(low) == sorted(low) and low[0] < low[-1] <= 9.0
    f = A.weak_early_alliance(ratings([7.5, 7.5]))[0]
    assert "% of clients rate" in A.explain(f)  # not "this clinic's" before a fit


def test_fit_known_quantiles_and_refusal() -> None:
    # 300 clients: at session 1 they rate 0..9.97 evenly, at session 2 one point more
    series = [[(1, i / 30), (2, i / 30 + 1)] for i in range(300)]
    norm = fit_typical_alliance(series, last_session=3, quantiles=(0.25, 0.5), min_per_cell=30)
    assert norm.level[0] == pytest.approx((2.4917, 4.9833), abs=1e-3)
    assert norm.level[1] == pytest.approx((3.4917, 5.9833), abs=1e-3)
    assert norm.level[2] == norm.level[1]  # nobody rated session 3: borrowed
    assert norm.diagnostics["borrowed_cells"] == pytest.approx(1 / 3)
    assert TypicalAlliance.from_dict(norm.to_dict()) == norm
    with pytest.raises(NotEnoughEpisodes, match="299 clients"):
        fit_typical_alliance(series[:299])


# ----------------------------------------------------------------- the clinic's own

_keys = itertools.count()


def rate(episode: object, participant: object, number: int, value: int) -> None:
    services.save_response(
        session=episode.sessions.filter(number=number).first()  # type: ignore[attr-defined]
        or make_session(episode, number),  # type: ignore[arg-type]
        participant=participant,
        instrument=current_instrument(CLIENT_FORM),
        answers={k: str(value) for k in ("bond", "goals", "tasks", "overall")},
        idempotency_key=f"weak{next(_keys)}",
        channel="link",
    )


@pytest.mark.django_db
def test_alert_with_prompts_and_the_clinics_own_typical_level(clinic: Clinic) -> None:
    client = clinic.episode.participants.get(client__isnull=False)
    for number in (1, 2, 3):
        rate(clinic.episode, client, number, 8)
    insight_services.recompute_episode(clinic.episode)
    alert = Alert.objects.get(episode=clinic.episode, kind="weak_early_alliance")
    assert alert.get_kind_display() == "Weak early alliance"
    assert alert.latest_session_number == 3 and alert.severity == "medium"
    assert "8 on" in alert.reason or "8 today" in alert.reason
    assert "75% of clients rate 8.5 or more by then" in alert.reason_today
    assert prompts_for(clinic.org, "weak_early_alliance") == SEED_PROMPTS["weak_early_alliance"]

    # the clinic's own history: everybody else rates 6 at first, so an 8 is not weak there
    for _ in range(12):
        episode = make_episode(clinic.org, clinic.therapist, [clinic.client])
        other = episode.participants.get(client__isnull=False)
        for number in (1, 2, 3):
            rate(episode, other, number, 6)
        episode.status = EpisodeStatus.CLOSED
        episode.save(update_fields=["status"])
    out = StringIO()
    call_command(
        "insights", "fit-curves", "--min-episodes", "12", "--min-per-cell", "1", stdout=out
    )
    assert "northside: typical early alliance fitted" in out.getvalue()
    typical = insight_services.thresholds_for(clinic.org).typical_alliance
    assert typical.source == "clinic" and typical.episodes == 12
    assert typical.levels(np.array([1]), 0.25)[0] == 6.0
    assert recovery.latest_curves(clinic.org) == {}  # no PHQ-9 history: default curves stay
    assert insight_services.thresholds_for(clinic.other_org).typical_alliance.source == "default"
    found = A.weak_early_alliance(ratings([8, 8, 8]), insight_services.thresholds_for(clinic.org))
    assert found == []


@pytest.mark.django_db
def test_each_measure_and_the_alliance_come_from_the_newest_fit_that_has_them(
    clinic: Clinic,
) -> None:
    phq = dataclasses.replace(default_curves()["phq-9"], source="clinic", episodes=300)
    RecoveryCurveFit.objects.create(
        organization=clinic.org, version=1, episodes=300, curves={"phq-9": phq.to_dict()}
    )
    clinic_norm = dataclasses.replace(NORM, episodes=320)
    RecoveryCurveFit.objects.create(
        organization=clinic.org,
        version=2,
        episodes=320,
        curves={recovery.ALLIANCE: clinic_norm.to_dict()},
    )
    t = insight_services.thresholds_for(clinic.org)
    assert t.recovery_curves["phq-9"] == phq  # version 1 still holds the PHQ-9 curve
    assert t.recovery_curves["gad-7"].source == "default"
    assert t.typical_alliance == clinic_norm
