"""Work that moved onto the worker: wellbeing reminders, the recompute over all history, and how
the Jobs page names each job and its error."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alliance.jobs import clock
from alliance.wellbeing import jobs as wellbeing_jobs
from alliance.wellbeing import services as wellbeing
from alliance.wellbeing.models import WellbeingSettings
from tests.jobs.conftest import rows, work


def test_a_due_wellbeing_reminder_is_queued_under_the_organization_and_sent_once(
    queue: None, clinic: Any
) -> None:
    wellbeing.set_reminder(clinic.therapist, "weekly")
    # The scan runs twice before any worker gets to the queue (two slots, a slow queue).
    assert wellbeing_jobs.queue_wellbeing_reminders() == "1 reminder(s) queued"
    assert wellbeing_jobs.queue_wellbeing_reminders() == "1 reminder(s) queued"
    first, second = rows()
    assert first.args_kwargs["kwargs"]["organization_id"] == clinic.org.pk
    work()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["tess@northside.test"]
    assert {r.return_value for r in rows()} == {"sent", "already sent or no longer due"}
    assert WellbeingSettings.objects.get(person=clinic.therapist).last_reminded_at is not None
    assert wellbeing_jobs.queue_wellbeing_reminders() == "0 reminder(s) queued"


def test_apply_to_all_history_queues_the_recompute_and_the_worker_runs_it(
    queue: None, clinic: Any
) -> None:
    http = clinic.login("admin")
    response = http.post("/org/thresholds/recompute/", follow=True)
    assert "being recomputed in the background" in response.content.decode()
    (job,) = rows()
    assert job.args_kwargs["kwargs"] == {"organization_id": clinic.org.pk}
    work()
    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert job.return_value.startswith("1 episodes, ")
    page = http.get("/org/jobs/").content.decode()
    assert "Alert recompute over all history" in page


def test_the_jobs_page_names_moved_jobs_and_shows_their_error(
    queue: None, clinic: Any, settings: Any
) -> None:
    clinic.client.email = "alex@example.test"
    clinic.client.save()
    html = clinic.login("therapist").post(
        f"/sessions/{clinic.session.pk}/checkins/new/",
        {"participant": clinic.episode.participants.get(client=clinic.client).pk},
    )
    token = html.content.decode().split('name="token" value="')[1].split('"')[0]
    checkin = clinic.session.checkin_requests.get()
    clinic.login("therapist").post(
        f"/sessions/{clinic.session.pk}/checkins/{checkin.pk}/email/", {"token": token}
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    work()
    page = clinic.login("admin").get("/org/jobs/").content.decode()
    assert "Check-in link email" in page
    assert "ConnectionRefusedError" in page  # the error's own line, not the code path
    assert "will be tried again" in page
    assert token not in page
    # The scheduled work is listed with its period.
    clock.start_due(worker_id="w")
    work()
    page = clinic.login("admin").get("/org/jobs/").content.decode()
    assert "Overdue check-in links marked expired" in page and "15 min" in page
    assert "Wellbeing self-check reminders that are due, queued" in page
    assert DBTaskResult.objects.filter(task_path="alliance.jobs.clock.run_periodic").exists()


def test_the_other_clinics_admin_sees_none_of_it(queue: None, clinic: Any) -> None:
    clinic.login("admin").post("/org/thresholds/recompute/")
    page = clinic.login("outsider").get("/org/jobs/").content.decode()
    assert "Alert recompute over all history" not in page
