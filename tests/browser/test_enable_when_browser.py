"""A published Questionnaire with enableWhen in real Chromium: the dependent group appears only
after "Yes", and what a switched-off question held is not sent. Screenshots go to
ALLIANCE_SCREENSHOTS when set (desktop 1366×900 and phone 390×844)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from alliance.checkins.models import Response
from tests.checkins.helpers import issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FILE = (
    Path(__file__).parent.parent
    / "measures"
    / "questionnaires"
    / "researchkitonfhir-skip-logic.json"
)
KEY = "cardinalkit-skip-logic-example"
ICE = "q1-f0f95365-96d2-4892-9ccf-2e2c0c74a87c"


def _shot(page: Any, name: str) -> None:
    where = os.environ.get("ALLIANCE_SCREENSHOTS")
    if where:
        page.screenshot(path=str(Path(where) / name), full_page=True)


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)])
def test_dependent_questions_follow_the_answer(chromium, live_server, clinic, size) -> None:
    call_command("instruments", "import", str(FILE), "--unscored")
    _checkin, token = issue(clinic, only=(KEY,))
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(f"{live_server.url}/c/{token}/")
    flavour = page.get_by_text("What is your favorite flavor?")
    assert not flavour.is_visible()
    _shot(page, f"enable-when-off-{size[0]}.png")
    page.locator(f"input[name='{ICE}'][value='1']").check(force=True)
    assert flavour.is_visible()
    page.locator("input[name='q1-59e7a3f7-4108-47a7-8fae-0fb892574a63'][value='2']").check(
        force=True
    )
    _shot(page, f"enable-when-on-{size[0]}.png")
    page.locator(f"input[name='{ICE}'][value='0']").check(force=True)  # changed their mind
    assert not flavour.is_visible()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    stored = Response.objects.get(instrument__key=KEY)
    assert stored.answers == {ICE.removeprefix("q1-"): 0}
    context.close()
