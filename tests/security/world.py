"""The clinic of tests/conftest.py with one of everything a route can point at, for the security
tests: a goal, an alert, a response, a client's proposal, a check-in link, prompts, tokens...

Client names and codes are made distinctive so a test can say "this page never shows the other
organization's client" by looking for them in the body.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.utils import timezone

from alliance.accounts.models import Invitation, Membership, Role, Supervision
from alliance.api.models import ApiToken, Scope, WebhookEndpoint
from alliance.care.models import Client
from alliance.checkins import services as checkins
from alliance.goals import services as goals
from alliance.goals.models import GoalProposal, ProposalKind
from alliance.insights import analysis
from alliance.insights.forms import EDITABLE_THRESHOLDS
from alliance.insights.models import Alert, Prompt
from alliance.language.labeller import Label
from alliance.language.models import SessionTranscript
from alliance.language.summary import summarise as language_summary
from alliance.measures.models import current_instrument
from tests.conftest import Clinic, make_session

CLINIC_CLIENT = ("Alex Quillfeather", "C-QF-0001")
OTHER_CLIENT = ("Xavi Outlandsson", "X-OU-0001")
JOURNAL_TEXT = "Journal: felt tired after the Quillfeather session"  # Tess's, shared with Sam
GUESSED_TOKEN = "g" * 43
PRIVATE_RECORD_TYPES = (
    "wellbeing.SelfCheck",
    "wellbeing.JournalEntry",
    "wellbeing.page",
)  # well-formed, never issued
CLIENT_INSTRUMENT = "alliance-checkin-client"


@dataclasses.dataclass
class World:
    clinic: Clinic
    ids: dict[str, str]
    link_token: str
    api_tokens: dict[str, str]

    def browser(self, actor: str) -> HttpClient:
        """A test client acting as one of the matrix's actors."""
        from . import matrix

        # A token reads only while its organization lets admins read clinical data.
        for org in (self.clinic.org, self.clinic.other_org):
            org.admins_see_clinical_data = actor in matrix.CLINICAL_SETTING_ON
            org.save(update_fields=["admins_see_clinical_data"])
        if actor in self.api_tokens:
            http = HttpClient(HTTP_AUTHORIZATION=f"Bearer {self.api_tokens[actor]}")
        elif actor in ("link", "no_token"):
            http = self.clinic.login("anonymous")
        else:
            http = self.clinic.login(actor)
        http.raise_request_exception = False
        return http

    def foreign_markers(self, actor: str) -> tuple[str, ...]:
        """Text that must never appear in anything this actor is sent."""
        clinic, other = CLINIC_CLIENT, OTHER_CLIENT
        return {
            "therapist": other,
            "supervisor": other,
            "token": other,
            "read_token": other,
            "outsider": clinic,
            "other_token": clinic,
            # Admins see client codes in the audit trail, never names unless the clinic allows,
            # and nothing of a therapist's private wellbeing records, not even that they exist.
            "admin": (clinic[0], *other, *PRIVATE_RECORD_TYPES),
        }.get(actor, clinic + other) + (
            () if actor in ("therapist", "supervisor") else (JOURNAL_TEXT,)
        )


