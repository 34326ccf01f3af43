"""Every kind of chart spec the product draws is valid Vega-Lite.

Altair's validation as objects are built is switched off for speed (alliance/dashboard/charts.py);
this test validates the finished specs against the Vega-Lite JSON schema instead, once each.
"""

from __future__ import annotations

import datetime as dt

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from alliance import charts
from alliance.charts import GoalPoint, goal_lines
from alliance.wellbeing import scoring
from alliance.wellbeing.charts import trend_spec

POINTS = [
    charts.Point(session=n, series=who, value=v)
    for n in range(1, 9)
    for who, v in (("Client", 8 - n % 3), ("Therapist", 7 + n % 2))
]


def _group_median() -> tuple[list[charts.Point], list[charts.Spread]]:
    members = [
        charts.Point(n, who, 10 + n * k) for n in range(1, 5) for k, who in ((1, "A"), (2, "B"))
    ]
    points, spreads = charts.median_with_range(members, ["A", "B"])
    return points, spreads


def _specs() -> dict[str, dict]:
    answers = {item.key: 2 for item in scoring.ITEMS}
    readings = scoring.trend([answers, {**answers, scoring.ITEMS[0].key: 4}])
    when = [dt.datetime(2026, 11, d, tzinfo=dt.UTC) for d in (1, 15)]
    return {
        "alliance": charts.alliance_dimension("Goals", POINTS, [charts.Marker(5, "Goals drop")]),
        "outcome": charts.outcome_scores(
            "PHQ-9",
            [charts.Point(n, "Client", 20 - n) for n in range(1, 9)],
            y_max=27,
            bands=[charts.Band(0, 4, "minimal"), charts.Band(5, 9, "mild")],
            cutoff=10,
            reliable_change=6,
            markers=[charts.Marker(3, "Risk answer")],
            expected=[charts.Expected(n, max(0, 14 - 2 * n), 19 - n) for n in range(1, 11)],
            expected_label="Usual range for clients who started at 18-20",
        ),
        "group": charts.outcome_scores(
            "PHQ-9",
            _group_median()[0],
            spreads=_group_median()[1],
            y_max=27,
            bands=[charts.Band(0, 4, "minimal"), charts.Band(5, 9, "mild")],
            cutoff=10,
            reliable_change=6,
        ),
        "goals": goal_lines([GoalPoint(n, "1. Sleep", n) for n in range(1, 6)], "Progress"),
        "wellbeing": trend_spec(list(zip(when, readings, strict=True))),
    }


@pytest.mark.parametrize("kind", ["alliance", "outcome", "group", "goals", "wellbeing"])
def test_each_kind_of_chart_is_valid_vega_lite(kind: str) -> None:
    validate_jsonschema(_specs()[kind], load_schema())  # raises on an invalid spec


def test_the_validation_catches_an_invalid_spec() -> None:
    spec = {**_specs()["alliance"], "mark": "no-such-mark"}
    with pytest.raises(Exception):  # noqa: B017 - jsonschema's error type
        validate_jsonschema(spec, load_schema())


def test_line_names_ending_at_the_same_value_do_not_overlap():
    from alliance.charts import label_positions

    placed = label_positions({"Client": 8.0, "Therapist": 8.0, "Partner": 3.0}, gap=0.7)
    assert placed["Client"] == 8.0 and placed["Therapist"] == 7.3  # one line of text apart
    assert placed["Partner"] == 3.0  # far enough already: left where its line ends
