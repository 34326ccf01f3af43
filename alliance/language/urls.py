from django.urls import path

from . import views

app_name = "language"
urlpatterns = [
    path("sessions/<id:pk>/transcript/upload/", views.upload, name="upload"),
    path("sessions/<id:pk>/transcript/", views.detail, name="detail"),
    path("sessions/<id:pk>/transcript/share/", views.share, name="share"),
    path("sessions/<id:pk>/transcript/delete/", views.delete, name="delete"),
    path("episodes/<id:pk>/language/", views.episode, name="episode"),
    path("practice/<id:pk>/language/", views.practice, name="practice"),
    path("org/transcripts/", views.organization_settings, name="settings"),
]
