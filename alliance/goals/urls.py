from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import views

app_name = "goals"
urlpatterns = [
    path("episodes/<id:pk>/plan/goals/", views.plan_page, name="plan"),
    path("episodes/<id:pk>/plan/goals/print/", views.plan_print, name="print"),
    path("episodes/<id:pk>/plan/goals/plan.pdf", views.plan_pdf, name="pdf"),
    path(
        "episodes/<id:pk>/plan/goals/proposals/<id:proposal_pk>/<str:decision>/",
        views.decide_proposal,
        name="decide",
    ),
    # Clients, through their check-in link: no sign-in, and /c/ is exempt from the two-factor
    # middleware.
    path("c/<str:token>/goals/", login_not_required(views.client_review), name="client_review"),
    path(
        "c/<str:token>/preferences/",
        login_not_required(views.client_preferences),
        name="client_preferences",
    ),
    path("c/<str:token>/agenda/", login_not_required(views.client_agenda), name="client_agenda"),
]
