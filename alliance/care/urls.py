from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("clients/", views.client_list, name="clients"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:pk>/", views.client_detail, name="client"),
    path("clients/<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("episodes/new/", views.episode_create, name="episode_create"),
    path("episodes/<int:pk>/", views.episode_detail, name="episode"),
    path("episodes/<int:pk>/edit/", views.episode_edit, name="episode_edit"),
    path("episodes/<int:pk>/status/<str:status>/", views.episode_status, name="episode_status"),
    path(
        "episodes/<int:pk>/participants/client/",
        views.participant_add,
        {"kind": "client"},
        name="participant_add_client",
    ),
    path(
        "episodes/<int:pk>/participants/staff/",
        views.participant_add,
        {"kind": "staff"},
        name="participant_add_staff",
    ),
    path(
        "episodes/<int:pk>/participants/<int:participant_pk>/leave/",
        views.participant_leave,
        name="participant_leave",
    ),
    path("episodes/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
]
