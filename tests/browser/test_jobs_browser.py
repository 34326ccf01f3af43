"""The admin's Jobs page in Chromium: a failed job with its error, retried with one click."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.browser.test_foundation_browser import sign_in
from tests.jobs import flaky
from tests.jobs.conftest import queue, work  # noqa: F401 - queue is the fixture

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("queue")]


def shoot(page: Any, name: str) -> None:
    folder = os.environ.get("ALLIANCE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_admin_sees_a_failed_job_and_retries_it(
    clinic: Any, live_server: Any, page: Any, phone_page: Any
) -> None:
    flaky.plan["failures_left"] = 1
    flaky.flaky.enqueue(4, organization_id=clinic.org.pk, attempt=3)  # the last attempt
    flaky.flaky.enqueue(5, organization_id=clinic.org.pk)
    work()

    page.set_viewport_size({"width": 1366, "height": 900})
    for browser_page, size in ((page, "1366"), (phone_page, "390")):
        sign_in(browser_page, live_server.url, "ada@northside.test")
        # Wait until the sign-in has landed before opening the page.
        browser_page.wait_for_url(lambda url: "/accounts/login/" not in url)
        browser_page.goto(f"{live_server.url}/org/jobs/")
        shoot(browser_page, f"jobs-{size}")
    failed_row = page.get_by_role("row").filter(has_text="the mail server is down")
    assert failed_row.count() == 1
    assert "flaky" in failed_row.inner_text()

    failed_row.get_by_role("button", name="Retry now").click()
    from playwright.sync_api import expect

    expect(page.get_by_text("The job is queued again.")).to_be_visible()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
    work()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 2
