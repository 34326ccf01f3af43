"""An alert whose numbers include an open-ended band (infinite upper edge) is stored and read
back on every database; PostgreSQL refuses JSON's unofficial Infinity token."""

from __future__ import annotations

import math

from alliance.insights.models import Alert
from tests.conftest import Clinic


def test_infinite_band_edges_are_stored_and_read_back(clinic: Clinic) -> None:
    numbers = {"band_low": 20.0, "band_high": math.inf, "low": -math.inf, "gap": math.nan}
    facts = [{"kind": "not_on_track", "numbers": {"band_high": math.inf, "n": [1.0, math.inf]}}]
    alert = Alert.objects.create(
        organization=clinic.org,
        episode=clinic.episode,
        kind="not_on_track",
        severity="medium",
        reason="PHQ-9 above the usual range",
        fingerprint="inf:1",
        numbers=numbers,
        facts=facts,
    )
    stored = Alert.objects.get(pk=alert.pk)
    assert stored.numbers["band_high"] == math.inf and stored.numbers["low"] == -math.inf
    assert math.isnan(stored.numbers["gap"]) and stored.numbers["band_low"] == 20.0
    assert stored.facts[0]["numbers"]["band_high"] == math.inf
    assert stored.facts[0]["numbers"]["n"] == [1.0, math.inf]
    assert stored.facts[0]["kind"] == "not_on_track"
