from __future__ import annotations

from collections.abc import Iterator

import pytest

from alliance.audit import context


@pytest.fixture(autouse=True)
def fresh_acting_context() -> Iterator[None]:
    """Each test acts in its own audit context: force_login's sign-in signal updates the
    context of the test thread, which would otherwise leak a user into the next test."""
    with context.acting(context.ActingContext(request_id=context.new_request_id(), source="cli")):
        yield
