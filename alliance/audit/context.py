"""Who is acting, from where, under which request id: set once per request or command.

Kept in a context variable so that code far from the view (a model method, a background task)
can write a complete audit event without every caller passing the request along.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class ActingContext:
    request_id: str
    source: str  # web, api, cli, task, link
    ip: str | None = None
    actor: Any = None  # the User, or None for a client acting through a link
    organization: Any = None
    label: str | None = None  # how the trail names the actor, when not by their email


_current: contextvars.ContextVar[ActingContext | None] = contextvars.ContextVar(
    "alliance_acting_context", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> ActingContext:
    return _current.get() or ActingContext(request_id=new_request_id(), source="cli")


def update(**changes: Any) -> None:
    _current.set(replace(current(), **changes))


@contextmanager
def acting(context: ActingContext) -> Iterator[ActingContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
