"""FHIR R4 endpoints under /fhir/: Questionnaire, QuestionnaireResponse, a pseudonymous Patient,
a per-patient Bundle ($everything) and the CapabilityStatement at /fhir/metadata.

Same bearer tokens and organization scope as the REST API; errors are OperationOutcome
resources. Resources are built by alliance.measures.fhir and alliance.checkins.fhir_export.
"""

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from alliance.accounts import access
from alliance.care.models import Client, Session
from alliance.checkins import services
from alliance.checkins.fhir_export import questionnaire_response
from alliance.checkins.models import Response
from alliance.measures import fhir as measures_fhir
from alliance.measures.models import Instrument
from alliance.measures.scoring import InvalidAnswers, normalise_answers

from . import services as api_services
from .auth import RateLimited, TokenAuth, require_write, viewer_of
from .fhir_input import IncomingResponse, parse_incoming

FHIR_JSON = "application/fhir+json"
EXTERNAL_CHANNEL = "external"  # a response captured in another system and sent here
CLIENT_ID = re.compile(r"^(?:Patient/)?client-(\d{1,18})$")
RESPONSE_ID = re.compile(r"^response-(\d{1,18})$")
DATE_PARAM = re.compile(r"^(eq|ge|le|gt|lt)?(\d{4}-\d{2}-\d{2})$")
MAX_ENTRIES = 500
LOCAL_QUESTIONNAIRE = re.compile(r"^Questionnaire/([\w.-]{1,60})$")

fhir = NinjaAPI(
    title="Alliance FHIR R4",
    version="R4",
    urls_namespace="fhir",
    docs_url=None,
    openapi_url=None,  # FHIR clients read /fhir/metadata instead
    auth=TokenAuth(),
)


# --- responses and errors ----------------------------------------------------------------------


def resource_response(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(resource, default=str), status=status, content_type=FHIR_JSON)


def outcome(status: int, code: str, message: str) -> HttpResponse:
    return resource_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": message}],
        },
        status,
    )