def build(clinic: Clinic) -> World:
    _rename(clinic.client, *CLINIC_CLIENT)
    _rename(clinic.outsider_client, *OTHER_CLIENT)
    org, therapist, episode = clinic.org, clinic.therapist, clinic.episode
    client_participant = episode.participants.get(client=clinic.client)
    therapist_participant = episode.participants.get(user=therapist)
    # The goal review is due at every session, so the link's goal review page opens.
    goals.set_review_every(episode, 1)
    goal = goals.add_goal(episode, by=therapist, wording="Sleep through most nights")
    goals.add_task(goal, by=therapist, wording="Write down the worries at eight")
    proposal = GoalProposal.objects.create(
        episode=episode,
        participant=client_participant,
        kind=ProposalKind.NEW,
        wording="Go back to the choir",
    )
    checkin, link_token = checkins.issue_link(
        clinic.session,
        client_participant,
        by=therapist,
        instruments=[current_instrument(CLIENT_INSTRUMENT)],
    ) or (None, "")
    assert checkin is not None
    earlier = make_session(episode, starts_at=timezone.now() - dt.timedelta(days=7))
    with transaction.atomic():
        response, _created = checkins.save_response(
            session=earlier,
            participant=client_participant,
            instrument=current_instrument(CLIENT_INSTRUMENT),
            answers={"bond": "8", "goals": "7", "tasks": "9", "overall": "8", "change": "x"},
            idempotency_key="world",
            channel="paper",
            entered_by=therapist,
        )
    alert = Alert.objects.create(
        organization=org,
        episode=episode,
        kind="drop",
        severity="warning",
        reason="Alliance 5.0, usually 8.0",
        session_number=1,
        fingerprint="drop:world",
    )
    spare_client = Client.objects.create(
        organization=org, code="C-QF-0002", display_name="Spare Person", created_by=therapist
    )
    SessionTranscript.objects.create(
        session=clinic.session,
        uploaded_by=therapist,
        file_format="txt",
        model_version="world",
        labels=[["therapist", "question", "open"], ["client", "change", ""]],
        summary=language_summary(
            [("therapist", "How was the week?"), ("client", "I want to sleep better.")],
            [Label("therapist", "question", "open"), Label("client", "change")],
            [],
        ),
    )
    api_tokens = _api_tokens(clinic)
    spare_token, _raw = ApiToken.issue(org, name="spare", scope=Scope.READ, by=clinic.admin)
    ids = {
        **_growth_and_wellbeing(clinic),
        "client": clinic.client.pk,
        "spare_client": spare_client.pk,
        "episode": episode.pk,
        "session": clinic.session.pk,
        "client_participant": client_participant.pk,
        "therapist_participant": therapist_participant.pk,
        "checkin": checkin.pk,
        "response": response.pk,
        "alert": alert.pk,
        "goal": goal.pk,
        "proposal": proposal.pk,
        "colleague": clinic.colleague.pk,
        "supervisor": clinic.supervisor.pk,
        "researcher_membership": Membership.objects.get(
            user=clinic.researcher, organization=org
        ).pk,
        "supervision": Supervision.objects.get(organization=org).pk,
        "invitation": Invitation.objects.create(
            organization=clinic.other_org,
            email=therapist.email,
            role=Role.RESEARCHER,
            invited_by=clinic.outsider,
        ).pk,
        "prompt": Prompt.objects.create(organization=org, kind="drop", text="What did I miss?").pk,
        "webhook": WebhookEndpoint.objects.create(
            organization=org, url="https://records.example/hook", secret="s" * 64
        ).pk,
        "spare_token": spare_token.pk,
        "failed_job": _failed_job(episode).pk,
        "research_export": _research_export(clinic).pk,
        "org": org.pk,
        "instrument": CLIENT_INSTRUMENT,
        "patient": f"client-{clinic.client.pk}",
        "fhir_response": f"response-{response.pk}",
    }
    # A token is touched at most once a minute; touch them now so using one changes nothing.
    ApiToken.objects.update(last_used_at=timezone.now())
    return World(clinic, {k: str(v) for k, v in ids.items()}, link_token, api_tokens)


