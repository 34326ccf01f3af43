"""The one lookup of the access layer, asked directly: what a page gets for each kind of id."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from alliance.accounts import access
from alliance.accounts.models import Role, Supervision
from alliance.care.models import CareEpisode, Client, Session
from alliance.insights.models import Alert
from tests.conftest import Clinic


def viewer(c: Clinic, who: str, *roles: str) -> access.Viewer:
    org = c.other_org if who == "outsider" else c.org
    return access.Viewer(getattr(c, who), org, frozenset(roles))


@pytest.mark.parametrize("odd", [None, "", "x", "1.5", "-1", "0", "²", "9" * 19, True])
def test_an_odd_id_is_not_found_never_an_error(clinic: Clinic, odd: object) -> None:
    with pytest.raises(Http404):
        access.get_for(viewer(clinic, "therapist", Role.THERAPIST), Client, odd)


def test_the_id_may_come_as_text_or_number(clinic: Clinic) -> None:
    tess = viewer(clinic, "therapist", Role.THERAPIST)
    assert access.get_for(tess, Client, str(clinic.client.pk)) == clinic.client
    assert access.get_for(tess, CareEpisode, clinic.episode.pk, write=True) == clinic.episode


@pytest.mark.parametrize("model", [Client, CareEpisode, Session])
def test_what_someone_may_not_see_is_not_found(clinic: Clinic, model: type) -> None:
    row = {Client: clinic.client, CareEpisode: clinic.episode, Session: clinic.session}[model]
    for who in (
        viewer(clinic, "colleague", Role.THERAPIST),
        viewer(clinic, "researcher", Role.RESEARCHER),
        viewer(clinic, "admin", Role.ADMIN),  # the clinic keeps admins away from clinical data
        viewer(clinic, "outsider", Role.THERAPIST, Role.ADMIN),
    ):
        with pytest.raises(Http404):
            access.get_for(who, model, row.pk)


@pytest.mark.parametrize(
    ("model", "sentence"),
    [
        (Client, "You can see this client but not change their record."),
        (CareEpisode, "You can see this episode but not change it."),
        (Session, "You can see this session but not change it."),
    ],
)
def test_read_only_is_a_refusal_in_the_models_own_words(
    clinic: Clinic, model: type, sentence: str
) -> None:
    row = {Client: clinic.client, CareEpisode: clinic.episode, Session: clinic.session}[model]
    sam = viewer(clinic, "supervisor", Role.SUPERVISOR)  # supervises Tess
    assert access.get_for(sam, model, row.pk) == row
    assert not access.may_change(sam, row)
    with pytest.raises(PermissionDenied, match=sentence):
        access.get_for(sam, model, row.pk, write=True)


def test_write_rows_are_a_subset_of_read_rows(clinic: Clinic) -> None:
    for who in (
        viewer(clinic, "therapist", Role.THERAPIST),
        viewer(clinic, "supervisor", Role.SUPERVISOR),
        viewer(clinic, "admin", Role.ADMIN),
    ):
        for model in (Client, CareEpisode, Session, Alert):
            seen = set(model.objects.visible_to(who).values_list("pk", flat=True))
            changed = set(model.objects.visible_to(who, write=True).values_list("pk", flat=True))
            assert changed <= seen, (who.user, model)


def test_a_model_without_a_rule_cannot_be_looked_up(clinic: Clinic) -> None:
    with pytest.raises(TypeError):
        access.get_for(viewer(clinic, "therapist", Role.THERAPIST), Supervision, 1)
