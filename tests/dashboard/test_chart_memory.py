"""Chart specs are remembered by their inputs: reopening an unchanged episode does not rebuild
them, and any change of the data gives a new spec."""

from __future__ import annotations

import json

from alliance import charts


def test_a_spec_is_built_once_for_the_same_data_and_again_for_new_data() -> None:
    points = [charts.Point(n, "Client", 7.0 + n / 10) for n in range(1, 41)]
    markers = [charts.Marker(12, "Goals drop")]
    first = charts.alliance_dimension("Overall", points, markers, spreads=[])
    again = charts.alliance_dimension("Overall", list(points), list(markers), spreads=[])
    assert again is first  # remembered: equal inputs, however they were passed in
    later = charts.alliance_dimension(
        "Overall", [*points, charts.Point(41, "Client", 3.0)], markers, spreads=[]
    )
    assert later is not first
    assert json.dumps(later) != json.dumps(first)  # the new session is in it
    # A new alert is a new marker: a new spec too.
    assert charts.alliance_dimension("Overall", points, [], spreads=[]) is not first
