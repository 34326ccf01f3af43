"""What every spec shares: the schema it is written against, the view's defaults, and
remembering a built spec by its inputs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

# The Vega-Lite version the vendored vega-lite.min.js and vl-convert both draw.
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"

# A view without a width or height of its own gets these (Vega-Lite's defaults, written out
# so the spec says what is drawn).
VIEW = {"continuousWidth": 300, "continuousHeight": 300}
# The charts sit in cards with borders of their own: no second frame around the plot.
FRAMELESS_VIEW = {**VIEW, "stroke": None}

# Specs already built, by everything they are built from. A spec is a pure function of its
# inputs, so a remembered one can never be out of date: a new rating or alert changes the
# inputs and so the key. About 30 KB each, so a few MB per worker process at most.
REMEMBERED_SPECS = 256


def field(name: str, kind: str | None = None, **options: Any) -> dict[str, Any]:
    """One encoding channel on a data field; `kind` is Vega-Lite's type ("quantitative"…).
    Properties in alphabetical order, as Vega-Lite's own tools write them, so a spec's JSON
    reads (and diffs) the same whoever built it."""
    channel = {"field": name, **options}
    if kind is not None:
        channel["type"] = kind
    return dict(sorted(channel.items()))


def mark(kind: str, **options: Any) -> dict[str, Any]:
    """A mark: its type first, then its properties in alphabetical order."""
    return {"type": kind, **dict(sorted(options.items()))}


def inline(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"values": rows}


def quantitative(name: str, **options: Any) -> dict[str, Any]:
    return field(name, "quantitative", **options)


def nominal(name: str, **options: Any) -> dict[str, Any]:
    return field(name, "nominal", **options)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def remembered(build: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """`build`, remembering its last REMEMBERED_SPECS results. The spec returned is shared:
    read it, copy it before changing it (render.render_svg does)."""
    cached = functools.lru_cache(maxsize=REMEMBERED_SPECS)(
        lambda args, kwargs: build(*args, **dict(kwargs))
    )

    @functools.wraps(build)
    def remember(*args: Any, **kwargs: Any) -> dict[str, Any]:
        key_args = tuple(_hashable(a) for a in args)
        key_kwargs = tuple(sorted((k, _hashable(v)) for k, v in kwargs.items()))
        return cached(key_args, key_kwargs)

    remember.cache_info = cached.cache_info  # type: ignore[attr-defined]
    remember.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return remember
