"""Third-party clients against the served API: a client generated from docs/openapi.json by
openapi-python-client, and the fhirpy FHIR client, each over real HTTP (live_server)."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as dj_settings

from alliance.api.models import Scope
from alliance.checkins.models import CheckinRequest, Response
from tests.conftest import Clinic

from .helpers import token_for
from .test_fhir import phq9_resource

pytestmark = pytest.mark.django_db(transaction=True)
OPENAPI = Path(dj_settings.PROJECT_DIR) / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """The client package, generated from the committed OpenAPI document."""
    where = tmp_path_factory.mktemp("client")
    config = where / "config.yml"
    config.write_text("post_hooks: []\npackage_name_override: alliance_client\n")
    tool = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert tool, "openapi-python-client is a test dependency (pyproject.toml)"
    subprocess.run(
        [tool, "generate", "--path", str(OPENAPI), "--config", str(config)]
        + ["--output-path", str(where / "alliance_client"), "--meta", "none"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sys.path.insert(0, str(where))
    yield importlib.import_module("alliance_client")
    sys.path.remove(str(where))


def test_generated_client_lists_reads_and_creates(generated, live_server, clinic: Clinic) -> None:
    from alliance_client import AuthenticatedClient
    from alliance_client.api.check_in_requests import create_checkin_request
    from alliance_client.api.clients import get_client, list_clients
    from alliance_client.models import CheckinRequestIn, ClientOut, ErrorOut

    http = AuthenticatedClient(base_url=live_server.url, token=token_for(clinic.org, Scope.WRITE))
    page = list_clients.sync(client=http, page_size=10)
    assert page.count == 1 and [c.code for c in page.items] == [clinic.client.code]
    one = get_client.sync(client=http, pk=clinic.client.pk)
    assert isinstance(one, ClientOut) and one.display_name == clinic.client.display_name
    outsider = get_client.sync(client=http, pk=clinic.outsider_client.pk)
    assert isinstance(outsider, ErrorOut) and outsider.code == "not_found"
    participant = clinic.episode.participants.get(client=clinic.client)
    body = CheckinRequestIn(session=clinic.session.pk, participant=participant.pk)
    created = create_checkin_request.sync(client=http, body=body)
    assert created.link and created.state == "pending"
    assert CheckinRequest.objects.filter(pk=created.id, session=clinic.session).exists()


def test_fhirpy_reads_searches_with_paging_and_creates(
    live_server, clinic: Clinic, settings
) -> None:
    from fhirpy import SyncFHIRClient

    from alliance.care.models import Session

    settings.SITE_URL = live_server.url  # Bundle links point back at this server
    fhir = SyncFHIRClient(
        f"{live_server.url}/fhir", authorization=f"Bearer {token_for(clinic.org, Scope.WRITE)}"
    )
    for i in range(3):
        session = Session.objects.create(
            episode=clinic.episode, number=50 + i, starts_at=clinic.session.starts_at
        )
        resource = phq9_resource(clinic, encounter={"reference": f"Encounter/session-{session.pk}"})
        resource["identifier"] = {"system": "urn:record-system", "value": f"fhirpy-{i}"}
        fhir.resource("QuestionnaireResponse", **resource).save()  # create
    assert Response.objects.count() == 3
    search = fhir.resources("QuestionnaireResponse").search(
        patient=f"client-{clinic.client.pk}", questionnaire=phq9_resource(clinic)["questionnaire"]
    )
    assert search.count() == 3
    everything = search.limit(2).fetch_all()  # follows the Bundle's next link
    assert len({r.id for r in everything}) == 3
    first = search.sort("authored").limit(1).fetch()[0]
    read = fhir.reference("QuestionnaireResponse", first.id).to_resource()  # read
    assert read["status"] == "completed" and read["meta"]["versionId"] == "1"
    found = fhir.resources("Questionnaire").search(code="44249-1").fetch()
    assert [q.id for q in found] == ["phq-9"]
