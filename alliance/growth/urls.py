from django.urls import path

from . import views

app_name = "growth"
urlpatterns = [
    path("patterns/", views.my_patterns, name="my_patterns"),
    path("patterns/<id:pk>/", views.therapist_patterns, name="patterns"),
    path("practice/", views.practice_list, name="practice_list"),
    path("practice/<id:pk>/", views.practice_detail, name="practice"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/<id:pk>/notes/", views.supervision_note, name="supervision_note"),
    path("supervision/<id:pk>/alerts/", views.supervisee_alerts, name="supervisee_alerts"),
    path("organization/", views.organization, name="organization"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/attributes/<id:pk>/", views.attribute_edit, name="attribute_edit"),
    path("clients/<id:pk>/attributes/", views.client_attributes, name="client_attributes"),
]
