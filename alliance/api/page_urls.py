from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("integrations/", views.integrations, name="integrations"),
    path("integrations/tokens/<id:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("integrations/webhooks/", views.add_webhook, name="add_webhook"),
    path("integrations/webhooks/<id:pk>/toggle/", views.toggle_webhook, name="toggle_webhook"),
    path("research-export/", views.research_export, name="research_export"),
    path(
        "research-export/<id:pk>/download/",
        views.research_export_download,
        name="research_export_download",
    ),
]
