from django.urls import path

from . import views

app_name = "rights"
urlpatterns = [
    path("clients/<id:pk>/export/", views.client_export, name="export"),
    path("clients/<id:pk>/erase/", views.client_erase, name="erase"),
]
