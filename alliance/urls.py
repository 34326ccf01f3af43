from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from alliance.converters import IdConverter
from alliance.dashboard.views import healthz

register_converter(IdConverter, "id")

urlpatterns = [
    path("", include("alliance.dashboard.urls")),
    path("healthz", login_not_required(healthz), name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("org/jobs/", include("alliance.jobs.urls")),
    path("", include("alliance.notifications.urls")),
    path("org/", include("alliance.accounts.urls")),
    path("audit/", include("alliance.audit.urls")),
    path("", include("alliance.care.urls")),
    path("", include("alliance.checkins.urls")),
    path("", include("alliance.insights.urls")),
    path("", include("alliance.goals.urls")),
    path("", include("alliance.api.urls")),
    path("", include("alliance.rights.urls")),
    path("", include("alliance.wellbeing.urls")),
    path("growth/", include("alliance.growth.urls")),
    path("", include("alliance.language.urls")),
    # Choosing a language is for everyone, signed in or not.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
# The Django admin is for operators (is_staff accounts only); clinic admins use the product's pages.
# Its own login would skip two-factor and the rate limits, so it goes through allauth's.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
urlpatterns.append(path("operator/", admin.site.urls))
