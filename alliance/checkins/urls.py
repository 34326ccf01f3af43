from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import kiosk_views, sending_views, views

app_name = "checkins"
urlpatterns = [
    # Clients: no sign-in (the link's token is the key); /c/ is exempt from the two-factor
    # middleware too.
    path("c/<str:token>/", login_not_required(views.client_checkin), name="client"),
    path("c/<str:token>/done/", login_not_required(views.client_done), name="client_done"),
    path(
        "c/<str:token>/language/",
        login_not_required(views.client_language_choice),
        name="client_language",
    ),
    # Staff, around a session.
    path("sessions/<id:pk>/checkins/new/", views.create_link, name="create_link"),
    path("sessions/<id:pk>/checkins/<id:request_pk>/email/", views.send_email, name="email"),
    path("sessions/<id:pk>/checkins/<id:request_pk>/cancel/", views.cancel_link, name="cancel"),
    path("sessions/<id:pk>/checkins/rate/", views.rate_session, name="rate"),
    path("sessions/<id:pk>/checkins/paper/<id:participant_pk>/", views.paper_entry, name="paper"),
    path("responses/<id:pk>/fhir.json", views.response_fhir, name="response_fhir"),
    path("episodes/<id:pk>/plan/", views.episode_plan, name="episode_plan"),
    path("org/checkin-plan/", views.clinic_plan, name="clinic_plan"),
    # Links that go out by themselves: per episode and client, and the organization's rules.
    path("episodes/<id:pk>/sending/", sending_views.episode_sending, name="episode_sending"),
    path("org/sending/", sending_views.organization_sending, name="org_sending"),
    # Office tablet mode.
    path("kiosk/", kiosk_views.kiosk_home, name="kiosk"),
    path("kiosk/ready/", kiosk_views.kiosk_ready, name="kiosk_ready"),
    path("kiosk/next/", kiosk_views.kiosk_next, name="kiosk_next"),
    path("kiosk/checkin/", kiosk_views.kiosk_checkin, name="kiosk_checkin"),
    path("kiosk/end/", kiosk_views.kiosk_end, name="kiosk_end"),
]
