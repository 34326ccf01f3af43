"""The organization view: monthly alliance and outcome for admins and researchers, aggregates
only, small months suppressed."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from alliance.audit.models import AuditEvent
from alliance.checkins import services
from alliance.measures.models import current_instrument

from .helpers import _keys, client_with_ratings

# Always a day of the previous calendar month (5 days before this month began): the page shows
# completed months only.
LAST_MONTH = timezone.localdate().day + 5


def last_month_label() -> str:
    return (timezone.localdate() - dt.timedelta(days=LAST_MONTH)).strftime("%Y-%m")


def phq9(episode, total_per_item: int) -> None:
    session = episode.sessions.order_by("number").first()
    client = episode.participants.filter(client__isnull=False).get()
    services.save_response(
        session=session,
        participant=client,
        instrument=current_instrument("phq-9"),
        answers={f"phq9-{i}": str(total_per_item) for i in range(1, 10)},
        idempotency_key=f"o{next(_keys)}",
        channel="link",
    )


def test_monthly_alliance_and_outcome_for_the_researcher_without_names_or_codes(clinic):
    episodes = []
    for i, value in enumerate([6, 7, 8, 9, 10]):
        therapist = clinic.therapist if i % 2 else clinic.colleague
        episodes.append(
            client_with_ratings(
                clinic, f"ORG-{i}", [value], therapist=therapist, own=[value], days_ago=[LAST_MONTH]
            )
        )
    for episode, per_item in zip(episodes, [0, 1, 1, 2, 3], strict=True):
        phq9(episode, per_item)
    page = clinic.login("researcher").get("/growth/organization/").content.decode()
    this_month = last_month_label()
    row = page.split(f'<th scope="row">{this_month}</th>')[1].split("</tr>")[0]
    # Alliance 6..10 → 8.0 (6.0 to 10.0; n=5); gap 0 for everyone → 0.00 (0.00 to 0.00).
    assert "8.0" in row and "6.0 to 10.0; n=5" in row
    assert "0.00" in row
    # PHQ-9 totals 0, 9, 9, 18, 27: mean 12.6; s² = (158.76 + 12.96 + 12.96 + 29.16 + 207.36)/4
    # = 105.3; se = √(105.3/5) = 4.589; half = 2.7764 · 4.589 = 12.741 → −0.1 to 25.3.
    assert "12.6" in row and "-0.1 to 25.3" in row
    # GAD-7 was never answered: suppressed like any small group.
    assert "fewer than 5 clients" in row
    for code in ("ORG-0", "Client ORG", "Alex", "C-0001", "Tess", "Colin"):
        assert code not in page.split("<main")[1], code
    assert AuditEvent.objects.filter(object_type="growth.organization", action="view").count() == 1


def test_a_month_with_four_clients_is_suppressed(clinic):
    for i, value in enumerate([6, 7, 8, 9]):
        client_with_ratings(clinic, f"ORG-{i}", [value], days_ago=[LAST_MONTH])
    page = clinic.login("admin").get("/growth/organization/").content.decode()
    this_month = last_month_label()
    row = page.split(f'<th scope="row">{this_month}</th>')[1].split("</tr>")[0]
    assert "7.5" not in row and "n=4" not in row
    assert row.count("fewer than 5 clients") == 4


def test_months_choice_and_junk(clinic):
    http = clinic.login("admin")
    page = http.get("/growth/organization/?months=24").content.decode()
    assert page.count('<th scope="row">') == 24
    page = http.get("/growth/organization/?months=²").content.decode()
    assert page.count('<th scope="row">') == 12


def test_organization_view_is_for_admins_and_researchers(clinic):
    for who in ("therapist", "supervisor", "outsider"):
        # The outsider is an admin of another organization: they see their own, empty, one.
        expected = 200 if who == "outsider" else 403
        assert clinic.login(who).get("/growth/organization/").status_code == expected, who


def test_outsider_sees_only_their_own_organization(clinic):
    for i, value in enumerate([6, 7, 8, 9, 10]):
        client_with_ratings(clinic, f"ORG-{i}", [value], days_ago=[LAST_MONTH])
    page = clinic.login("outsider").get("/growth/organization/").content.decode()
    assert "8.0" not in page and "n=5" not in page


def test_the_month_still_filling_up_is_not_shown(clinic):
    """Comparing the page before and after one check-in must not reveal that client's score."""
    for i, value in enumerate([6, 7, 8, 9, 10]):
        client_with_ratings(clinic, f"NOW-{i}", [value], days_ago=[0])
    page = clinic.login("researcher").get("/growth/organization/").content.decode()
    assert f'<th scope="row">{timezone.localdate().strftime("%Y-%m")}</th>' not in page
    assert f'<th scope="row">{last_month_label()}</th>' in page
