"""Who may reach which route: the classification behind tests/security/test_authorization_matrix.py.

Every URL pattern of the project (and every django-ninja operation under /api/v1/ and /fhir/)
must have a row here; a new route fails the matrix test until someone decides, here, what each
actor gets from it. Rows are written from the access rules in alliance/accounts/access.py and
docs/threat-model.md, not from what the code happens to answer.

Actors
  anonymous      nobody signed in
  link           a client holding a valid check-in link of the clinic's client (no sign-in)
  therapist      Tess, therapist of the clinic's episode
  colleague      Colin, therapist in the same clinic, not on the episode
  supervisor     Sam, supervises Tess (read-only on her episodes)
  admin          Ada, the clinic's admin (admins_see_clinical_data is off, the default)
  researcher     Rita, the clinic's researcher (de-identified export only)
  outsider       Otto, therapist and admin of another clinic, using the clinic's ids
  token          an API token (read and write) of the clinic, created by Ada while the clinic
                 let admins read clinical data (the only way a token reads anything)
  read_token     a read-only API token of the clinic, created the same way
  admin_token    Ada's own token, held after the clinic turned "admins see clinical data" off:
                 the admin without clinical access holding a token they created
  other_token    an API token of the other clinic, using the clinic's ids
  no_token       no Authorization header
  revoked_token  a revoked token of the clinic

Parameters are filled with the clinic's real objects (see `PARAMS`), for every actor alike: the
outsider and the other clinic's token ask for the clinic's episode and must get 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# --- outcomes ------------------------------------------------------------------------------------

OK = "ok"  # 200
CREATED = "created"  # 201
REDIRECT = "redirect"  # 302, not to the sign-in page
NO_EFFECT = "no effect"  # 200 or 302, and nothing in the database changed
BAD_REQUEST = "bad request"  # 400: the form is shown again, nothing changed
LOGIN = "login"  # 302 to the sign-in page
UNAUTHORIZED = "unauthorized"  # 401 (API)
FORBIDDEN = "forbidden"  # 403
NOT_FOUND = "not found"  # 404
NOT_ALLOWED = "not allowed"  # 405

STATUS = {
    OK: {200},
    CREATED: {201},
    REDIRECT: {302},
    NO_EFFECT: {200, 302},
    BAD_REQUEST: {400},
    LOGIN: {302},
    UNAUTHORIZED: {401},
    FORBIDDEN: {403},
    NOT_FOUND: {404},
    NOT_ALLOWED: {405},
}
# Outcomes after which a POST must have changed nothing at all.
REFUSALS = {NO_EFFECT, BAD_REQUEST, LOGIN, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED}

STAFF = ("therapist", "colleague", "supervisor", "admin", "researcher", "outsider")
WEB = ("anonymous", "link", *STAFF)
API = ("token", "read_token", "admin_token", "other_token", "no_token", "revoked_token")
# Actors for whom the clinic lets admins read clinical data while they act (see world.py).
CLINICAL_SETTING_ON = ("token", "read_token", "other_token", "revoked_token")
ACTORS = (*WEB, *API)

Outcomes = Mapping[str, str]


def staff(
    therapist: str,
    colleague: str,
    supervisor: str,
    admin: str,
    researcher: str,
    outsider: str,
    *,
    signed_out: str = LOGIN,
) -> Outcomes:
    """A staff page. Nobody signed in — a client with a link, or an API token (a bearer token
    signs no one in) — is sent to the sign-in page."""
    row = dict(
        zip(STAFF, (therapist, colleague, supervisor, admin, researcher, outsider), strict=True)
    )
    return {**row, **dict.fromkeys(("anonymous", "link", *API), signed_out)}


def everyone(outcome: str) -> Outcomes:
    return dict.fromkeys(ACTORS, outcome)


def link_page(link: str, others: str = NOT_FOUND) -> Outcomes:
    """A client page behind a check-in link. Only the link actor holds the clinic's token; every
    other actor tries a guessed one, whoever they are signed in as."""
    return {**everyone(others), "link": link}


def api(
    token: str,
    other_token: str,
    *,
    read_token: str | None = None,
    admin_token: str = FORBIDDEN,
    no_token: str = UNAUTHORIZED,
    revoked_token: str = UNAUTHORIZED,
) -> Outcomes:
    """An API operation. A signed-in browser session does not open the API: 401. A read token
    gets what the write token gets unless said otherwise; a token whose creator may no longer
    read clinical data is refused everywhere (403)."""
    row = {"token": token, "other_token": other_token, "admin_token": admin_token}
    row.update(read_token=token if read_token is None else read_token)
    row.update(no_token=no_token, revoked_token=revoked_token)
    return {**dict.fromkeys(WEB, UNAUTHORIZED), **row}


# Short names for the table.
T, F, N, L, R, X = OK, FORBIDDEN, NOT_FOUND, LOGIN, REDIRECT, NOT_ALLOWED
ONLY_POST = staff(X, X, X, X, X, X)  # require_POST after login_required
ADMIN_PAGE = staff(F, F, F, T, F, T)  # the outsider is an admin of their own clinic
ADMIN_POST = staff(F, F, F, R, F, R)
ADMIN_OBJECT_POST = staff(F, F, F, R, F, N)  # an object of the clinic: the outsider gets 404
EPISODE_READ = staff(T, N, T, N, N, N)  # therapist and supervisor read; the rest do not see it
EPISODE_WRITE = staff(R, N, F, N, N, N)  # the supervisor sees it read-only: 403
EPISODE_SETTINGS = staff(T, N, F, N, N, N)  # the page that holds the episode's editing forms


@dataclass(frozen=True)
class Route:
    get: Outcomes | None
    # None: the view does not act on POST (it renders the same page as for GET).
    post: Outcomes | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    query: str = ""  # added to GET requests
    data: str = ""  # name of the POST body in the test module's POST_BODIES
    why: str = ""
    # The page shows client data: every GET that succeeds must write an audit event (checked by
    # test_every_clinical_page_writes_an_audit_event), and a page that shows a client's name
    # must be marked so.
    clinical: bool = False


ROUTES: dict[str, Route] = {
    # --- start page, health -------------------------------------------------------------------
    "": Route(clinical=True, get=staff(T, T, T, T, T, T)),
    "healthz": Route(get=everyone(OK)),
    "i18n/setlang/": Route(
        get=everyone(NO_EFFECT),
        post=everyone(REDIRECT),
        data="language",
        why="Django's language switch: only a cookie changes; still CSRF-protected",
    ),
    # --- organization: members, roles, supervision, settings ----------------------------------
    "org/switch/": Route(
        get=ONLY_POST,
        post=staff(R, R, R, R, R, N),
        data="switch",
        why="one may switch only to an organization one belongs to",
    ),
    "org/members/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="member"),
    "org/members/<id:user_pk>/roles/": Route(
        get=ONLY_POST, post=ADMIN_OBJECT_POST, params={"user_pk": "colleague"}, data="role"
    ),
    "org/roles/<id:membership_pk>/remove/": Route(
        get=ONLY_POST, post=ADMIN_OBJECT_POST, params={"membership_pk": "researcher_membership"}
    ),
    "org/supervision/": Route(
        get=ONLY_POST,
        post=staff(F, F, F, R, F, NO_EFFECT),
        data="supervision",
        why="the outsider's form cannot name the clinic's people",
    ),
    "org/supervision/<id:pk>/remove/": Route(
        get=ONLY_POST, post=ADMIN_OBJECT_POST, params={"pk": "supervision"}
    ),
    "org/settings/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="org_settings"),
    "org/invitations/<id:pk>/<str:answer>/": Route(
        get=ONLY_POST,
        post=staff(R, N, N, N, N, N),
        params={"pk": "invitation", "answer": "accept"},
        why="only the invited address may answer (Tess, invited by the other clinic)",
    ),
    "audit/": Route(get=ADMIN_PAGE),
    "org/jobs/": Route(get=ADMIN_PAGE, why="each admin sees only their organization's jobs"),
    "org/client-safety/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="client_safety"),
    "org/notifications/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="notification_policy"),
    # --- notifications: each person's own ---------------------------------------------------
    "notifications/": Route(
        clinical=True,
        get=staff(T, T, T, T, F, T),
        why="each sees only their own lines, naming clients only of episodes they may see",
    ),
    "notifications/preferences/": Route(
        get=staff(T, T, T, T, F, T), post=staff(R, R, R, R, F, R), data="notification_prefs"
    ),
    "org/jobs/<uuid:pk>/retry/": Route(
        get=ONLY_POST, post=ADMIN_OBJECT_POST, params={"pk": "failed_job"}
    ),
    # --- clients, episodes, sessions ----------------------------------------------------------
    "clients/": Route(
        clinical=True, get=staff(T, T, T, T, T, T), why="each sees their own, scoped list"
    ),
    "clients/new/": Route(get=staff(T, T, F, F, F, T), post=staff(R, R, F, F, F, R), data="client"),
    "clients/<id:pk>/": Route(clinical=True, get=EPISODE_READ, params={"pk": "client"}),
    "clients/<id:pk>/edit/": Route(
        clinical=True,
        get=staff(T, N, F, N, N, N),
        post=EPISODE_WRITE,
        params={"pk": "client"},
        data="client",
    ),
    "episodes/new/": Route(
        clinical=True,
        get=staff(T, T, F, F, F, T),
        post=staff(R, NO_EFFECT, F, F, F, NO_EFFECT),
        data="episode",
        why="only a client one may change can be put in an episode: the form is shown again",
    ),
    "episodes/<id:pk>/": Route(clinical=True, get=EPISODE_READ, params={"pk": "episode"}),
    "episodes/<id:pk>/settings/": Route(
        clinical=True, get=EPISODE_SETTINGS, params={"pk": "episode"}
    ),
    "episodes/<id:pk>/edit/": Route(
        get=ONLY_POST, post=EPISODE_WRITE, params={"pk": "episode"}, data="episode_details"
    ),
    "episodes/<id:pk>/status/<str:status>/": Route(
        get=ONLY_POST, post=EPISODE_WRITE, params={"pk": "episode", "status": "closed"}
    ),
    "episodes/<id:pk>/participants/client/": Route(
        get=ONLY_POST, post=EPISODE_WRITE, params={"pk": "episode"}, data="add_client"
    ),
    "episodes/<id:pk>/participants/staff/": Route(
        get=ONLY_POST, post=EPISODE_WRITE, params={"pk": "episode"}, data="add_staff"
    ),
    "episodes/<id:pk>/participants/<id:participant_pk>/leave/": Route(
        get=ONLY_POST,
        post=EPISODE_WRITE,
        params={"pk": "episode", "participant_pk": "client_participant"},
    ),
    "episodes/<id:pk>/sessions/new/": Route(
        get=ONLY_POST, post=EPISODE_WRITE, params={"pk": "episode"}, data="session"
    ),
    "sessions/<id:pk>/": Route(
        clinical=True,
        get=EPISODE_READ,
        post=EPISODE_WRITE,
        params={"pk": "session"},
        data="session",
    ),
    # --- check-ins: the client's link pages and the staff pages around a session --------------
    "c/<str:token>/": Route(
        get=link_page(OK),
        post=link_page(REDIRECT),
        params={"token": "token"},
        data="checkin",
        why="CSRF-exempt by design: the link's own token proves who posts",
    ),
    "c/<str:token>/language/": Route(
        get=link_page(NOT_ALLOWED, others=NOT_ALLOWED),
        post=link_page(REDIRECT),
        params={"token": "token"},
        data="client_language",
        why="the client's language switch, remembered for the link's client",
    ),
    "c/<str:token>/done/": Route(
        get=link_page(NOT_FOUND),
        post=link_page(NOT_ALLOWED, others=NOT_ALLOWED),
        params={"token": "token"},
        why="shown only after the link's check-in was sent from the same browser",
    ),
    # --- session language (transcripts): only the session's own therapists; a supervisor only
    # once shared (the world's analysis is not), never colleagues, admins or researchers ----------
    "sessions/<id:pk>/transcript/upload/": Route(
        clinical=True,
        get=staff(T, N, F, N, N, N),
        post=staff(BAD_REQUEST, N, F, N, N, N),
        params={"pk": "session"},
        why="a POST without a file shows the form again",
    ),
    "sessions/<id:pk>/transcript/": Route(
        clinical=True, get=staff(T, N, N, N, N, N), params={"pk": "session"}
    ),
    "sessions/<id:pk>/transcript/share/": Route(
        get=ONLY_POST, post=EPISODE_WRITE, params={"pk": "session"}, data="share_transcript"
    ),
    "sessions/<id:pk>/transcript/delete/": Route(
        get=ONLY_POST, post=EPISODE_WRITE, params={"pk": "session"}
    ),
    "episodes/<id:pk>/language/": Route(
        clinical=True,
        get=EPISODE_READ,
        params={"pk": "episode"},
        why="the supervisor's table lists only analyses shared with them",
    ),
    "practice/<id:pk>/language/": Route(
        get=staff(T, N, F, F, F, N),
        params={"pk": "practice_period"},
        why="Tess's own practice period, like growth/practice/<pk>/",
    ),
    "org/transcripts/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="transcript_settings"),
    "sessions/<id:pk>/checkins/new/": Route(
        get=ONLY_POST,
        post=staff(T, N, F, N, N, N),
        params={"pk": "session"},
        data="participant",
    ),
    "sessions/<id:pk>/checkins/<id:request_pk>/email/": Route(
        get=ONLY_POST,
        post=EPISODE_WRITE,
        params={"pk": "session", "request_pk": "checkin"},
        data="raw_token",
    ),
    "sessions/<id:pk>/checkins/<id:request_pk>/cancel/": Route(
        get=ONLY_POST, post=EPISODE_WRITE, params={"pk": "session", "request_pk": "checkin"}
    ),
    "sessions/<id:pk>/checkins/rate/": Route(
        clinical=True,
        get=staff(T, N, F, N, N, N),
        post=EPISODE_WRITE,
        params={"pk": "session"},
        data="therapist_rating",
        why="one rates only a session one takes part in",
    ),
    "sessions/<id:pk>/checkins/paper/<id:participant_pk>/": Route(
        clinical=True,
        get=staff(T, N, F, N, N, N),
        post=EPISODE_WRITE,
        params={"pk": "session", "participant_pk": "client_participant"},
        data="paper",
    ),
    "responses/<id:pk>/fhir.json": Route(
        clinical=True, get=EPISODE_READ, params={"pk": "response"}
    ),
    "episodes/<id:pk>/plan/": Route(
        clinical=True,
        get=EPISODE_READ,
        post=EPISODE_WRITE,
        params={"pk": "episode"},
        data="share_progress",
    ),
    "org/checkin-plan/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="plan_entry"),
    "episodes/<id:pk>/sending/": Route(
        clinical=True,
        get=EPISODE_READ,
        post=EPISODE_WRITE,
        params={"pk": "episode"},
        data="sending_episode",
        why="automatic sending, the pulse's interval and each client's consent: as the plan",
    ),
    "org/sending/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="org_sending"),
    # --- insights: alerts, prompts, thresholds, charts ----------------------------------------
    "alerts/<id:pk>/": Route(
        get=ONLY_POST, post=EPISODE_WRITE, params={"pk": "alert"}, data="alert"
    ),
    "org/prompts/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="prompt"),
    "org/prompts/<id:pk>/": Route(
        get=staff(F, F, F, T, F, N), post=ADMIN_OBJECT_POST, params={"pk": "prompt"}, data="prompt"
    ),
    "org/prompts/copy/<str:kind>/": Route(
        get=ONLY_POST, post=ADMIN_POST, params={"kind": "overestimation"}
    ),
    "org/thresholds/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="thresholds"),
    "org/thresholds/recompute/": Route(
        get=ONLY_POST, post=ADMIN_POST, why="queues the recompute of the admin's own organization"
    ),
    "episodes/<id:pk>/charts/<slug:name>.svg": Route(
        clinical=True, get=EPISODE_READ, params={"pk": "episode", "name": "alliance"}
    ),
    # --- goals: the plan (staff) and the client's review, preferences and agenda (link) --------
    "episodes/<id:pk>/plan/goals/": Route(
        clinical=True, get=EPISODE_READ, post=EPISODE_WRITE, params={"pk": "episode"}, data="goal"
    ),
    "episodes/<id:pk>/plan/goals/print/": Route(
        clinical=True, get=EPISODE_READ, params={"pk": "episode"}
    ),
    "episodes/<id:pk>/plan/goals/plan.pdf": Route(
        clinical=True, get=EPISODE_READ, params={"pk": "episode"}
    ),
    "episodes/<id:pk>/plan/goals/proposals/<id:proposal_pk>/<str:decision>/": Route(
        get=ONLY_POST,
        post=EPISODE_WRITE,
        params={"pk": "episode", "proposal_pk": "proposal", "decision": "accept"},
    ),
    "c/<str:token>/goals/": Route(
        get=link_page(OK), post=link_page(OK), params={"token": "token"}, data="review"
    ),
    "c/<str:token>/preferences/": Route(
        get=link_page(OK), post=link_page(OK), params={"token": "token"}, data="preferences"
    ),
    "c/<str:token>/agenda/": Route(
        get=link_page(OK), post=link_page(OK), params={"token": "token"}, data="agenda"
    ),
    # --- integrations and research export (pages) ---------------------------------------------
    "org/integrations/": Route(
        get=ADMIN_PAGE,
        post=staff(F, F, F, F, F, F),
        data="api_token",
        why="a token reads every client: only an admin who may read clinical data creates one "
        "(shown once, on the answer to the POST); neither clinic here lets admins do that",
    ),
    "org/integrations/tokens/<id:pk>/revoke/": Route(
        get=ONLY_POST, post=ADMIN_OBJECT_POST, params={"pk": "spare_token"}
    ),
    "org/integrations/webhooks/": Route(
        get=ONLY_POST, post=staff(F, F, F, T, F, T), data="webhook"
    ),
    "org/integrations/webhooks/<id:pk>/toggle/": Route(
        get=ONLY_POST, post=ADMIN_OBJECT_POST, params={"pk": "webhook"}
    ),
    "org/research-export/": Route(
        get=staff(F, F, F, T, T, T),
        post=staff(F, F, F, R, R, R),
        data="export",
        why="admins and researchers export their own organization's de-identified data",
    ),
    "org/research-export/<id:pk>/download/": Route(
        get=staff(F, F, F, N, T, N),
        params={"pk": "research_export"},
        why="only the person who asked for the export downloads it (Rita's, here)",
    ),
    # --- the client's data rights (export, erasure) ---------------------------------------------
    "clients/<id:pk>/export/": Route(
        clinical=True,
        get=staff(T, N, F, N, N, N),
        post=staff(T, N, F, N, N, N),
        params={"pk": "client"},
        why="the client's therapist (or an admin allowed to see clinical data); read from code",
    ),
    "clients/<id:pk>/erase/": Route(
        clinical=True,
        get=staff(T, N, F, N, N, N),
        post=staff(R, N, F, N, N, N),
        params={"pk": "client"},
        data="erase",
        why="as the export; read from code",
    ),
    # --- the therapist's own wellbeing and journal: private to their author --------------------
    "me/wellbeing/": Route(
        get=staff(T, T, T, F, F, T), post=staff(R, R, R, F, F, R), data="reminder"
    ),
    "me/wellbeing/trend.svg": Route(
        get=staff(T, N, N, F, F, N), why="one's own trend; the others have no checks of their own"
    ),
    "me/wellbeing/checks/<id:pk>/": Route(get=staff(T, N, N, N, N, N), params={"pk": "self_check"}),
    "me/wellbeing/checks/<id:pk>/share/": Route(
        get=ONLY_POST,
        post=staff(R, N, N, N, N, N),
        params={"pk": "self_check"},
        data="share_with_supervisor",
    ),
    "me/wellbeing/checks/<id:pk>/delete/": Route(
        get=staff(T, N, N, N, N, N), post=staff(R, N, N, N, N, N), params={"pk": "self_check"}
    ),
    "me/journal/": Route(get=staff(T, T, T, F, F, T)),
    "me/journal/new/": Route(
        clinical=True, get=staff(T, T, T, F, F, T), post=staff(R, R, R, F, F, R), data="journal"
    ),
    "me/journal/<id:pk>/": Route(get=staff(T, N, N, N, N, N), params={"pk": "journal_entry"}),
    "me/journal/<id:pk>/edit/": Route(
        clinical=True,
        get=staff(T, N, N, N, N, N),
        post=staff(R, N, N, N, N, N),
        params={"pk": "journal_entry"},
        data="journal",
    ),
    "me/journal/<id:pk>/share/": Route(
        get=ONLY_POST,
        post=staff(R, N, N, N, N, N),
        params={"pk": "journal_entry"},
        data="share_with_supervisor",
    ),
    "me/journal/<id:pk>/delete/": Route(
        get=staff(T, N, N, N, N, N), post=staff(R, N, N, N, N, N), params={"pk": "journal_entry"}
    ),
    "me/shared/": Route(get=staff(F, F, T, F, F, F), why="a supervisor's 'shared with me'"),
    "me/shared/journal/<id:pk>/": Route(
        get=staff(N, N, T, N, N, N),
        params={"pk": "journal_entry"},
        why="only the supervisor it is shared with, not even its author by this address",
    ),
    "me/shared/checks/<id:pk>/": Route(get=staff(N, N, T, N, N, N), params={"pk": "self_check"}),
    # --- growth: the therapist's own patterns; supervisors for supervisees; the org's view -----
    "growth/patterns/": Route(clinical=True, get=staff(T, T, F, F, F, T)),
    "growth/patterns/<id:pk>/": Route(
        clinical=True,
        get=staff(T, N, T, N, N, N),
        params={"pk": "therapist"},
        why="Tess's patterns: herself and her supervisor",
    ),
    "growth/practice/": Route(
        get=staff(T, T, F, F, F, T), post=staff(R, R, F, F, F, R), data="practice"
    ),
    "growth/practice/<id:pk>/": Route(
        get=staff(T, N, F, F, F, N), params={"pk": "practice_period"}
    ),
    "growth/supervision/": Route(clinical=True, get=staff(F, F, T, F, F, F)),
    "growth/supervision/<id:pk>/alerts/": Route(
        clinical=True, get=staff(F, F, T, F, F, F), params={"pk": "therapist"}
    ),
    "growth/supervision/<id:pk>/notes/": Route(
        get=ONLY_POST,
        post=staff(F, F, R, F, F, F),
        params={"pk": "therapist"},
        data="supervision_note",
    ),
    "growth/organization/": Route(
        clinical=True, get=staff(F, F, F, T, T, T), why="admins and researchers"
    ),
    "growth/settings/": Route(get=ADMIN_PAGE, post=ADMIN_POST, data="growth_days"),
    "growth/settings/attributes/<id:pk>/": Route(
        get=staff(F, F, F, T, F, N),
        post=ADMIN_OBJECT_POST,
        params={"pk": "attribute"},
        data="attribute",
    ),
    "growth/clients/<id:pk>/attributes/": Route(
        clinical=True,
        get=EPISODE_READ,
        post=EPISODE_WRITE,
        params={"pk": "client"},
        data="client_attributes",
    ),
    # --- REST API (django-ninja, bearer tokens) -----------------------------------------------
    "api/v1/": Route(get=everyone(NOT_FOUND), why="ninja's root; docs are off (strict CSP)"),
    "api/v1/openapi.json": Route(get=everyone(OK), why="the public API description"),
    "api/v1/clients": Route(
        clinical=True, get=api(T, T), why="a list: the other token sees its own (none)"
    ),
    "api/v1/clients/<pk>": Route(clinical=True, get=api(T, N), params={"pk": "client"}),
    "api/v1/episodes": Route(clinical=True, get=api(T, T)),
    "api/v1/episodes/<pk>": Route(clinical=True, get=api(T, N), params={"pk": "episode"}),
    "api/v1/sessions": Route(clinical=True, get=api(T, T)),
    "api/v1/sessions/<pk>": Route(clinical=True, get=api(T, N), params={"pk": "session"}),
    "api/v1/checkin-requests": Route(
        get=None, post=api(CREATED, N, read_token=F), data="api_checkin_request"
    ),
    "api/v1/checkin-requests/<pk>": Route(clinical=True, get=api(T, N), params={"pk": "checkin"}),
    "api/v1/responses": Route(clinical=True, get=api(T, T)),
    "api/v1/responses/<pk>": Route(clinical=True, get=api(T, N), params={"pk": "response"}),
    "api/v1/alerts": Route(clinical=True, get=api(T, T)),
    "api/v1/alerts/<pk>": Route(clinical=True, get=api(T, N), params={"pk": "alert"}),
    # --- FHIR R4 ------------------------------------------------------------------------------
    "fhir/": Route(get=everyone(NOT_FOUND), why="ninja's root; FHIR clients start at /metadata"),
    "fhir/metadata": Route(get=everyone(OK), why="the capability statement is public"),
    "fhir/Questionnaire": Route(get=api(T, T), why="instruments are the same for everyone"),
    "fhir/Questionnaire/<qid>": Route(get=api(T, T), params={"qid": "instrument"}),
    "fhir/Patient/<pid>": Route(clinical=True, get=api(T, N), params={"pid": "patient"}),
    "fhir/Patient/<pid>/$everything": Route(
        clinical=True, get=api(T, N), params={"pid": "patient"}
    ),
    "fhir/QuestionnaireResponse/<rid>": Route(
        clinical=True, get=api(T, N), params={"rid": "fhir_response"}
    ),
    "fhir/QuestionnaireResponse": Route(
        clinical=True,
        get=api(T, N),
        post=api(CREATED, N, read_token=F),
        query="patient=client-{client}",
        data="fhir_response",
    ),
    # --- office tablet mode: a therapist's own sessions only. Last, because leaving the mode
    # signs the actor out (the remaining routes of this dict would all be refused) ------------
    "kiosk/": Route(
        clinical=True,
        get=staff(T, T, F, F, F, T),
        post=staff(R, N, F, F, F, N),
        data="kiosk",
        why="each therapist lists and chooses only sessions of their own episodes",
    ),
    "kiosk/ready/": Route(
        get=staff(R, R, R, R, R, R), why="without tablet mode on: back to the choice of session"
    ),
    "kiosk/next/": Route(
        get=ONLY_POST,
        post=staff(NO_EFFECT, NO_EFFECT, NO_EFFECT, NO_EFFECT, NO_EFFECT, NO_EFFECT),
        why="only a browser with tablet mode on (for its own session) makes a link",
    ),
    "kiosk/checkin/": Route(
        get=staff(R, R, R, R, R, R),
        post=staff(NO_EFFECT, NO_EFFECT, NO_EFFECT, NO_EFFECT, NO_EFFECT, NO_EFFECT),
        data="checkin",
        why="answers are taken only for the link the tablet just opened",
    ),
    "kiosk/end/": Route(
        get=ONLY_POST, post=staff(L, L, L, L, L, L), why="leaving tablet mode signs out"
    ),
}

# Routes left out of the matrix, and why.
SKIPPED_PREFIXES = {
    "accounts/": "django-allauth's sign-in, sign-up and two-factor pages: tested upstream; "
    "tests/accounts covers how the product configures them",
    "operator/": "Django's own admin, for the operators' is_staff accounts only",
}
# Views that take a POST without Django's CSRF check, and why (checked by the matrix test).
CSRF_EXEMPT = {
    "c/<str:token>/": "the link's unguessable token proves the form came from its holder",
    "c/<str:token>/language/": "as the check-in link: only the client's language changes",
    "c/<str:token>/goals/": "as the check-in link",
    "c/<str:token>/preferences/": "as the check-in link",
    "c/<str:token>/agenda/": "as the check-in link",
}
