from django.urls import path

from . import views

app_name = "wellbeing"
urlpatterns = [
    path("me/wellbeing/", views.wellbeing_page, name="home"),
    path("me/wellbeing/trend.svg", views.trend_svg, name="trend_svg"),
    path("me/wellbeing/checks/<id:pk>/", views.check_page, name="check"),
    path("me/wellbeing/checks/<id:pk>/share/", views.check_share, name="check_share"),
    path("me/wellbeing/checks/<id:pk>/delete/", views.check_delete, name="check_delete"),
    path("me/journal/", views.journal_page, name="journal"),
    path("me/journal/new/", views.entry_new, name="entry_new"),
    path("me/journal/<id:pk>/", views.entry_page, name="entry"),
    path("me/journal/<id:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("me/journal/<id:pk>/share/", views.entry_share, name="entry_share"),
    path("me/journal/<id:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("me/shared/", views.shared_page, name="shared"),
    path("me/shared/journal/<id:pk>/", views.shared_entry, name="shared_entry"),
    path("me/shared/checks/<id:pk>/", views.shared_check, name="shared_check"),
]
