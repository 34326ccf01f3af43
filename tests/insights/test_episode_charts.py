"""Charts of couples, families and groups: one labelled line per person, never one zig-zag line
across people; a group can be shown as its median with the range of its members."""

from __future__ import annotations

import itertools
from typing import Any

from alliance import charts
from alliance.accounts.models import Organization, User
from alliance.care.models import Client, EpisodeFormat
from alliance.checkins import services
from alliance.insights.panels import chart_panels
from alliance.measures.models import current_instrument
from tests.conftest import Clinic, make_episode, make_session

_keys = itertools.count()


def _answer_phq9(episode: Any, number: int, participant: Any, total: int) -> None:
    session = episode.sessions.filter(number=number).first() or make_session(episode, number)
    # Items 1..9 sum to `total`: as many 3s as fit, the rest in one item, item 9 at 0.
    answers, left = {}, total
    for i in range(1, 9):
        answers[f"phq9-{i}"] = str(min(3, left))
        left -= min(3, left)
    answers["phq9-9"] = "0"
    services.save_response(
        session=session,
        participant=participant,
        instrument=current_instrument("phq-9"),
        answers=answers,
        idempotency_key=f"chart{next(_keys)}",
        channel="link",
    )


def _episode_with(
    org: Organization, therapist: User, names: list[str], fmt: str
) -> tuple[Any, list[Any]]:
    clients = [
        Client.objects.create(organization=org, code=f"G-{n}", display_name=n, created_by=therapist)
        for n in names
    ]
    episode = make_episode(org, therapist, clients, fmt)
    people = [episode.participants.get(client=c) for c in clients]
    return episode, people


def _lines(spec: dict) -> dict[str, list[tuple[int, float]]]:
    """Every drawn line of a spec: who → [(session, value)], from the line layer's data."""
    found: dict[str, list[tuple[int, float]]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            mark = node.get("mark")
            if (mark == "line" or (isinstance(mark, dict) and mark.get("type") == "line")) and (
                "values" in node.get("data", {})
            ):
                for row in node["data"]["values"]:
                    if "who" in row:  # a person's line (other lines are reference curves)
                        found.setdefault(row["who"], []).append((row["session"], row["value"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def _texts(spec: dict) -> set[str]:
    """Every text written inside a chart (a layer may take its data from the layer around it)."""
    found: set[str] = set()

    def walk(node: Any, inherited: list) -> None:
        if isinstance(node, dict):
            values = node.get("data", {}).get("values", inherited)
            mark = node.get("mark")
            if mark == "text" or (isinstance(mark, dict) and mark.get("type") == "text"):
                field = node.get("encoding", {}).get("text", {}).get("field")
                if field:
                    found.update(str(row[field]) for row in values if field in row)
            for value in node.values():
                walk(value, values)
        elif isinstance(node, list):
            for value in node:
                walk(value, inherited)

    walk(spec, [])
    return found


def test_a_couples_phq9_is_one_labelled_line_per_partner(clinic: Clinic) -> None:
    episode, (ana, ben) = _episode_with(
        clinic.org, clinic.therapist, ["Ana", "Ben"], EpisodeFormat.COUPLE
    )
    for number, (a, b) in enumerate([(18, 4), (15, 6), (12, 5)], start=1):
        _answer_phq9(episode, number, ana, a)
        _answer_phq9(episode, number, ben, b)

    panel = next(p for p in chart_panels(episode) if p.name == "phq-9")
    lines = _lines(panel.spec)
    assert lines == {"Ana": [(1, 18), (2, 15), (3, 12)], "Ben": [(1, 4), (2, 6), (3, 5)]}
    assert {"Ana", "Ben"} <= _texts(panel.spec)  # each line named beside its last point
    assert panel.tab == "outcomes"


def test_the_outcome_chart_labels_bands_caseness_and_reliable_change(clinic: Clinic) -> None:
    participant = clinic.episode.participants.get(client=clinic.client)
    for number, total in enumerate([16, 12, 8], start=1):
        _answer_phq9(clinic.episode, number, participant, total)
    panel = next(p for p in chart_panels(clinic.episode) if p.name == "phq-9")
    texts = _texts(panel.spec)
    assert {"minimal", "mild", "moderate", "moderately severe", "severe"} <= {
        t.lower() for t in texts
    }
    assert "Caseness cut-off (10)" in texts
    assert "No reliable change (±6)" in texts


def test_a_group_switches_between_each_member_and_median_with_range(clinic: Clinic) -> None:
    episode, members = _episode_with(
        clinic.org, clinic.therapist, ["Cy", "Di", "Ed"], EpisodeFormat.GROUP
    )
    for number, scores in enumerate([(20, 10, 6), (14, 8, 9)], start=1):
        for member, total in zip(members, scores, strict=True):
            _answer_phq9(episode, number, member, total)

    each = next(p for p in chart_panels(episode) if p.name == "phq-9")
    assert set(_lines(each.spec)) == {"Cy", "Di", "Ed"}

    median = next(p for p in chart_panels(episode, view="median") if p.name == "phq-9")
    assert _lines(median.spec) == {charts.MEDIAN_SERIES: [(1, 10), (2, 9)]}
    spread_rows = [
        layer["data"]["values"]
        for layer in median.spec["layer"]
        if layer.get("mark", {}).get("type") == "area"
        and layer["data"]["values"]
        and layer["data"]["values"][0].get("label") == "Range of members"
    ]
    assert spread_rows and [(r["low"], r["high"]) for r in spread_rows[0]] == [(6, 20), (8, 14)]