@fhir.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = outcome(401, "login", "A valid, unrevoked API token is required.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@fhir.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return outcome(403, "forbidden", str(exc) or "Not allowed.")


@fhir.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return outcome(404, "not-found", "Not found.")


@fhir.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
    return outcome(400, "invalid", "The request's parameters are not valid.")


@fhir.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {
        400: "invalid",
        409: "conflict",
        412: "multiple-matches",
        413: "too-long",
        422: "processing",
    }.get(exc.status_code, "exception")
    return outcome(exc.status_code, code, str(exc))


@fhir.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = outcome(429, "throttled", "Too many requests for this token; slow down.")
    response["Retry-After"] = str(exc.retry_after)
    return response


def with_meta(resource: dict[str, Any], last_updated: Any, version: str = "1") -> dict[str, Any]:
    """meta.versionId and lastUpdated. A stored response never changes, so it stays version 1;
    a Questionnaire's version is its stored row."""
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = version
    meta["lastUpdated"] = last_updated.isoformat()
    resource["meta"] = meta
    return resource


def versioned(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    http = resource_response(resource, status)
    http["ETag"] = f'W/"{resource["meta"]["versionId"]}"'
    return http


JSON_FORMATS = ("json", "application/json", "application/fhir+json", "*/*", "application/*")
POST_TYPES = ("application/fhir+json", "application/json")


def negotiate(request: HttpRequest) -> None:
    """JSON is the only format: ask for XML (by _format or Accept) and get 406."""
    wanted = request.GET.get("_format")
    if wanted is not None:
        if wanted.split(";")[0].strip() not in JSON_FORMATS:
            raise NotAcceptable
        return
    accept = request.headers.get("Accept", "")
    kinds = [part.split(";")[0].strip() for part in accept.split(",") if part.strip()]
    if kinds and not any(k in JSON_FORMATS or k.endswith("+json") for k in kinds):
        raise NotAcceptable


class NotAcceptable(Exception):
    pass


@fhir.exception_handler(NotAcceptable)
def _not_acceptable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return outcome(406, "not-supported", "Only JSON is supported: application/fhir+json.")


def full_url(resource: dict[str, Any]) -> str:
    return f"{settings.SITE_URL}/fhir/{resource['resourceType']}/{resource['id']}"


def bundle(kind: str, resources: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": kind,
        "timestamp": timezone.now().isoformat(),
    }
    if kind == "searchset":
        result["total"] = len(resources)
    if resources:
        result["entry"] = [{"fullUrl": full_url(r), "resource": r} for r in resources]
    return result


# --- CapabilityStatement ------------------------------------------------------------------------


# What the search handlers accept, by name and FHIR type; a test checks these against them.
QUESTIONNAIRE_SEARCH = [
    ("_id", "token"),
    ("url", "uri"),
    ("code", "token"),
    ("name", "string"),
    ("status", "token"),
]
RESPONSE_SEARCH = [
    ("patient", "reference"),
    ("subject", "reference"),
    ("questionnaire", "reference"),
    ("authored", "date"),
    ("status", "token"),
    ("_lastUpdated", "date"),
]


def capability_statement() -> dict[str, Any]:
    def resource(kind: str, interactions: list[str], params: list[tuple[str, str]]) -> dict:
        entry: dict[str, Any] = {
            "type": kind,
            "interaction": [{"code": code} for code in interactions],
        }
        if params:
            entry["searchParam"] = [{"name": n, "type": t} for n, t in params]
        if "create" in interactions:
            entry["conditionalCreate"] = True  # If-None-Exist: identifier=...
        if kind == "QuestionnaireResponse":
            entry["searchInclude"] = []
        return entry

    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-22",
        "publisher": "Alliance project",
        "kind": "instance",
        "software": {"name": "Alliance"},
        "implementation": {
            "description": "Alliance routine alliance feedback",
            "url": f"{settings.SITE_URL}/fhir",
        },
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer token (Authorization: Bearer …) made by an "
                    "organization's admin; scope read or write."
                },
                "resource": [
                    resource("Questionnaire", ["read", "search-type"], QUESTIONNAIRE_SEARCH),
                    resource(
                        "QuestionnaireResponse", ["read", "search-type", "create"], RESPONSE_SEARCH
                    ),
                    resource("Patient", ["read"], []),
                ],
                "operation": [
                    {
                        "name": "everything",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                    }
                ],
            }
        ],
    }


@fhir.get("/metadata", auth=None)
def metadata(request: HttpRequest) -> HttpResponse:
    negotiate(request)
    return resource_response(capability_statement())


# --- Questionnaire ------------------------------------------------------------------------------


def current_instruments() -> list[Instrument]:
    keys = Instrument.objects.values_list("key", flat=True).distinct().order_by("key")
    return [row for key in keys if (row := Instrument.objects.current(key)) is not None]


def questionnaire_of(row: Instrument) -> dict[str, Any]:
    resource = measures_fhir.questionnaire(row.parsed())
    resource["id"] = row.key
    return with_meta(resource, row.imported_at, str(row.pk))


QUESTIONNAIRE_PARAMS = (
    "_id",
    "url",
    "code",
    "name",
    "status",
    "_count",
    "_offset",
    "_summary",
    "_elements",
    "_format",
)


def _matches(q: dict[str, Any], request: HttpRequest) -> bool:
    get = request.GET.get
    codes = {c.get("code") for c in q.get("code") or []} | {
        f"{c.get('system')}|{c.get('code')}" for c in q.get("code") or []
    }
    return (
        (not get("_id") or q["id"] == get("_id"))
        and (not get("url") or q.get("url") == get("url", "").split("|", 1)[0])
        and (not get("code") or get("code") in codes)
        and (not get("name") or str(get("name")).lower() in str(q.get("name", "")).lower())
        and (not get("status") or q.get("status") == get("status"))
    )


