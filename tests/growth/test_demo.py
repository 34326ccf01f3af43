"""The demo clinic gives every growth page something to show."""

from __future__ import annotations

from django.test import Client as HttpClient

from alliance import demo
from alliance.growth.models import PracticePeriod


def test_demo_growth_pages_show_figures(db):
    people = demo.load_demo()
    tess, sam, rita = HttpClient(), HttpClient(), HttpClient()
    tess.force_login(people["tess"])
    sam.force_login(people["sam"])
    rita.force_login(people["rita"])
    patterns = tess.get("/growth/patterns/").content.decode()
    overall = patterns.split("Client-rated alliance overall")[1].split("</tr>")[1]
    assert "Not shown" not in overall and " to " in overall
    assert "By Age band" in patterns and "By Presenting concern" in patterns
    practice = PracticePeriod.objects.get(therapist=people["tess"])
    detail = tess.get(f"/growth/practice/{practice.pk}/").content.decode()
    assert "Difference (during − before)" in detail and "fewer than 5 clients in one" not in detail
    supervision = sam.get("/growth/supervision/").content.decode()
    assert "Tess Therapist" in supervision and "raised" in supervision
    organization = rita.get("/growth/organization/").content.decode()
    assert "n=" in organization and "DEMO-" not in organization
