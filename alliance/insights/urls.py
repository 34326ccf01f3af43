from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("alerts/<id:pk>/", views.alert_action, name="alert_action"),
    path("org/prompts/", views.prompt_library, name="prompts"),
    path("org/prompts/<id:pk>/", views.prompt_edit, name="prompt_edit"),
    path("org/prompts/copy/<str:kind>/", views.prompt_copy_seeds, name="prompt_copy"),
    path("org/thresholds/", views.thresholds, name="thresholds"),
    path("org/thresholds/recompute/", views.recompute_history, name="recompute_history"),
    path("episodes/<id:pk>/charts/<slug:name>.svg", views.chart_svg, name="chart_svg"),
]
