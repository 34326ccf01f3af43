from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("clients/", views.client_list, name="clients"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<id:pk>/", views.client_detail, name="client"),
    path("clients/<id:pk>/edit/", views.client_edit, name="client_edit"),
    path("episodes/new/", views.episode_create, name="episode_create"),
    path("episodes/<id:pk>/", views.episode_detail, name="episode"),
    path("episodes/<id:pk>/settings/", views.episode_settings, name="episode_settings"),
    path("episodes/<id:pk>/edit/", views.episode_edit, name="episode_edit"),
    path("episodes/<id:pk>/status/<str:status>/", views.episode_status, name="episode_status"),
    path(
        "episodes/<id:pk>/participants/client/",
        views.participant_add,
        {"kind": "client"},
        name="participant_add_client",
    ),
    path(
        "episodes/<id:pk>/participants/staff/",
        views.participant_add,
        {"kind": "staff"},
        name="participant_add_staff",
    ),
    path(
        "episodes/<id:pk>/participants/<id:participant_pk>/leave/",
        views.participant_leave,
        name="participant_leave",
    ),
    path("episodes/<id:pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<id:pk>/", views.session_detail, name="session"),
]
