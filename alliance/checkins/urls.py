from django.urls import path

app_name = "checkins"
urlpatterns: list = []