def _failed_job(episode: Any) -> Any:
    """A background job of the clinic that failed: its retry is for the clinic's admin only."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        status=TaskResultStatus.FAILED,
        args_kwargs={"args": [episode.pk], "kwargs": {"organization_id": episode.organization_id}},
        task_path="alliance.insights.jobs.recompute_pending_episode",
        backend_name="default",
        run_after=timezone.now(),
        finished_at=timezone.now(),
        exception_class_path="alliance.insights.jobs.RecomputeFailed",
        traceback="RecomputeFailed: recompute failed",
    )


def _research_export(clinic: Clinic) -> Any:
    """A finished research export that the researcher asked for."""
    from alliance.api.models import ExportState, ResearchExport

    return ResearchExport.objects.create(
        organization=clinic.org,
        requested_by=clinic.researcher,
        formats=["csv"],
        state=ExportState.READY,
        content=b"PK\x05\x06" + b"\0" * 18,
        file_name="alliance-export.zip",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )


def _growth_and_wellbeing(clinic: Clinic) -> dict[str, int]:
    """Tess's own self-check and journal entry, each shared with her supervisor; a practice
    period of hers; a client attribute the clinic records."""
    from alliance.growth.models import AttributeDefinition, PracticePeriod
    from alliance.wellbeing import scoring
    from alliance.wellbeing import services as wellbeing

    org, tess, sam = clinic.org, clinic.therapist, clinic.supervisor
    check = wellbeing.record_check(tess, {item.key: 2 for item in scoring.ITEMS})
    entry = wellbeing.add_entry(
        tess, text=JOURNAL_TEXT, topic="reflection", written_on=timezone.localdate(), episode=None
    )
    for item in (check, entry):
        wellbeing.share(item, sam, org)
    today = timezone.localdate()
    period = PracticePeriod.objects.create(
        organization=org,
        therapist=tess,
        skill="Asking for feedback",
        starts_on=today - dt.timedelta(days=14),
        ends_on=today + dt.timedelta(days=14),
    )
    attribute = AttributeDefinition.objects.create(
        organization=org, name="Age band", options=["18-25", "26-40"]
    )
    return {
        "therapist": tess.pk,
        "self_check": check.pk,
        "journal_entry": entry.pk,
        "practice_period": period.pk,
        "attribute": attribute.pk,
    }


def _rename(client: Client, name: str, code: str) -> None:
    client.display_name, client.code = name, code
    client.save(update_fields=["display_name", "code"])


def _api_tokens(clinic: Clinic) -> dict[str, str]:
    _token, raw = ApiToken.issue(clinic.org, name="records", scope=Scope.WRITE, by=clinic.admin)
    _read, read_raw = ApiToken.issue(clinic.org, name="reports", scope=Scope.READ, by=clinic.admin)
    # Ada's own: the matrix runs this actor with "admins see clinical data" off.
    _own, own_raw = ApiToken.issue(clinic.org, name="Ada's", scope=Scope.READ, by=clinic.admin)
    _other, other_raw = ApiToken.issue(
        clinic.other_org, name="their records", scope=Scope.WRITE, by=clinic.outsider
    )
    revoked, revoked_raw = ApiToken.issue(
        clinic.org, name="old", scope=Scope.WRITE, by=clinic.admin
    )
    revoked.revoke()
    return {
        "token": raw,
        "read_token": read_raw,
        "admin_token": own_raw,
        "other_token": other_raw,
        "revoked_token": revoked_raw,
    }


# --- what a POST sends ---------------------------------------------------------------------------


def answers_for(instruments: list[Any]) -> dict[str, str]:
    """A complete, valid answer to each instrument, named as QuestionnaireForm names fields."""
    data: dict[str, str] = {}
    for position, instrument in enumerate(instruments, 1):
        for item in instrument.parsed().items:
            if item.answer_type == "text":
                value = "fine"
            elif item.options:
                value = str(item.options[0].value)
            else:
                value = str(item.min if item.min is not None else 1)
            data[f"q{position}-{item.link_id}"] = value
    return data


def post_bodies(world: World) -> dict[str, Any]:
    """Bodies that an allowed actor's POST would accept, so a refusal really is a refusal."""
    c, ids = world.clinic, world.ids
    session = c.session
    participant = c.episode.participants.get(pk=ids["client_participant"])
    own = c.episode.participants.get(pk=ids["therapist_participant"])
    today = timezone.localdate().isoformat()
    from tests.api.test_fhir import phq9_resource

    return {
        "language": {"language": "en", "next": "/"},
        "client_language": {"language": "es", "next": ""},
        "switch": {"organization": ids["org"]},
        "member": {
            "email": "new.person@northside.test",
            "first_name": "Nova",
            "role": Role.THERAPIST,
            "password": "a-long-Temporary-pass-2931",
        },
        "role": {"role": Role.SUPERVISOR},
        "supervision": {"supervisor": ids["supervisor"], "therapist": ids["colleague"]},
        "org_settings": {
            "name": "Northside Clinic",
            "checkin_link_hours": "72",
            "date_style": "dmy",
        },
        "client": {"code": "C-QF-0003", "display_name": "Nova Client"},
        "episode": {
            "format": "individual",
            "title": "Second try",
            "started_on": today,
            "clients": [ids["client"]],
        },
        "episode_details": {"title": "Renamed", "started_on": today},
        "add_client": {"client": ids["spare_client"]},
        "add_staff": {"user": ids["colleague"], "role": "co_therapist"},
        "session": {
            "starts_at": "2026-01-05T10:00",
            "duration_minutes": "50",
            "status": "scheduled",
        },
        "checkin": answers_for([current_instrument(CLIENT_INSTRUMENT)]),
        "participant": {"participant": ids["client_participant"]},
        "raw_token": {"token": world.link_token},
        "therapist_rating": answers_for(checkins.open_measures(session, own)),
        "paper": answers_for(checkins.open_measures(session, participant)),
        "share_progress": {"action": "share", "share_progress_with_client": "on"},
        "plan_entry": {
            "action": "add",
            "instrument_key": "gad-7",
            "respondent": "interpreter",
            "schedule": "every_n",
            "every_n": "4",
            "timing": "before",
        },
        "alert": {"to_state": "acknowledged"},
        "prompt": {"kind": "drop", "text": "What did I miss?", "position": "1", "active": "on"},
        "thresholds": {
            name: str(getattr(analysis.DEFAULT_THRESHOLDS, name)) for name in EDITABLE_THRESHOLDS
        },
        "goal": {"action": "add_goal", "new-wording": "Walk to work", "new-proposed_by": "client"},
        "review": {"new_goal": "Sing again"},
        "preferences": {"when_off": "Tell me straight away", "identity": ""},
        "agenda": {"focus": "The exam next week", "worked_on": "7"},
        "api_token": {"token-name": "Record system", "token-scope": "read"},
        "webhook": {"hook-url": "https://records.example/alerts", "hook-description": "EHR"},
        "export": {"formats": ["csv"]},
        "api_checkin_request": {
            "session": int(ids["session"]),
            "participant": int(ids["client_participant"]),
        },
        "fhir_response": phq9_resource(c),
        "reminder": {"action": "reminder", "reminder": "weekly"},
        "journal": {
            "written_on": today,
            "topic": "reflection",
            "text": "Slept badly",
            "episode": "",
        },
        "share_with_supervisor": {"supervisor": ids["supervisor"]},
        "practice": {
            "skill_choice": "0",
            "starts_on": today,
            "ends_on": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        },
        "supervision_note": {"text": "Talked about the drop in session 3."},
        "growth_days": {"action": "days", "days-rupture_discussion_days": "14"},
        "attribute": {"name": "Age band", "options_text": "18-25\n26-40\n41-65"},
        "client_attributes": {f"attribute_{ids['attribute']}": "26-40", "consent": "on"},
        "erase": {"code": CLINIC_CLIENT[1]},
        "share_transcript": {"share": "1"},
        "transcript_settings": {"rules_language": "en"},
    }


# --- has anything changed? -----------------------------------------------------------------------


def project_models() -> list[Any]:
    """Every model of the product's own apps but the audit trail (reads are audited too) and the
    instrument definitions (loaded by a command, never by a route)."""
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("alliance.")
        and model._meta.app_label != "audit"
        and model._meta.label != "measures.Instrument"
    ]


def fingerprint() -> str:
    """Every row of every project table: equal fingerprints mean nothing was changed."""
    parts = []
    for model in project_models():
        rows = model._base_manager.order_by("pk").values_list()
        parts.append(f"{model._meta.label}:{list(rows)!r}")
    return "\n".join(parts)


def row_counts() -> list[tuple[str, int]]:
    """How many rows each project table has, in one query: the quick check for refusals that
    happen before any view code runs (sign-in required, no token, wrong method)."""
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT '{model._meta.db_table}', COUNT(*) FROM {quote(model._meta.db_table)}"  # noqa: S608
        for model in project_models()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(cursor.fetchall())
