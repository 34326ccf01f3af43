"""The one settings module of Alliance.

Every value that differs between a laptop, a test run and a clinic's server comes from an
environment variable read through the small typed helpers below. Each variable is documented in
docs/configuration.md. In production (ALLIANCE_ENV=production) the checks at the end refuse to
start with an unsafe value and say why: this product holds mental-health data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DEFAULT_SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105 - refused in production


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


# Under pytest the default is "test" (fast password hashing, plain static storage), so a bare
# `pytest` works as well as `make test`; an explicit ALLIANCE_ENV always wins.
ALLIANCE_ENV = env_str("ALLIANCE_ENV", "test" if "pytest" in sys.modules else "development")
if ALLIANCE_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"ALLIANCE_ENV must be development, production or test, not {ALLIANCE_ENV!r}"
    )
PRODUCTION = ALLIANCE_ENV == "production"

SECRET_KEY = env_str("ALLIANCE_SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("ALLIANCE_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLIANCE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("ALLIANCE_CSRF_TRUSTED_ORIGINS", [])
DATA_DIR = Path(env_str("ALLIANCE_DATA_DIR", str(PROJECT_DIR / "var")))

# The public address of this installation, used to build check-in links that are sent by email
# or shown as a QR code (requests are not always at hand, e.g. in background work).
SITE_URL = env_str("ALLIANCE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "alliance.accounts",
    "alliance.audit",
    "alliance.care",
    "alliance.measures",
    "alliance.checkins",
    "alliance.insights",
    "alliance.dashboard",
    "alliance.goals",
    "alliance.api",
    "alliance.rights",
    "alliance.wellbeing",
    "alliance.growth",
    "alliance.language",
    "alliance.jobs",
    "alliance.notifications",
]

MIDDLEWARE = [
    "alliance.audit.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML compression; why it is safe against BREACH is in docs/decisions.md.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page asks for sign-in unless its view says login_not_required: a new staff view is
    # protected even when its author forgets. The exempt ones are listed in docs/security.md.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "alliance.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "alliance.accounts.middleware.CurrentOrganizationMiddleware",
    "alliance.accounts.middleware.RequireTwoFactorMiddleware",
    "alliance.checkins.kiosk.KioskLockMiddleware",
    "alliance.insights.recompute.RetryPendingMiddleware",
]

ROOT_URLCONF = "alliance.urls"
WSGI_APPLICATION = "alliance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alliance.accounts.context_processors.organization",
                "alliance.notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# SQLite (WAL, immediate transactions so concurrent writers queue instead of failing) unless
# DATABASE_URL names another database, e.g. postgresql://user@host:5432/alliance.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "alliance.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("TEST", {"NAME": None})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A database cache is shared by every app server of a clinic, so login rate limits and lockouts
# hold across servers without another service to run.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "alliance_cache",
    }
}


# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ALLIANCE_ENV == "test":
    # Argon2 is deliberately slow; tests create many users. Production never takes this branch.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "alliance.accounts.adapters.ClinicAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("ALLIANCE_REAUTH_SECONDS", 300)
ACCOUNT_RATE_LIMITS = {
    # Per address here; per account in alliance.accounts.lockout (a pause, not a lockout).
    "login_failed": "5/5m/ip",
    "login": "30/m/ip",
    "reset_password": "5/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("ALLIANCE_MFA_ISSUER", "Alliance")
# Addresses are not verified by email in this product (ACCOUNT_EMAIL_VERIFICATION above: there
# is no sign-up; an admin creates or invites each account). allauth would otherwise refuse
# two-factor to anyone whose address it lists as unverified, which is everyone once they open
# the email page, with no way to verify (docs/decisions.md).
MFA_ALLOW_UNVERIFIED_EMAIL = True

# Automatic logoff (HIPAA 164.312(a)(2)(iii)): the session ends after this many idle seconds.
SESSION_COOKIE_AGE = env_int("ALLIANCE_IDLE_LOGOUT_SECONDS", 15 * 60)
# Not every request: alliance.accounts.middleware.IdleTimeoutMiddleware pushes the idle timeout
# back at most once a minute, so reading a page does not write the session row.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security headers ----------------------------------------------------------------------------
SECURE_COOKIES = env_bool("ALLIANCE_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("ALLIANCE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("ALLIANCE_SSL_REDIRECT", False)
# Proxies whose X-Forwarded-For is believed for the client's address (audit trail, rate limits).
TRUSTED_PROXIES = env_list("ALLIANCE_TRUSTED_PROXIES", [])
if env_bool("ALLIANCE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Email (check-in links) ---------------------------------------------------------------------
EMAIL_BACKEND = env_str("ALLIANCE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("ALLIANCE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ALLIANCE_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("ALLIANCE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("ALLIANCE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ALLIANCE_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("ALLIANCE_FROM_EMAIL", "Alliance <alliance@localhost>")

# --- Check-ins ----------------------------------------------------------------------------------
CHECKIN_LINK_HOURS = env_int("ALLIANCE_CHECKIN_LINK_HOURS", 72)
# Failed check-in link attempts allowed per IP address and minute before a friendly 429 page.
CHECKIN_FAILED_ATTEMPTS_PER_MINUTE = env_int("ALLIANCE_CHECKIN_FAILED_ATTEMPTS_PER_MINUTE", 20)
# Text messages (alliance/checkins/sms.py): a class with send(to, text). The console backend
# writes them to the log; HttpGatewaySmsBackend is the documented example for an HTTP gateway.
SMS_BACKEND = env_str("ALLIANCE_SMS_BACKEND", "alliance.checkins.sms.ConsoleSmsBackend")
SMS_GATEWAY_URL = env_str("ALLIANCE_SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_str("ALLIANCE_SMS_GATEWAY_TOKEN", "")
SMS_SENDER = env_str("ALLIANCE_SMS_SENDER", "Alliance")
# The demo clinic (`alliance demo`): its session of today sends its check-in this many minutes
# after the start instead of at the session's end, so a visitor sees a link go out by itself.
DEMO_SEND_AFTER_START_MINUTES = env_int("ALLIANCE_DEMO_SEND_AFTER_START_MINUTES", 2)
# Office tablet mode: back to the neutral screen after this many seconds without a touch.
KIOSK_IDLE_SECONDS = env_int("ALLIANCE_KIOSK_IDLE_SECONDS", 90)
# The tablet's thank-you screen after a risk answer stays this long, so the crisis information
# can be read before the tablet goes back to the neutral screen.
KIOSK_CRISIS_SECONDS = env_int("ALLIANCE_KIOSK_CRISIS_SECONDS", 90)

# --- Interoperability: API, FHIR, research export, webhooks (docs/configuration.md) ----------
API_REQUESTS_PER_MINUTE = env_int("ALLIANCE_API_REQUESTS_PER_MINUTE", 120)
EXPORT_PSEUDONYM_KEY = env_str("ALLIANCE_EXPORT_PSEUDONYM_KEY", "")
EXPORT_MIN_CELL = env_int("ALLIANCE_EXPORT_MIN_CELL", 5)
# How long a research export built by the worker can be downloaded before its file is removed.
EXPORT_KEEP_HOURS = env_int("ALLIANCE_EXPORT_KEEP_HOURS", 24)
WEBHOOK_MAX_ATTEMPTS = env_int("ALLIANCE_WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_RETRY_BASE_SECONDS = env_int("ALLIANCE_WEBHOOK_RETRY_BASE_SECONDS", 30)
# Retry pending alert recomputes after requests (insights/pending.py). Off in tests, where a
# retry at a random moment would make other tests' expectations depend on timing.
RETRY_PENDING_ON_REQUEST = env_bool("ALLIANCE_RETRY_PENDING_ON_REQUEST", ALLIANCE_ENV != "test")
WEBHOOK_ALLOW_LOOPBACK_HTTP = env_bool("ALLIANCE_WEBHOOK_ALLOW_LOOPBACK_HTTP", False)
# Webhooks to addresses that are not globally routable (SSRF guard); off by default.
WEBHOOK_ALLOW_PRIVATE = env_bool("ALLIANCE_WEBHOOKS_ALLOW_PRIVATE", False)

# --- Background jobs (docs/deployment.md, alliance/jobs) --------------------------------------
# Jobs are rows in the database; `alliance worker` runs them. Tests run jobs at once (the
# immediate backend) unless a test is about the worker itself and switches to the database.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if env_bool("ALLIANCE_JOBS_AT_ONCE", ALLIANCE_ENV == "test")
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# How often a failed job is tried in all, and the first wait; each wait doubles, up to an hour.
JOB_MAX_ATTEMPTS = env_int("ALLIANCE_JOB_MAX_ATTEMPTS", 6)
JOB_RETRY_BASE_SECONDS = env_int("ALLIANCE_JOB_RETRY_BASE_SECONDS", 10)
# A job still "running" this long after it started belonged to a worker that died: every worker
# puts it back in the queue, at start and then every so often (docs/deployment.md). The same
# time lets a job take over an email or delivery a dead worker had claimed (jobs/effects.py).
# ALLIANCE_JOB_STALE_MINUTES, the older name, is still read.
JOB_STALE_SECONDS = env_int(
    "ALLIANCE_JOB_STALE_SECONDS", 60 * env_int("ALLIANCE_JOB_STALE_MINUTES", 30)
)
# How often each worker looks at the schedule of periodic work (jobs/schedule.py); no periodic
# function runs more often than this.
JOB_SCHEDULE_TICK_SECONDS = env_int("ALLIANCE_JOB_SCHEDULE_TICK_SECONDS", 5)
# Finished jobs, started schedule slots and done effects are deleted after this many days.
JOB_KEEP_DAYS = env_int("ALLIANCE_JOB_KEEP_DAYS", 30)

# --- Session language review (docs/language.md) ------------------------------------------------
# Where `alliance language train` finds the AnnoMI files; the corpus itself is never shipped.
LANGUAGE_TRAINING_DATA = env_str(
    "ALLIANCE_LANGUAGE_TRAINING_DATA", str(PROJECT_DIR.parent / "shared" / "data" / "annomi")
)
# Fernet keys (comma-separated, newest first, so an old key can still decrypt during rotation)
# for transcripts kept encrypted at rest. Without a key no organization can choose to keep text.
TRANSCRIPT_KEYS = env_list("ALLIANCE_TRANSCRIPT_KEYS", [])


def _is_fernet_key(key: str) -> bool:
    import base64
    import binascii

    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (binascii.Error, ValueError):
        return False


if not all(_is_fernet_key(key) for key in TRANSCRIPT_KEYS):
    raise ImproperlyConfigured(
        "ALLIANCE_TRANSCRIPT_KEYS must hold Fernet keys (44 URL-safe base64 characters, "
        "comma-separated); `alliance language newkey` prints one."
    )
TRANSCRIPT_MAX_BYTES = env_int("ALLIANCE_TRANSCRIPT_MAX_BYTES", 2_000_000)

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Client pages are complete in every language here (tests/checkins/test_translations.py); staff
# pages are complete in English and German and fall back to English elsewhere.
LANGUAGES = [("en", _("English")), ("de", _("German")), ("es", _("Spanish")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("ALLIANCE_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("ALLIANCE_STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if ALLIANCE_ENV == "test":
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = ALLIANCE_ENV != "production"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "mask_tokens": {"()": "alliance.log_privacy.MaskTokens"},
        "no_traceback_for_refusals": {"()": "alliance.log_privacy.NoTracebackForRefusals"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_traceback_for_refusals", "mask_tokens"],
        }
    },
    "loggers": {
        name: {"filters": ["no_traceback_for_refusals"]}
        for name in ("django.request", "django.security")
    },
    "root": {"handlers": ["console"], "level": env_str("ALLIANCE_LOG_LEVEL", "WARNING")},
}


def production_problems() -> list[str]:
    """What makes this configuration unsafe to serve real client data; empty when it is safe."""
    problems = []
    if DEBUG:
        problems.append("ALLIANCE_DEBUG is on: it shows internals and data in error pages.")
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 40:
        problems.append(
            "ALLIANCE_SECRET_KEY is the default or shorter than 40 characters: sessions and "
            "links could be forged."
        )
    if not (SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE):
        problems.append(
            "ALLIANCE_SECURE_COOKIES is off: session cookies would travel without HTTPS."
        )
    if not SITE_URL.startswith("https://"):
        problems.append(
            "ALLIANCE_SITE_URL is not https://: check-in links and QR codes would carry their "
            "secret token in the clear."
        )
    if SECURE_HSTS_SECONDS <= 0:
        problems.append("ALLIANCE_HSTS_SECONDS is 0: browsers would not be held to HTTPS.")
    return problems


if PRODUCTION and production_problems():
    raise ImproperlyConfigured(
        "Alliance refuses to start in production:\n- " + "\n- ".join(production_problems())
    )
