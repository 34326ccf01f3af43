"""The served OpenAPI document equals the committed one, and schemathesis finds no 5xx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings as dj_settings

from alliance.api.management.commands.openapi import document
from alliance.api.models import Scope
from tests.conftest import Clinic

from .helpers import token_for

COMMITTED = Path(dj_settings.PROJECT_DIR) / "docs" / "openapi.json"


def test_committed_openapi_document_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == document(), (
        "docs/openapi.json is out of date: run `.venv/bin/alliance openapi`"
    )


@pytest.mark.django_db
def test_served_document_is_the_committed_one(clinic: Clinic) -> None:
    served = clinic.login("anonymous").get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(COMMITTED.read_text(encoding="utf-8"))


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error(clinic: Clinic, settings) -> None:  # noqa: ANN001
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hsettings

    from alliance.wsgi import application

    raw = token_for(clinic.org, Scope.WRITE)
    settings.API_REQUESTS_PER_MINUTE = 1_000_000
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    failures: list[str] = []
    statuses: set[int] = set()
    for operation in schema.get_all_operations():
        op = operation.ok()

        @hsettings(
            max_examples=12,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=op.as_strategy())
        def run(case) -> None:  # noqa: ANN001
            response = case.call(headers={"Authorization": f"Bearer {raw}"})
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        run()
    assert not failures, failures[:5]
    assert 200 in statuses and 401 not in statuses  # the fuzzing got past authentication
