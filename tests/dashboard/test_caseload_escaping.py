"""The caseload rows are built in Python (alliance.dashboard.templatetags.caseload_table): every
value someone typed is escaped there exactly as the template would."""

from __future__ import annotations

from alliance.insights.models import Alert
from tests.conftest import Clinic

EVIL = '<img src=x onerror="alert(1)">'


def test_names_titles_and_reasons_are_escaped(clinic: Clinic) -> None:
    clinic.client.display_name = f"Alex {EVIL}"
    clinic.client.save()
    clinic.episode.title = f"Title {EVIL}"
    clinic.episode.save()
    clinic.therapist.first_name = f"Tess {EVIL}"
    clinic.therapist.save()
    Alert.objects.create(
        organization=clinic.org,
        episode=clinic.episode,
        kind="low_alliance",
        severity="high",
        reason=f"Reason {EVIL}",
        fingerprint="low:test",
    )
    page = clinic.login("therapist").get("/").content.decode()
    assert "Alex &lt;img" in page and "Title &lt;img" in page
    assert "Tess &lt;img" in page and "Reason &lt;img" in page
    assert "<img src=x" not in page
