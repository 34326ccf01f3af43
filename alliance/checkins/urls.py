from django.urls import path

from . import views

app_name = "checkins"
urlpatterns = [
    # Clients: no sign-in; /c/ is exempt from the two-factor middleware.
    path("c/<str:token>/", views.client_checkin, name="client"),
    path("c/<str:token>/done/", views.client_done, name="client_done"),
    # Staff, around a session.
    path("sessions/<int:pk>/checkins/new/", views.create_link, name="create_link"),
    path("sessions/<int:pk>/checkins/<int:request_pk>/email/", views.send_email, name="email"),
    path("sessions/<int:pk>/checkins/<int:request_pk>/cancel/", views.cancel_link, name="cancel"),
    path("sessions/<int:pk>/checkins/rate/", views.rate_session, name="rate"),
    path("sessions/<int:pk>/checkins/paper/<int:participant_pk>/", views.paper_entry, name="paper"),
    path("responses/<int:pk>/fhir.json", views.response_fhir, name="response_fhir"),
    path("episodes/<int:pk>/plan/", views.episode_plan, name="episode_plan"),
    path("org/checkin-plan/", views.clinic_plan, name="clinic_plan"),
]
