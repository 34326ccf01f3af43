"""Reading several questionnaires at once gives the same rows as reading them one by one."""

from __future__ import annotations

from typing import Any

from alliance.measures.models import Instrument, current_instrument, current_instruments


def test_current_instruments_are_the_newest_row_of_each_key(db: Any) -> None:
    keys = ["phq-9", "gad-7", "alliance-checkin-client"]
    together = current_instruments(keys + ["no-such-questionnaire"])
    assert set(together) == set(keys)
    for key in keys:
        assert together[key] == current_instrument(key)


def test_current_instruments_load_the_shipped_files_into_an_empty_table(db: Any) -> None:
    Instrument.objects.all().delete()
    assert current_instruments(["phq-9"])["phq-9"].key == "phq-9"
    assert current_instruments([]) == {}
