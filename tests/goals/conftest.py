"""The browser fixtures live in tests/browser; the goals' browser test sits with its app."""

from tests.browser.conftest import chromium, page, phone_page  # noqa: F401
