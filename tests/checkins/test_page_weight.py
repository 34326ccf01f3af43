"""The client page stays under 100 KB, loads nothing from elsewhere and needs no JavaScript."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client as HttpClient

from .helpers import issue


def test_client_page_is_small_self_contained_and_script_free(clinic):
    _checkin, token = issue(clinic, only=None)  # the heaviest case: PHQ-9, GAD-7 and check-in
    html = HttpClient().get(f"/c/{token}/").content.decode()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "<script" not in html
    assert "style=" not in html
    assert all(not r.startswith(("http:", "https:", "//")) for r in refs), refs
    total = len(html.encode())
    for ref in refs:
        if ref.startswith("/static/"):
            path = finders.find(ref.removeprefix("/static/"))
            assert path, ref
            with open(path, "rb") as fh:
                total += len(fh.read())
    assert total < 100 * 1024, f"{total} bytes"