@fhir.get("/Questionnaire")
def search_questionnaires(request: HttpRequest) -> HttpResponse:
    """Search by _id, url (canonical), code (LOINC, code or system|code), name (contains) and
    status; the newest version of each instrument."""
    negotiate(request)
    unknown = unsupported(request, QUESTIONNAIRE_PARAMS)
    found = [row for row in current_instruments() if _matches(questionnaire_of(row), request)]
    return resource_response(search_bundle(request, found, questionnaire_of, unknown))


@fhir.get("/Questionnaire/{qid}")
def read_questionnaire(request: HttpRequest, qid: str) -> HttpResponse:
    negotiate(request)
    row = Instrument.objects.current(qid[:60]) if re.fullmatch(r"[\w.-]{1,60}", qid) else None
    if row is None:
        raise Http404
    return versioned(questionnaire_of(row))


# --- Patient ------------------------------------------------------------------------------------


def patient_resource(client: Any) -> dict[str, Any]:
    """Pseudonymous: the clinic's client code as identifier, no name or contact details."""
    return {
        "resourceType": "Patient",
        "id": f"client-{client.pk}",
        "identifier": [
            {
                "system": f"{settings.SITE_URL}/fhir/sid/client-code/{client.organization.slug}",
                "value": client.code,
            }
        ],
    }


def _client(request: HttpRequest, ref: str) -> Any:
    match = CLIENT_ID.match(ref or "")
    if not match:
        raise Http404
    return access.get_in(
        Client.objects.visible_to(viewer_of(request)).select_related("organization"), match.group(1)
    )


@fhir.get("/Patient/{pid}")
def read_patient(request: HttpRequest, pid: str) -> HttpResponse:
    negotiate(request)
    client = _client(request, pid)
    api_services.record_viewed(client)
    return resource_response(patient_resource(client))


@fhir.get("/Patient/{pid}/$everything")
def patient_everything(request: HttpRequest, pid: str) -> HttpResponse:
    """A Bundle with the patient, every response about them and the questionnaires used."""
    negotiate(request)
    client = _client(request, pid)
    rows = list(_responses_of(request, client)[:MAX_ENTRIES])
    questionnaires = {r.instrument_id: r.instrument for r in rows}
    resources = [patient_resource(client)]
    resources += [questionnaire_of(row) for row in questionnaires.values()]
    resources += [questionnaire_response(r) for r in rows]
    api_services.record_bundle_exported(client, len(rows))
    return resource_response(bundle("collection", resources))


# --- QuestionnaireResponse ----------------------------------------------------------------------


def _responses_of(request: HttpRequest, client: Any) -> Any:
    return (
        Response.objects.visible_to(viewer_of(request))
        .filter(participant__client=client)
        .select_related("session__episode", "participant", "instrument")
        .order_by("submitted_at", "pk")
    )


@fhir.get("/QuestionnaireResponse/{rid}")
def read_response(request: HttpRequest, rid: str) -> HttpResponse:
    negotiate(request)
    match = RESPONSE_ID.match(rid)
    if not match:
        raise Http404
    qs = Response.objects.visible_to(viewer_of(request)).select_related(
        "session__episode", "participant", "instrument"
    )
    response = access.get_in(qs, match.group(1))
    api_services.record_viewed(response)
    return versioned(with_meta(questionnaire_response(response), response.submitted_at))


DATE_VALUE = re.compile(
    r"^(eq|ge|le|gt|lt)?(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
    r"(?:Z|[+-]\d{2}:\d{2}))?)$"
)
RESPONSE_PARAMS = (
    "patient",
    "subject",
    "questionnaire",
    "authored",
    "status",
    "_lastUpdated",
    "_sort",
    "_count",
    "_offset",
    "_summary",
    "_elements",
    "_format",
)
SORTS = {
    "authored": ("authored", "pk"),
    "-authored": ("-authored", "-pk"),
    "_lastUpdated": ("submitted_at", "pk"),
    "-_lastUpdated": ("-submitted_at", "-pk"),
}
DEFAULT_COUNT = 50


