"""Who is acting, from where, under which request id: set once per request or command.

Kept in a context variable so that code far from the view (a model method, a background task)
can write a complete audit event without every caller passing the request along.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass
class Reads:
    """The client data a request reached through the access layer, so that a page which reads
    client data is audited by construction (alliance.audit.middleware), not by a call each view
    must remember."""

    objects: dict[str, str] = field(default_factory=dict)  # "label:pk" -> client code
    lists: set[str] = field(default_factory=set)
    view_recorded: bool = False


@dataclass(frozen=True)
class ActingContext:
    request_id: str
    source: str  # web, api, cli, task, link
    ip: str | None = None
    actor: Any = None  # the User, or None for a client acting through a link
    organization: Any = None
    label: str | None = None  # how the trail names the actor, when not by their email
    reads: Reads | None = None  # only for a web request


_current: contextvars.ContextVar[ActingContext | None] = contextvars.ContextVar(
    "alliance_acting_context", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> ActingContext:
    return _current.get() or ActingContext(request_id=new_request_id(), source="cli")


def active() -> ActingContext | None:
    """The context someone set, or None where nothing has (a background job starting)."""
    return _current.get()


def update(**changes: Any) -> None:
    _current.set(replace(current(), **changes))


@contextmanager
def acting(context: ActingContext) -> Iterator[ActingContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def note_read(instance: Any = None, *, listing: str = "", client_code: str = "") -> None:
    """The access layer reached client data: one object, or a scoped list of a kind."""
    reads = current().reads
    if reads is None:
        return
    if listing:
        reads.lists.add(listing)
    if instance is not None:
        reads.objects[f"{instance._meta.label}:{instance.pk}"] = client_code
