"""Audit by construction: saving or deleting a clinical object records it, whoever does it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.audit import trail
from alliance.audit.models import Action, AuditEvent
from alliance.care.forms import ClientForm
from alliance.care.models import Client
from tests.conftest import Clinic

ALLIANCE = Path(__file__).resolve().parents[2] / "alliance"


def events_about(instance: object) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=instance._meta.label,  # type: ignore[attr-defined]
            object_id=str(instance.pk),  # type: ignore[attr-defined]
        ).order_by("pk")
    )


def rename(client: Client, name: str) -> None:
    """Code far from any view, with no audit call of its own."""
    client.display_name = name
    client.save()


def test_a_plain_save_records_create_change_and_delete(clinic: Clinic) -> None:
    client = Client.objects.create(organization=clinic.org, code="C-0777", display_name="Ana")
    rename(Client.objects.get(pk=client.pk), "Anabel")
    pk = client.pk
    Client.objects.get(pk=pk).delete()
    created, changed, deleted = AuditEvent.objects.filter(
        object_type="care.Client", object_id=str(pk)
    ).order_by("pk")
    assert created.action == Action.CREATE and created.after["display_name"] == "Ana"
    assert created.before is None and created.client_code == "C-0777"
    assert changed.action == Action.UPDATE
    assert changed.changed_fields[0][0] == "display_name"
    assert (changed.before["display_name"], changed.after["display_name"]) == ("Ana", "Anabel")
    assert deleted.action == Action.DELETE and deleted.after is None
    assert deleted.before["display_name"] == "Anabel"
    assert deleted.organization == clinic.org


def test_a_save_that_changes_nothing_records_nothing(clinic: Clinic) -> None:
    before = AuditEvent.objects.count()
    Client.objects.get(pk=clinic.client.pk).save(update_fields=["display_name"])
    assert AuditEvent.objects.count() == before


def test_the_before_snapshot_is_what_was_loaded_without_another_query(clinic: Clinic) -> None:
    client = Client.objects.get(pk=clinic.client.pk)
    # A model form writes the new values onto its instance while it validates.
    form = ClientForm(
        {"code": client.code, "display_name": "Alexa"}, instance=client, organization=clinic.org
    )
    assert form.is_valid()
    with CaptureQueriesContext(connection) as queries:
        form.save()
    writes = [q["sql"] for q in queries.captured_queries if "SELECT" not in q["sql"][:10]]
    assert len(writes) == 2  # the UPDATE and the audit event's INSERT
    (event,) = events_about(client)[-1:]
    assert event.before["display_name"] != "Alexa" and event.after["display_name"] == "Alexa"


def test_a_named_action_is_recorded_once_instead_of_the_plain_change(clinic: Clinic) -> None:
    client = Client.objects.get(pk=clinic.client.pk)
    with trail.action(Action.SEND, after={"channel": "email"}):
        rename(client, "Alexa")
    event = events_about(client)[-1]
    assert event.action == Action.SEND and event.after["channel"] == "email"
    assert event.before["display_name"] != "Alexa" and event.after["display_name"] == "Alexa"
    assert not AuditEvent.objects.filter(
        object_type="care.Client", object_id=str(client.pk), action=Action.UPDATE
    ).exists()


def test_held_events_are_labelled_when_the_block_ends(clinic: Clinic) -> None:
    from tests.conftest import make_episode

    other = Client.objects.create(organization=clinic.org, code="C-0778", display_name="Bo")
    episode = make_episode(clinic.org, clinic.therapist, [other])
    (created,) = AuditEvent.objects.filter(
        object_type="care.CareEpisode", object_id=str(episode.pk), action=Action.CREATE
    )
    assert created.client_code == "C-0778" and "Bo" in created.object_label


def test_private_fields_stay_masked(clinic: Clinic) -> None:
    client = Client.objects.get(pk=clinic.client.pk)
    client.audit_private_fields = ("display_name",)  # type: ignore[attr-defined]
    client.audit_content_fields = ("email",)  # type: ignore[attr-defined]
    client.display_name, client.email = "Secret", "secret@example.org"
    client.save()
    event = events_about(client)[-1]
    assert event.after["display_name"] == trail.PRIVATE
    assert event.after["email"].startswith("(content ")
    assert "secret" not in str(event.before) + str(event.after).lower()


VIEW_MODULES = [
    path
    for path in ALLIANCE.rglob("*.py")
    if path.name == "views.py"
    or path.name.endswith("_views.py")
    or path.relative_to(ALLIANCE).as_posix() in {"api/rest.py", "api/fhir.py", "api/views.py"}
]


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(ALLIANCE)))
def test_no_view_module_writes_the_audit_trail_itself(path: Path) -> None:
    """Views rely on the audited models and their app's services; the audit app's own pages
    only read the trail."""
    if path.relative_to(ALLIANCE).parts[0] == "audit":
        return
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    assert not {"alliance.audit.trail", "alliance.audit.audited"} & imported


def test_view_modules_are_found() -> None:
    assert len(VIEW_MODULES) > 15


def test_a_client_choosing_their_language_is_recorded_once(clinic: Clinic) -> None:
    """The client's own choice on a check-in page: one change of the client, never two."""
    from alliance.checkins import client_language
    from tests.checkins.helpers import issue

    checkin, _token = issue(clinic)
    assert client_language.remember(checkin, "es")
    (event,) = AuditEvent.objects.filter(
        object_type="care.Client", object_id=str(clinic.client.pk), action=Action.UPDATE
    )
    assert (event.before["language"], event.after["language"]) == ("", "es")
