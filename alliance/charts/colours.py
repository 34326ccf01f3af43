"""The colours every chart shares, so a client is the same blue on every page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Colour-blind-safe pair (Okabe-Ito) for the two views of the same session.
CLIENT_COLOUR = "#0072B2"
THERAPIST_COLOUR = "#D55E00"
OTHER_COLOURS = ["#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
# Severity bands of an outcome measure, mildest first.
BAND_COLOURS = ["#f2f7f2", "#fbf6e6", "#fcefe0", "#fbe5e0", "#f8dcdc"]
ALERT_COLOUR = "#a4161a"
EXPECTED_COLOUR = "#0072B2"
SPREAD_COLOUR = "#009E73"


def colour_scale(series: Sequence[str]) -> dict[str, Any]:
    """A colour scale for the people rating: the client and the therapist always in their own
    colours, everyone else in the order they first appear."""
    names = list(dict.fromkeys(series))
    colours = []
    others = iter(OTHER_COLOURS * 4)
    for name in names:
        if name == "Client":
            colours.append(CLIENT_COLOUR)
        elif name == "Therapist":
            colours.append(THERAPIST_COLOUR)
        else:
            colours.append(next(others))
    return {"domain": names, "range": colours}
