"""Only the author sees their self-checks and journal; one shared item reaches one supervisor;
nothing of it reaches admins, the audit trail, the research export, the API or the operator admin.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib import admin

from alliance.accounts.models import Membership, Role, Supervision
from alliance.api import export
from alliance.audit.models import AuditEvent
from alliance.wellbeing import services
from alliance.wellbeing.models import JournalEntry, SelfCheck, WellbeingSettings
from tests.conftest import Clinic, make_user
from tests.wellbeing.helpers import SECRET, check, entry

OTHERS = ["supervisor", "admin", "colleague", "outsider", "researcher"]


def own_urls(entry_pk: int, check_pk: int) -> list[str]:
    return [
        f"/me/journal/{entry_pk}/",
        f"/me/journal/{entry_pk}/edit/",
        f"/me/journal/{entry_pk}/delete/",
        f"/me/wellbeing/checks/{check_pk}/",
        f"/me/wellbeing/checks/{check_pk}/delete/",
    ]


def shared_urls(entry_pk: int, check_pk: int) -> list[str]:
    return [f"/me/shared/journal/{entry_pk}/", f"/me/shared/checks/{check_pk}/"]


@pytest.mark.parametrize("who", OTHERS)
def test_nobody_but_the_author_reads_changes_or_deletes(clinic: Clinic, who: str) -> None:
    written = entry(clinic.therapist, episode=clinic.episode)
    made = check(clinic.therapist, 4, 4, 4, 4, 4, 4, 4, 0)
    http = clinic.login(who)
    for url in own_urls(written.pk, made.pk) + shared_urls(written.pk, made.pk):
        assert http.get(url).status_code == 404, url
    for url in own_urls(written.pk, made.pk):
        assert http.post(url, {"text": "changed", "topic": "reflection"}).status_code == 404, url
    for url in (f"/me/journal/{written.pk}/share/", f"/me/wellbeing/checks/{made.pk}/share/"):
        response = http.post(url, {"supervisor": str(clinic.supervisor.pk)})
        assert response.status_code == 404, url
    for url in ("/me/journal/", "/me/wellbeing/", "/me/shared/"):
        response = http.get(url)
        assert SECRET not in response.content.decode(), url
    written.refresh_from_db()
    assert written.text == SECRET and not written.is_shared
    assert SelfCheck.objects.filter(pk=made.pk, shared_with=None).exists()


def test_an_admin_allowed_to_read_clinical_data_still_sees_none_of_it(clinic: Clinic) -> None:
    clinic.org.admins_see_clinical_data = True
    clinic.org.save()
    written = entry(clinic.therapist)
    made = check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3)
    http = clinic.login("admin")
    for url in own_urls(written.pk, made.pk) + shared_urls(written.pk, made.pk):
        assert http.get(url).status_code == 404, url


def test_the_outsider_gets_404_on_every_page_with_an_id(clinic: Clinic) -> None:
    written = entry(clinic.therapist)
    made = check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3)
    http = clinic.login("outsider")
    for url in own_urls(written.pk, made.pk) + shared_urls(written.pk, made.pk):
        assert http.get(url).status_code == 404, url
    assert "No entries yet." in http.get("/me/journal/").content.decode()


def test_a_shared_entry_reaches_that_supervisor_only_until_unshared(clinic: Clinic) -> None:
    written = entry(clinic.therapist, episode=clinic.episode)
    other_entry = entry(clinic.therapist, "not shared at all")
    other_supervisor = make_user("sue@northside.test", clinic.org, Role.SUPERVISOR)
    author = clinic.login("therapist")
    page = author.get(f"/me/journal/{written.pk}/").content.decode()
    assert "Share this one" in page and "Sam" in page
    response = author.post(
        f"/me/journal/{written.pk}/share/",
        {"action": "share", "supervisor": str(clinic.supervisor.pk)},
    )
    assert response.status_code == 302
    assert "Shared with Sam" in author.get(response.url).content.decode()

    sam = clinic.login("supervisor")
    listing = sam.get("/me/shared/").content.decode()
    assert f"/me/shared/journal/{written.pk}/" in listing
    assert f"/me/shared/journal/{other_entry.pk}/" not in listing
    shown = sam.get(f"/me/shared/journal/{written.pk}/").content.decode()
    assert SECRET in shown and "shared this one journal entry with you" in shown
    assert sam.get(f"/me/shared/journal/{other_entry.pk}/").status_code == 404
    assert sam.get(f"/me/journal/{written.pk}/").status_code == 404  # not theirs to change
    assert "not shared at all" not in listing

    sue = clinic.login("admin")
    sue.force_login(other_supervisor)
    assert sue.get(f"/me/shared/journal/{written.pk}/").status_code == 404
    assert f"/me/shared/journal/{written.pk}/" not in sue.get("/me/shared/").content.decode()

    author.post(f"/me/journal/{written.pk}/share/", {"action": "unshare"})
    assert sam.get(f"/me/shared/journal/{written.pk}/").status_code == 404
    assert f"/me/shared/journal/{written.pk}/" not in sam.get("/me/shared/").content.decode()


def test_sharing_only_with_ones_own_supervisor(clinic: Clinic) -> None:
    written = entry(clinic.therapist)
    author = clinic.login("therapist")
    for someone in (clinic.colleague, clinic.admin, clinic.outsider):
        response = author.post(
            f"/me/journal/{written.pk}/share/", {"action": "share", "supervisor": str(someone.pk)}
        )
        assert response.status_code == 302
        assert "Choose one of your supervisors." in author.get(response.url).content.decode()
    written.refresh_from_db()
    assert not written.is_shared
    colleague_page = clinic.login("colleague").get("/me/journal/new/").content.decode()
    assert "New journal entry" in colleague_page


def test_a_shared_item_disappears_when_the_supervision_ends(clinic: Clinic) -> None:
    written = entry(clinic.therapist)
    services.share(written, clinic.supervisor, clinic.org)
    sam = clinic.login("supervisor")
    assert sam.get(f"/me/shared/journal/{written.pk}/").status_code == 200
    Supervision.objects.filter(supervisor=clinic.supervisor).delete()
    assert sam.get(f"/me/shared/journal/{written.pk}/").status_code == 404


def test_a_shared_check_shows_that_check_alone(clinic: Clinic) -> None:
    check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3, days_ago=28)
    check(clinic.therapist, 1, 1, 1, 1, 1, 1, 1, 3, days_ago=14)
    made = check(clinic.therapist, 4, 4, 1, 1, 1, 1, 1, 3)
    author = clinic.login("therapist")
    own = author.get(f"/me/wellbeing/checks/{made.pk}/").content.decode()
    assert "My usual" in own and "+3.0" in own
    author.post(
        f"/me/wellbeing/checks/{made.pk}/share/",
        {"action": "share", "supervisor": str(clinic.supervisor.pk)},
    )
    sam = clinic.login("supervisor")
    shown = sam.get(f"/me/shared/checks/{made.pk}/").content.decode()
    assert "Exhaustion" in shown and "4.0" in shown
    # The usual level and the change would describe the checks that were not shared.
    assert "My usual" not in shown and "+3.0" not in shown and "Suggestions" not in shown
    assert sam.get("/me/wellbeing/").status_code == 200
    assert "4.0" not in sam.get("/me/wellbeing/").content.decode()


def test_audit_records_what_happened_never_what_was_written(clinic: Clinic) -> None:
    clinic.org.admins_see_clinical_data = True
    clinic.org.save()
    author = clinic.login("therapist")
    author.post(
        "/me/journal/new/",
        {"written_on": "2026-03-02", "topic": "hard_client", "text": SECRET, "episode": ""},
    )
    written = JournalEntry.objects.get()
    author.get(f"/me/journal/{written.pk}/")
    author.post(
        f"/me/journal/{written.pk}/edit/",
        {"written_on": "2026-03-02", "topic": "countertransference", "text": SECRET + " again"},
    )
    author.post(
        f"/me/journal/{written.pk}/share/",
        {"action": "share", "supervisor": str(clinic.supervisor.pk)},
    )
    clinic.login("supervisor").get(f"/me/shared/journal/{written.pk}/")
    threes = {k: "3" for k in services.scoring.ITEM_KEYS}
    author.post("/me/wellbeing/", {"action": "check", **threes})

    events = AuditEvent.objects.filter(object_type__startswith="wellbeing.")
    actions = sorted({(e.object_type, e.action) for e in events})
    assert ("wellbeing.JournalEntry", "create") in actions
    assert ("wellbeing.JournalEntry", "view") in actions
    assert ("wellbeing.JournalEntry", "update") in actions
    assert ("wellbeing.SelfCheck", "create") in actions
    read_by_sam = events.filter(actor=clinic.supervisor, action="view").get()
    assert "(shared)" in read_by_sam.object_label
    dumped = json.dumps([[e.object_label, e.before, e.after] for e in events])
    for private in ("dread Thursdays", "hard_client", "countertransference", '"drained"'):
        assert private not in dumped, private
    # Issue 14, finding 5: not even that she wrote, read or shared one, nor its field names.
    for query in ("", "?object_type=wellbeing"):
        page = clinic.login("admin").get(f"/audit/{query}").content.decode()
        assert "wellbeing." not in page and "Reflection journal entry" not in page, query
        assert "/me/" not in page and "topic" not in page and "answers" not in page, query
        assert "dread Thursdays" not in page and "hard_client" not in page


def test_the_author_sees_her_own_private_events_on_the_audit_page(clinic: Clinic) -> None:
    Membership.objects.create(user=clinic.therapist, organization=clinic.org, role=Role.ADMIN)
    author = clinic.login("therapist")
    author.post(
        "/me/journal/new/",
        {"written_on": "2026-03-02", "topic": "hard_client", "text": SECRET, "episode": ""},
    )
    assert "wellbeing.JournalEntry" in author.get("/audit/").content.decode()
    assert "wellbeing.JournalEntry" not in clinic.login("admin").get("/audit/").content.decode()


def test_nothing_of_it_in_the_operator_admin_the_export_or_the_api(
    clinic: Clinic, tmp_path: Path
) -> None:
    for model in (JournalEntry, SelfCheck, WellbeingSettings):
        assert model not in admin.site._registry
    entry(clinic.therapist)
    check(clinic.therapist, 4, 4, 4, 4, 4, 4, 4, 0)
    result = export.write(clinic.org, tmp_path, ("csv",))
    for path in result.directory.iterdir():
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "dread Thursdays" not in text and "wellbeing" not in text.lower()
    schema = clinic.login("admin").get("/api/v1/openapi.json")
    if schema.status_code == 200:
        paths = " ".join(schema.json()["paths"])
        assert "journal" not in paths and "wellbeing" not in paths
