"""The research export page in Chromium: the export is started, its progress shown while the
worker prepares it (htmx polling; a plain refresh without JavaScript), and the finished ZIP
downloaded by the researcher who asked."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from alliance.api.models import ExportState, ResearchExport
from tests.api.test_export import answer_sessions
from tests.browser.test_foundation_browser import sign_in
from tests.browser.test_jobs_browser import shoot
from tests.jobs.conftest import queue, work  # noqa: F401 - queue is the fixture

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("queue")]


def open_export_page(browser_page: Any, base: str) -> None:
    sign_in(browser_page, base, "rita@northside.test")
    browser_page.wait_for_url(lambda url: "/accounts/login/" not in url)
    browser_page.goto(f"{base}/org/research-export/")


def test_researcher_watches_the_export_finish_and_downloads_it(
    clinic: Any, live_server: Any, page: Any, phone_page: Any
) -> None:
    answer_sessions(clinic, 2)
    page.set_viewport_size({"width": 1366, "height": 900})
    open_export_page(page, live_server.url)
    page.get_by_role("button", name="Start export").click()
    expect(page.get_by_text("Export started.")).to_be_visible()
    expect(page.get_by_text("Waiting for the background worker")).to_be_visible()
    shoot(page, "research-export-waiting-1366")

    open_export_page(phone_page, live_server.url)
    shoot(phone_page, "research-export-waiting-390")

    work()  # the worker builds it; the page notices by itself (htmx polls every 2 s)
    ready = page.get_by_role("link", name="Download")
    expect(ready).to_be_visible(timeout=10_000)
    assert page.get_by_text("Export started.").count() == 1  # the page was not reloaded
    shoot(page, "research-export-ready-1366")
    expect(phone_page.get_by_role("link", name="Download")).to_be_visible(timeout=10_000)
    shoot(phone_page, "research-export-ready-390")

    with page.expect_download() as event:
        ready.click()
    download = event.value
    content = Path(download.path()).read_bytes()
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert any(n.endswith("responses.csv") for n in names)
    assert download.suggested_filename == ResearchExport.objects.get().file_name
    assert "2 rows" in page.locator("#research-exports").inner_text()


def test_without_javascript_the_page_refreshes_itself_until_it_is_ready(
    clinic: Any, live_server: Any, chromium: Any
) -> None:
    answer_sessions(clinic, 1)
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    no_js = context.new_page()
    try:
        open_export_page(no_js, live_server.url)
        no_js.get_by_role("button", name="Start export").click()
        expect(no_js.get_by_text("Waiting for the background worker")).to_be_visible()
        work()
        assert ResearchExport.objects.get().state == ExportState.READY
        expect(no_js.get_by_role("link", name="Download")).to_be_visible(timeout=12_000)
    finally:
        context.close()
