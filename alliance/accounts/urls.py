from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("switch/", views.switch_organization, name="switch"),
    path("members/", views.members, name="members"),
    path("members/<id:user_pk>/roles/", views.add_role, name="add_role"),
    path("roles/<id:membership_pk>/remove/", views.remove_role, name="remove_role"),
    path("supervision/", views.add_supervision, name="add_supervision"),
    path("supervision/<id:pk>/remove/", views.remove_supervision, name="remove_supervision"),
    path("settings/", views.organization_settings, name="settings"),
    path("client-safety/", views.client_safety, name="client_safety"),
    path("invitations/<id:pk>/<str:answer>/", views.answer_invitation, name="answer_invitation"),
]