def _date_filters(name: str, values: list[str], field: str = "submitted_at") -> dict[str, Any]:
    """FHIR date search: a day compares by date, a date-time exactly; prefixes eq/ge/le/gt/lt."""
    lookups = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}
    out: dict[str, Any] = {}
    for value in values:
        match = DATE_VALUE.match(value)
        if not match:
            raise HttpError(
                400,
                f"{name} must look like ge2026-01-31 or lt2026-01-31T10:00:00Z, "
                f"not {value[:40]!r}.",
            )
        text, op = match.group(2), lookups[match.group(1) or "eq"]
        try:
            if "T" in text:
                out[f"{field}{op}"] = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            else:
                out[f"{field}__date{op}"] = dt.date.fromisoformat(text)
        except ValueError:
            raise HttpError(400, f"{value[:40]!r} is not a date.") from None
    return out


def unsupported(request: HttpRequest, supported: tuple[str, ...]) -> list[str]:
    """Search parameters this server does not know; with Prefer: handling=strict they are
    refused, otherwise reported in the Bundle (never silently ignored)."""
    unknown = sorted({k for k in request.GET if k not in supported})
    strict = "handling=strict" in request.headers.get("Prefer", "").replace(" ", "")
    if unknown and strict:
        raise HttpError(400, f"Unsupported search parameter(s): {', '.join(unknown)[:200]}.")
    return unknown


def _number(request: HttpRequest, name: str, default: int, top: int) -> int:
    raw = request.GET.get(name, str(default))
    if not raw.isdigit() or len(raw) > 9:
        raise HttpError(400, f"{name} must be a whole number from 0 to {top}.")
    return min(int(raw), top)


def search_bundle(
    request: HttpRequest,
    qs: Any,
    build: Callable[[Any], dict[str, Any]],
    unknown: list[str],
) -> dict[str, Any]:
    """A searchset page: total, self/next/previous links, entries in a stable order."""
    count = _number(request, "_count", DEFAULT_COUNT, MAX_ENTRIES)
    offset = _number(request, "_offset", 0, 10**9)
    total = len(qs) if isinstance(qs, list) else qs.count()
    result = bundle("searchset", [])
    result["total"] = total
    result["link"] = [{"relation": "self", "url": _page_url(request, offset, count)}]
    if request.GET.get("_summary") == "count":
        return _with_outcome(result, unknown)
    rows = list(qs[offset : offset + count]) if count else []
    if offset + count < total and count:
        result["link"].append(
            {"relation": "next", "url": _page_url(request, offset + count, count)}
        )
    if offset and count:
        prev = max(offset - count, 0)
        result["link"].append({"relation": "previous", "url": _page_url(request, prev, count)})
    elements = [e for e in request.GET.get("_elements", "").split(",") if e.strip()]
    entries = [_subset(build(row), elements) for row in rows]
    if entries:
        result["entry"] = [
            {"fullUrl": full_url(r), "resource": r, "search": {"mode": "match"}} for r in entries
        ]
    return _with_outcome(result, unknown)


def _page_url(request: HttpRequest, offset: int, count: int) -> str:
    params = request.GET.copy()
    params["_offset"], params["_count"] = str(offset), str(count)
    return f"{settings.SITE_URL}{request.path}?{params.urlencode()}"


def _subset(resource: dict[str, Any], elements: list[str]) -> dict[str, Any]:
    if not elements:
        return resource
    keep = {"resourceType", "id", "meta", *[e.strip() for e in elements]}
    out = {k: v for k, v in resource.items() if k in keep}
    meta = dict(out.get("meta") or {})
    meta["tag"] = [
        *meta.get("tag", []),
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
            "code": "SUBSETTED",
        },
    ]
    out["meta"] = meta
    return out


