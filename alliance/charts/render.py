"""A spec drawn as SVG on the server (vl-convert), for print, PDF and browsers without
JavaScript: the same spec the browser draws, so screen and paper agree."""

from __future__ import annotations

import base64
from typing import Any

import vl_convert

# "container" (the card's width in the browser) has no meaning without a page around it.
PRINT_WIDTH = 560


def render_svg(spec: dict[str, Any]) -> str:
    """The spec as an SVG document. The spec may be a remembered, shared one: it is copied,
    never changed."""
    fixed = dict(spec)
    fixed["width"] = PRINT_WIDTH
    svg: str = vl_convert.vegalite_to_svg(fixed)
    return svg


def svg_data_uri(svg: str) -> str:
    """An SVG as a data: URI, for an <img> that needs no second request."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
