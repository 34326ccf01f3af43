"""A spec drawn as SVG on the server (vl-convert), for print, PDF and browsers without
JavaScript: the same spec the browser draws, so screen and paper agree."""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

import vl_convert

# "container" (the card's width in the browser) has no meaning without a page around it.
PRINT_WIDTH = 560


# How many drawn charts a worker keeps: a few hundred SVGs of a few tens of kB each.
REMEMBERED_SVGS = 256


def render_svg(spec: dict[str, Any]) -> str:
    """The spec as an SVG document. The spec may be a remembered, shared one: it is copied,
    never changed. Drawing costs tens of milliseconds, so each worker remembers the SVG of the
    specs it drew, keyed by the spec's own content: the same data and wording give the same
    picture, and a changed rating, label or language is a different key, so nothing stale (and
    nothing of another organization) can be served."""
    return _svg_of(json.dumps(spec, sort_keys=True, default=str))


@lru_cache(maxsize=REMEMBERED_SVGS)
def _svg_of(spec_json: str) -> str:
    fixed = json.loads(spec_json)
    fixed["width"] = PRINT_WIDTH
    svg: str = vl_convert.vegalite_to_svg(fixed)
    return svg


def svg_data_uri(svg: str) -> str:
    """An SVG as a data: URI, for an <img> that needs no second request."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