def _with_outcome(result: dict[str, Any], unknown: list[str]) -> dict[str, Any]:
    if unknown:
        outcome_resource = {
            "resourceType": "OperationOutcome",
            "id": "unsupported-parameters",
            "issue": [
                {
                    "severity": "warning",
                    "code": "not-supported",
                    "diagnostics": f"Ignored unsupported search parameter {name[:60]!r}.",
                }
                for name in unknown
            ],
        }
        result.setdefault("entry", []).append(
            {"resource": outcome_resource, "search": {"mode": "outcome"}}
        )
    return result


def _response_query(request: HttpRequest) -> Any:
    qs = Response.objects.visible_to(viewer_of(request)).select_related(
        "session__episode", "participant", "instrument"
    )
    who = request.GET.get("patient") or request.GET.get("subject")
    if who:
        qs = qs.filter(participant__client=_client(request, who))
    if "questionnaire" in request.GET:
        url, _sep, version = request.GET["questionnaire"].partition("|")
        rows = [r for r in instruments_for(url) if not version or r.version == version]
        qs = qs.filter(instrument__in=rows)
    status = request.GET.get("status")
    if status is not None and status != "completed":  # every stored response is completed
        qs = qs.none()
    # authored as the sending system gave it, else the arrival time.
    qs = qs.annotate(authored=Coalesce("authored_at", "submitted_at"))
    qs = qs.filter(**_date_filters("authored", request.GET.getlist("authored"), "authored"))
    qs = qs.filter(**_date_filters("_lastUpdated", request.GET.getlist("_lastUpdated")))
    sort = request.GET.get("_sort", "_lastUpdated")
    if sort not in SORTS:
        raise HttpError(400, f"_sort must be one of {', '.join(SORTS)}.")
    return qs.order_by(*SORTS[sort])


@fhir.get("/QuestionnaireResponse")
def search_responses(request: HttpRequest) -> HttpResponse:
    """Search responses: patient/subject, questionnaire (canonical), authored and _lastUpdated
    with prefixes, status, _sort, paging with _count/_offset, _summary=count, _elements."""
    negotiate(request)
    unknown = unsupported(request, RESPONSE_PARAMS)
    qs = _response_query(request)

    def build(row: Any) -> dict[str, Any]:
        api_services.record_viewed(row)
        return with_meta(questionnaire_response(row), row.submitted_at)

    return resource_response(search_bundle(request, qs, build, unknown))


@fhir.post("/QuestionnaireResponse")
def create_response(request: HttpRequest) -> HttpResponse:
    """Store a response captured elsewhere; it is scored on arrival like any other. The session
    it belongs to is named by `encounter` (Encounter/session-<id>) and the client by `subject`."""
    negotiate(request)
    require_write(request)
    if request.content_type not in POST_TYPES:
        return outcome(415, "not-supported", "Send the resource as application/fhir+json.")
    existing = _if_none_exist(request)
    if existing is not None:
        return versioned(with_meta(questionnaire_response(existing), existing.submitted_at))
    incoming = parse_incoming(request.body)
    client = _client(request, incoming.subject)
    session = access.get_in(
        Session.objects.visible_to(viewer_of(request)).select_related("episode"),
        incoming.session_id,
    )
    participant = session.episode.participants.filter(client=client).first()
    if participant is None:
        raise HttpError(422, "The subject is not a client of the encounter's episode.")
    instrument = _instrument_for(incoming)
    response, created = _save(incoming, session, participant, instrument)
    resource = with_meta(questionnaire_response(response), response.submitted_at)
    missing = response.scores.get("missing") or []
    if missing:
        # Accepted and flagged, as on paper: the stored response says what is unanswered and
        # the therapist is told when a risk item is; the sender learns it here.
        http = resource_response(_unanswered_outcome(response, missing), 201 if created else 200)
    else:
        http = versioned(resource, 201 if created else 200)
    http["Location"] = full_url(resource)
    return http


