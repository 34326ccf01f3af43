"""Client attributes for pattern reviews: defined by the organization's admin, recorded on the
client's record only with the client's consent, audited."""

from __future__ import annotations

from alliance.audit.models import AuditEvent
from alliance.growth.models import AttributeDefinition, ClientAttribute, GrowthSettings


def age_band(clinic, **extra):
    return AttributeDefinition.objects.create(
        organization=clinic.org, name="Age band", options=["18–25", "26–40", "41–65"], **extra
    )


def test_admin_defines_an_attribute(clinic):
    http = clinic.login("admin")
    response = http.post(
        "/growth/settings/",
        {
            "action": "attribute",
            "new-name": " Language ",
            "new-options_text": "English\n\nGerman\nEnglish\n  Polish ",
            "new-active": "on",
        },
    )
    assert response.status_code == 302
    made = AttributeDefinition.objects.get()
    assert made.name == "Language" and made.options == ["English", "German", "Polish"]
    assert AuditEvent.objects.filter(action="create", object_type="growth.AttributeDefinition")
    assert "English, German, Polish" in http.get("/growth/settings/").content.decode()


def test_bad_attribute_definitions_get_messages(clinic):
    age_band(clinic)
    http = clinic.login("admin")
    response = http.post(
        "/growth/settings/",
        {"action": "attribute", "new-name": "age band", "new-options_text": "only one"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "already records an attribute of this name" in page
    assert "List at least two answers, one per line." in page
    response = http.post(
        "/growth/settings/",
        {"action": "attribute", "new-name": "x", "new-options_text": "a\n" + "b" * 81},
    )
    assert "Keep each answer under 80 characters." in response.content.decode()


def test_admin_edits_an_attribute_and_the_days_setting(clinic):
    definition = age_band(clinic)
    http = clinic.login("admin")
    response = http.post(
        f"/growth/settings/attributes/{definition.pk}/",
        {"name": "Age group", "options_text": "under 30\n30 and over"},
    )
    assert response.status_code == 302
    definition.refresh_from_db()
    assert definition.name == "Age group" and not definition.active
    assert AuditEvent.objects.filter(action="update", object_type="growth.AttributeDefinition")
    response = http.post(
        "/growth/settings/", {"action": "days", "days-rupture_discussion_days": "0"}
    )
    assert "Choose a number of days from 1 to 365." in response.content.decode()
    http.post("/growth/settings/", {"action": "days", "days-rupture_discussion_days": "21"})
    assert GrowthSettings.objects.get(organization=clinic.org).rupture_discussion_days == 21


def test_settings_are_for_admins_of_the_organization(clinic):
    definition = age_band(clinic)
    assert clinic.login("therapist").get("/growth/settings/").status_code == 403
    # The outsider is an admin elsewhere: another organization's attribute is not found.
    http = clinic.login("outsider")
    assert http.get(f"/growth/settings/attributes/{definition.pk}/").status_code == 404
    assert "Age band" not in http.get("/growth/settings/").content.decode()


def test_therapist_records_attributes_only_with_consent(clinic):
    definition = age_band(clinic, identity_factor=False)
    url = f"/growth/clients/{clinic.client.pk}/attributes/"
    http = clinic.login("therapist")
    response = http.post(url, {f"attribute_{definition.pk}": "26–40"})
    assert response.status_code == 400
    assert "Record these only with the client&#x27;s agreement" in response.content.decode()
    assert not ClientAttribute.objects.exists()
    response = http.post(url, {f"attribute_{definition.pk}": "26–40", "consent": "on"})
    assert response.status_code == 302
    saved = ClientAttribute.objects.get()
    assert saved.value == "26–40" and saved.recorded_by == clinic.therapist
    event = AuditEvent.objects.get(action="create", object_type="growth.ClientAttribute")
    assert event.client_code == "C-0001"
    # Not the value, not even a fingerprint of it: one of three answers is easy to guess back.
    assert event.after["value"] == "(private)"
    # Saving it unchanged needs no new tick; changing it does.
    assert http.post(url, {f"attribute_{definition.pk}": "26–40"}).status_code == 302
    assert http.post(url, {f"attribute_{definition.pk}": "41–65"}).status_code == 400
    assert ClientAttribute.objects.get().value == "26–40"
    # Setting it back to "Not recorded" removes it, audited; no consent needed for that.
    assert http.post(url, {f"attribute_{definition.pk}": ""}).status_code == 302
    assert not ClientAttribute.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="growth.ClientAttribute")


def test_an_answer_not_on_the_list_is_refused(clinic):
    definition = age_band(clinic)
    response = clinic.login("therapist").post(
        f"/growth/clients/{clinic.client.pk}/attributes/",
        {f"attribute_{definition.pk}": "99", "consent": "on"},
    )
    assert response.status_code == 400
    assert "Choose one of the listed answers." in response.content.decode()


def test_who_sees_and_changes_a_clients_attributes(clinic):
    definition = age_band(clinic)
    ClientAttribute.objects.create(client=clinic.client, definition=definition, value="18–25")
    url = f"/growth/clients/{clinic.client.pk}/attributes/"
    assert clinic.login("therapist").get(url).status_code == 200
    page = clinic.login("supervisor").get(url).content.decode()
    assert "18–25" in page and "<form" not in page.split("<main")[1]
    assert clinic.login("supervisor").post(url, {"consent": "on"}).status_code == 403
    for who in ("colleague", "researcher", "outsider"):
        assert clinic.login(who).get(url).status_code == 404, who
    assert AuditEvent.objects.filter(action="view", object_type="care.Client").exists()


def test_client_page_links_to_the_attributes(clinic):
    page = clinic.login("therapist").get(f"/clients/{clinic.client.pk}/").content.decode()
    assert f"/growth/clients/{clinic.client.pk}/attributes/" in page
