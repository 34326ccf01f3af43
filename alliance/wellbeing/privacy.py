"""Every lookup of wellbeing checks and journal entries. The rules, in full:

- the author, and only the author, lists, reads, changes and deletes their own;
- a supervisor sees one check or entry only while the author shares it with them, and only while
  they still supervise the author in the organization it was shared in (and are working there);
- nobody else sees anything: not an admin (whatever the organization allows), not a colleague,
  not a researcher. Anything else answers 404, as access.py does for client data.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from alliance.accounts import access
from alliance.accounts.models import Role, Supervision, User
from alliance.care.models import CareEpisode
from alliance.converters import parse_id

from .models import JournalEntry, SelfCheck

Item = TypeVar("Item", SelfCheck, JournalEntry)


def require_member(viewer: access.Viewer) -> None:
    """The pages are for people who see clients or supervise those who do (403 otherwise)."""
    access.require_role(viewer, Role.THERAPIST, Role.SUPERVISOR)


def own_checks(viewer: access.Viewer) -> QuerySet[SelfCheck]:
    return SelfCheck.objects.filter(person=viewer.user)


def own_entries(viewer: access.Viewer) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.filter(author=viewer.user)


def _one(queryset: QuerySet[Any], pk: Any) -> Any:
    number = parse_id(pk)
    found = None if number is None else queryset.filter(pk=number).first()
    if found is None:
        raise Http404("Not found")
    return found


def get_own_check(viewer: access.Viewer, pk: Any) -> SelfCheck:
    check: SelfCheck = _one(own_checks(viewer), pk)
    return check


def get_own_entry(viewer: access.Viewer, pk: Any) -> JournalEntry:
    entry: JournalEntry = _one(own_entries(viewer), pk)
    return entry


def _author_field(model: type[Any]) -> str:
    return "person" if model is SelfCheck else "author"


def shared_with_me(viewer: access.Viewer, model: type[Item]) -> QuerySet[Item]:
    if viewer.organization is None or not viewer.is_supervisor:
        return model.objects.none()
    still_supervising = Supervision.objects.filter(
        organization=OuterRef("shared_in"),
        supervisor=viewer.user,
        therapist=OuterRef(_author_field(model)),
    )
    return model.objects.filter(
        Exists(still_supervising), shared_with=viewer.user, shared_in=viewer.organization
    ).select_related(_author_field(model))


def get_shared(viewer: access.Viewer, model: type[Item], pk: Any) -> Item:
    item: Item = _one(shared_with_me(viewer, model), pk)
    return item


def my_supervisors(viewer: access.Viewer) -> QuerySet[User]:
    """Whom the author may share with: their supervisors in the organization they work in now."""
    if viewer.organization is None:
        return User.objects.none()
    return User.objects.filter(
        supervisees_links__therapist=viewer.user,
        supervisees_links__organization=viewer.organization,
        is_active=True,
    ).distinct()


def linkable_episodes(viewer: access.Viewer) -> QuerySet[Any]:
    """A journal entry may point at one of the author's episodes: those access.py lets them see."""
    return CareEpisode.objects.visible_to(viewer).prefetch_related("participants__client")


def episode_if_visible(viewer: access.Viewer, entry: JournalEntry) -> Any:
    """The entry's episode, shown only while the reader may still see it through access.py."""
    if entry.episode_id is None:
        return None
    return CareEpisode.objects.visible_to(viewer).filter(pk=entry.episode_id).first()