def _unanswered_outcome(response: Any, missing: list[str]) -> dict[str, Any]:
    risk = set(response.scores.get("risk_unanswered") or [])
    issues = [
        {
            "severity": "warning",
            "code": "required",
            "diagnostics": f"Item {link_id} was not answered. The response is stored"
            + (
                "; this is a risk item, so the therapist is told to ask about it."
                if link_id in risk
                else "."
            ),
            "expression": [f"QuestionnaireResponse.item.where(linkId='{link_id}')"],
        }
        for link_id in missing
    ]
    return {"resourceType": "OperationOutcome", "issue": issues}


def _if_none_exist(request: HttpRequest) -> Any:
    """Conditional create (If-None-Exist: identifier=[system|]value): the match, if one."""
    header = request.headers.get("If-None-Exist", "")
    if not header:
        return None
    name, _eq, value = header.partition("=")
    if name.strip() != "identifier" or not value.strip():
        raise HttpError(400, "If-None-Exist supports identifier=[system|]value only.")
    wanted = value.split("|")[-1].strip()[:80]
    found = list(
        Response.objects.visible_to(viewer_of(request))
        .filter(idempotency_key__endswith=f":fhir:{wanted}")
        .select_related("session__episode", "participant", "instrument")[:2]
    )
    if len(found) > 1:
        raise HttpError(412, "More than one response has this identifier.")
    return found[0] if found else None


def _instrument_for(incoming: IncomingResponse) -> Instrument:
    """The instrument named by the response's questionnaire: its canonical URL (with an optional
    |version), as the Questionnaire lists it, or the relative reference Questionnaire/<id>."""
    url, _sep, version = incoming.questionnaire.partition("|")
    rows = instruments_for(url)
    if version:
        rows = [row for row in rows if row.version == version[:30]]
    if not rows:
        raise HttpError(422, "Unknown questionnaire; see GET /fhir/Questionnaire.")
    return max(rows, key=lambda row: row.pk)


def instruments_for(reference: str) -> list[Instrument]:
    """Every stored version of the instrument a canonical URL or Questionnaire/<id> names."""
    reference = reference.rstrip("/")
    local = LOCAL_QUESTIONNAIRE.fullmatch(reference)
    if local:
        return list(Instrument.objects.filter(key=local.group(1)))
    return [row for row in Instrument.objects.all() if row.parsed().url == reference]


def _save(incoming: IncomingResponse, session: Any, participant: Any, instrument: Instrument):
    answers = incoming.answers_for(instrument.parsed())
    key = incoming.identifier or hashlib.sha256(json.dumps(incoming.raw).encode()).hexdigest()
    try:
        clean = normalise_answers(instrument.parsed(), answers)
        with transaction.atomic():
            response, created = services.save_response(
                session=session,
                participant=participant,
                instrument=instrument,
                answers=answers,
                idempotency_key=f"fhir:{key}",
                channel=EXTERNAL_CHANNEL,
                sent={
                    "authored_at": incoming.authored,
                    "external_identifier": incoming.identifier_sent,
                },
            )
            if created:  # the recompute marker commits with the response
                services.refresh_insights(session.episode)
    except InvalidAnswers as exc:
        raise HttpError(422, str(exc)[:500]) from None
    if not created and (response.answers != clean or response.instrument_id != instrument.pk):
        # Never answer 200 with the old response while dropping the new one (it may hold a
        # risk answer): the sender is told, and keeps what it sent.
        raise HttpError(
            409,
            f"This session already has a different response from this client for this "
            f"instrument (QuestionnaireResponse/response-{response.pk}); nothing was stored. "
            "Alliance keeps one response per client, session and instrument: correct the "
            "stored one in Alliance, or send this one for another session.",
        )
    return response, created
