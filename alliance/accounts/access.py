"""The only way staff code reaches client data: scoped lookups that return 404 for anything the
person may not see, and 403 when they may see but not change it.

Rules (docs/threat-model.md explains why):
- a therapist sees the episodes they take part in, the clients of those episodes and the clients
  they created, and may change them when they are a therapist or co-therapist of the episode;
- a supervisor sees the episodes of the therapists they supervise, read-only;
- an admin sees clinical data read-only, and only where the organization allows it;
- a researcher sees no identifiable data at all.

Each clinical model writes its rule once, as `Model.objects.visible_to(viewer, write=False)` on
its queryset (a `VisibleQuerySet`: care.models for clients, episodes and sessions, insights.models
for alerts). This module is the foundation under them: who is looking (`Viewer`), the one lookup
(`get_for`), the page decorator (`staff_page`), and the rules about people rather than records
(supervisees). It imports no clinical app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Generic, Self, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from alliance.audit import context, trail
from alliance.converters import parse_id

from .models import Organization, Role, Supervision, User

M = TypeVar("M", bound=models.Model)
# The largest id any lookup asks the database for: PostgreSQL's bigint holds 19 digits, and an id
# typed by hand must never turn into a database error (a 500) instead of a 404.
MAX_ID = 999_999_999_999_999_999


@dataclass(frozen=True)
class Viewer:
    """A signed-in person acting within their current organization."""

    user: Any
    organization: Organization | None
    roles: frozenset[str] = field(default_factory=frozenset)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_therapist(self) -> bool:
        return Role.THERAPIST in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_supervisor(self) -> bool:
        return Role.SUPERVISOR in self.roles

    @property
    def sees_clinical_data_as_admin(self) -> bool:
        return self.is_admin and bool(
            self.organization and self.organization.admins_see_clinical_data
        )


class StaffRequest(HttpRequest):
    """A request past CurrentOrganizationMiddleware: it knows who is looking and where."""

    viewer: Viewer
    other_organizations: list[tuple[int, str]]


class VisibleQuerySet(QuerySet[M], Generic[M]):
    """A clinical model's rows as a given person may reach them.

    A subclass writes the model's rule in `visible_to`: with write=False the rows the person may
    see, with write=True the rows they may change (always a subset). `write_refused` is the plain
    sentence a person reads when they may see a row but not change it."""

    write_refused = "You can see this but not change it."

    def visible_to(self, viewer: Viewer, write: bool = False) -> Self:
        raise NotImplementedError

    def for_lookup(self) -> Self:
        """What a page reading one row always needs beside it (related rows fetched at once)."""
        return self

    def writable_by(self, viewer: Viewer, instance: models.Model) -> bool:
        return self.visible_to(viewer, write=True).filter(pk=instance.pk).exists()


def get_for(
    viewer: Viewer,
    model: type[M] | VisibleQuerySet[M],
    pk: Any,
    *,
    write: bool = False,
) -> M:
    """The row with this id if the person may see it: 404 for a bad id and for anything unseen,
    403 (with the model's plain sentence) when write=True and they may only read it. Every page
    that reaches client data through here is audited (audit.middleware)."""
    rows = _visible_rows(model)
    found: M = get_in(rows.for_lookup().visible_to(viewer), pk)
    if write and not rows.writable_by(viewer, found):
        raise PermissionDenied(rows.write_refused)
    return found


def may_change(viewer: Viewer, instance: models.Model) -> bool:
    """Whether the person may change this row they can see (buttons and forms show or hide)."""
    return bool(_visible_rows(type(instance)).writable_by(viewer, instance))


def _visible_rows(model: type[M] | VisibleQuerySet[M]) -> VisibleQuerySet[M]:
    rows = model if isinstance(model, QuerySet) else model._default_manager.all()
    if not isinstance(rows, VisibleQuerySet):
        raise TypeError(f"{rows.model.__name__} has no visible_to rule")
    return rows


def get_in(rows: QuerySet[M], pk: Any) -> M:
    """The row with this id among rows a rule already restricted, or 404 (never a 500 for an odd
    id); the read is noted for the audit trail."""
    number = pk if isinstance(pk, int) and not isinstance(pk, bool) else parse_id(pk)
    if number is None or not 0 < number <= MAX_ID:
        raise Http404("Not found")
    try:
        found = rows.get(pk=number)
    except rows.model.DoesNotExist:
        raise Http404("Not found") from None
    context.note_read(found, client_code=trail.client_code_of(found))
    return found


def require_role(viewer: Viewer, *roles: str) -> None:
    """403 for a signed-in member without the role; pages for roles are not secret."""
    if not any(viewer.has(role) for role in roles):
        raise PermissionDenied("Your role in this organization does not include this page.")


def staff_page(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A staff view: signed in, and (when roles are given) holding one of them. The view receives
    a StaffRequest, so `request.viewer` is who is looking.

    It goes just above the view, under require_POST and re-authentication: LoginRequiredMiddleware
    asks for sign-in before anything, and the role is checked as the view begins, so a wrong
    method is still a 405 and a stale sign-in still asked for the password first."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if roles:
                require_role(request.viewer, *roles)
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorate


# ----------------------------------------------------------------------------- people


def supervisee_ids(viewer: Viewer) -> QuerySet[Any]:
    return Supervision.objects.filter(
        organization=viewer.organization, supervisor=viewer.user
    ).values("therapist_id")


def supervisees(viewer: Viewer) -> QuerySet[User]:
    """The therapists this supervisor supervises in the current organization, by name."""
    if viewer.organization is None or not viewer.is_supervisor:
        return User.objects.none()
    return User.objects.filter(pk__in=supervisee_ids(viewer)).order_by(
        "first_name", "last_name", "email"
    )


def therapists(viewer: Viewer) -> QuerySet[User]:
    """Therapists whose own alliance patterns this person may read: themself, or one of their
    supervisees. Everyone else (colleague, admin, researcher, outsider) is not among them."""
    if viewer.organization is None:
        return User.objects.none()
    allowed = User.objects.none()
    if viewer.is_therapist:
        allowed = User.objects.filter(pk=viewer.user.pk)
    if viewer.is_supervisor:
        allowed = allowed | User.objects.filter(pk__in=supervisee_ids(viewer))
    return allowed.distinct()


def members(viewer: Viewer) -> QuerySet[User]:
    """People who belong to the organization the person is working in."""
    return User.objects.filter(memberships__organization=viewer.organization).distinct()
