"""The served OpenAPI document equals the committed one, and schemathesis finds no failure of
any kind (server errors, undocumented statuses, bodies that do not match their schema)."""

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
def test_schemathesis_finds_no_server_error(clinic: Clinic, settings) -> None:
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
        def run(case) -> None:
            auth = {"Authorization": f"Bearer {raw}", "Accept-Encoding": "identity"}
            response = case.call(headers=auth)
            statuses.add(response.status_code)
            try:  # every check: status documented, body matches its schema, content type
                case.validate_response(response, headers=auth)
            except Exception as exc:  # schemathesis raises a group of failed checks
                failures.append(f"{case.method} {case.formatted_path}: {str(exc)[:300]}")

        run()
    assert not failures, failures[:5]
    assert 200 in statuses and 401 not in statuses  # the fuzzing got past authentication


def test_every_operation_documents_the_error_statuses() -> None:
    spec = json.loads(COMMITTED.read_text(encoding="utf-8"))
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            documented = set(operation["responses"])
            assert {"401", "403", "404", "422", "429"} <= documented, (method, path)
            schema = operation["responses"]["401"]["content"]["application/json"]["schema"]
            assert schema["$ref"].endswith("/ErrorOut"), (method, path)
    error = spec["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"detail", "code", "errors"}
