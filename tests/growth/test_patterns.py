"""My patterns: the therapist's own alliance data, with intervals, small groups suppressed, and
only ever their own (or a supervisee's, read by their supervisor)."""

from __future__ import annotations

from alliance.audit.models import AuditEvent
from alliance.growth.models import AttributeDefinition, ClientAttribute, SupervisionNote

from .helpers import client_with_ratings


def five_clients(clinic, own=False):
    """Five clients of Tess rating their two sessions 6/6, 7/7, 8/8, 9/9, 10/10; Tess rates
    each session one point above the client when `own`."""
    episodes = []
    for i, value in enumerate([6, 7, 8, 9, 10]):
        episodes.append(
            client_with_ratings(
                clinic,
                f"P-{i}",
                [value, value],
                own=[min(value + 1, 10)] * 2 if own else None,
            )
        )
    return episodes


def test_patterns_show_means_with_intervals(clinic):
    five_clients(clinic)
    page = clinic.login("therapist").get("/growth/patterns/").content.decode()
    # Client means 6, 7, 8, 9, 10 → 8.0, interval 6.04 to 9.96 (tests/growth/test_statistics).
    assert "My patterns" in page
    assert "8.0" in page and "6.0 to 10.0" in page
    # By session: sessions 1 and 2 each have the same five clients.
    assert page.count("6.0 to 10.0") >= 3
    assert "Where alliances were weaker" in page and "Where alliances were stronger" in page


def test_four_clients_are_not_shown_not_even_their_count(clinic):
    for i, value in enumerate([6, 7, 8, 9]):
        client_with_ratings(clinic, f"P-{i}", [value, value, value])
    page = clinic.login("therapist").get("/growth/patterns/").content.decode()
    assert "Not shown: fewer than 5 clients" in page
    assert "7.5" not in page  # the mean of 6, 7, 8, 9
    assert ">4<" not in page and ">12<" not in page  # neither clients nor check-ins


def test_calibration_is_shown_with_its_sign(clinic):
    five_clients(clinic, own=True)
    page = clinic.login("therapist").get("/growth/patterns/").content.decode()
    # Gaps: +1, +1, +1, +1, 0 (the client who said 10 met a therapist capped at 10):
    # mean 0.8, s² = 0.2, se = 0.2, half = 2.7764 · 0.2 = 0.555 → +0.24 to +1.36.
    assert "+0.80" in page and "+0.24 to +1.36" in page


def test_attribute_groups_count_only_consenting_clients(clinic):
    episodes = five_clients(clinic)
    age = AttributeDefinition.objects.create(
        organization=clinic.org, name="Age band", options=["18–25", "26–40"]
    )
    for episode in episodes:
        client = episode.participants.filter(client__isnull=False).get().client
        ClientAttribute.objects.create(client=client, definition=age, value="26–40")
    ClientAttribute.objects.filter(client__code="P-0").update(value="18–25")
    page = clinic.login("therapist").get("/growth/patterns/").content.decode()
    assert "By Age band" in page
    # Both groups are under five clients (1 and 4): neither is shown.
    assert page.count("Not shown: fewer than 5 clients") >= 2


def test_viewing_patterns_is_audited_once(clinic):
    clinic.login("therapist").get("/growth/patterns/")
    events = AuditEvent.objects.filter(object_type="growth.patterns", action="view")
    assert events.count() == 1
    assert events.get().actor == clinic.therapist
    assert events.get().object_id == str(clinic.therapist.pk)


def test_colleagues_episodes_are_not_in_my_patterns(clinic):
    for i, value in enumerate([2, 2, 2, 2, 2]):
        client_with_ratings(clinic, f"Q-{i}", [value, value], therapist=clinic.colleague)
    five_clients(clinic)
    page = clinic.login("therapist").get("/growth/patterns/").content.decode()
    assert "8.0" in page and "Client Q-0" not in page and "2.0" not in page


def test_a_colleague_admin_researcher_or_outsider_cannot_open_someone_elses_patterns(clinic):
    five_clients(clinic)
    url = f"/growth/patterns/{clinic.therapist.pk}/"
    for who in ("colleague", "admin", "researcher", "outsider"):
        assert clinic.login(who).get(url).status_code == 404, who


def test_outsider_gets_404_and_non_therapists_403_on_my_patterns(clinic):
    assert (
        clinic.login("outsider").get(f"/growth/patterns/{clinic.therapist.pk}/").status_code == 404
    )
    assert clinic.login("researcher").get("/growth/patterns/").status_code == 403
    assert clinic.login("anonymous").get("/growth/patterns/").status_code == 302


def test_supervisor_reads_a_supervisees_patterns_but_not_a_colleagues(clinic):
    five_clients(clinic)
    http = clinic.login("supervisor")
    page = http.get(f"/growth/patterns/{clinic.therapist.pk}/").content.decode()
    assert "Alliance patterns of Tess" in page and "8.0" in page
    assert http.get(f"/growth/patterns/{clinic.colleague.pk}/").status_code == 404


def test_therapist_reads_the_supervision_notes_about_them(clinic):
    SupervisionNote.objects.create(
        organization=clinic.org,
        supervisor=clinic.supervisor,
        therapist=clinic.therapist,
        text="Talked about the early sessions.",
    )
    page = clinic.login("therapist").get("/growth/patterns/").content.decode()
    assert "Talked about the early sessions." in page
    assert "Who can see this page:" in page and "Sam" in page


def test_a_small_group_cannot_be_found_by_subtracting_the_shown_ones_from_overall(clinic):
    # Seven clients, all with a recorded age band: five 26–40, two 18–25. Showing the 26–40
    # group beside the overall line would give the two away (7 − 5 clients, 14 − 10 check-ins,
    # and their mean from 7·overall − 5·group), so it is suppressed too.
    episodes = five_clients(clinic)
    episodes += [client_with_ratings(clinic, f"Q-{i}", [2, 2]) for i in range(2)]
    age = AttributeDefinition.objects.create(
        organization=clinic.org, name="Age band", options=["18–25", "26–40"]
    )
    for episode in episodes:
        client = episode.participants.filter(client__isnull=False).get().client
        value = "18–25" if client.code.startswith("Q-") else "26–40"
        ClientAttribute.objects.create(client=client, definition=age, value=value)
    page = clinic.login("therapist").get("/growth/patterns/").content.decode()
    age_table = page[page.index("By Age band") : page.index("</table>", page.index("By Age band"))]
    assert age_table.count("Not shown: fewer than 5 clients") == 2
    assert "8.0" not in age_table  # the 26–40 mean (6, 7, 8, 9, 10)
    assert ">7<" in page and ">14<" in page  # the overall line itself is still shown
