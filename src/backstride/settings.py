"""Backstride settings: one module, driven by environment variables.

SQLite (WAL) by default; PostgreSQL with ``DATABASE_URL``. Secrets may also come from
``<NAME>_FILE``. See the README's configuration table for every variable.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from backstride.lib.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("BACKSTRIDE_VAR_DIR", PROJECT_DIR / "var"))


def env(name: str, default: str = "") -> str:
    """Read a setting from the environment, or from the file named by ``<NAME>_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")


def _local_secret_key() -> str:
    """Development only: a key generated once into ``var/`` and kept outside git."""
    key_file = VAR_DIR / ".secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


# var/ holds the SQLite database, the local secret key and uploads: make it on first start,
# in production too (`DEBUG=0 backstride migrate` on a fresh install).
VAR_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = env("SECRET_KEY") or (_local_secret_key() if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off Backstride refuses to start without one: set "
        "SECRET_KEY (or SECRET_KEY_FILE) to a long random string, e.g. the output of "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{env('PORT', '8000')}").rstrip("/")
SITE_NAME = env("SITE_NAME", "Backstride")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves Swagger UI from its own static files (no CDN, no inline script)
    "backstride.accounts",
    "backstride.web",
    "backstride.rehab",
    "backstride.activities",
    "backstride.running",
    "backstride.publication",
    "backstride.newsletter",
    "backstride.formcheck",
    "backstride.privacy",
    "backstride.clinic",
    "backstride.api",
]

MIDDLEWARE = [
    "backstride.web.middleware.RequestIdMiddleware",
    "backstride.web.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "backstride.web.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "backstride.accounts.middleware.RequireTwoFactorMiddleware",
    "backstride.accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backstride.urls"
WSGI_APPLICATION = "backstride.wsgi.application"

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
                "backstride.web.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        " PRAGMA foreign_keys=ON;"
    ),
}
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "backstride.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:home"
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3
# How long a clinician/athlete invitation link works (days); sending it again starts afresh.
INVITE_MAX_AGE_DAYS = max(1, int(env("INVITE_MAX_AGE_DAYS", "14")))
# Two-factor is required for staff-like roles whenever DEBUG is off.
REQUIRE_2FA_FOR_STAFF = env_bool("REQUIRE_2FA_FOR_STAFF", not DEBUG)
OTP_TOTP_ISSUER = SITE_NAME
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# Lock out an address whatever its spelling (case, spaces): the same normalisation as login.
AXES_USERNAME_CALLABLE = "backstride.accounts.identity.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
DEMO_PASSWORD = "backstride-demo"  # noqa: S105 — demo only; refused when DEBUG is off

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True


def _require_scale_extra(what: str, module: str) -> None:
    """Redis and RQ are an optional extra: say how to install it rather than fail later."""
    if importlib.util.find_spec(module) is None:
        raise ImproperlyConfigured(
            f"{what} needs the scale-out packages, which are not installed: "
            "pip install -r requirements/scale.lock (or pip install 'backstride[scale]')."
        )


# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Media on S3-compatible storage (AWS, MinIO, Garage, moto in tests) for several app hosts
# and workers: MEDIA_STORAGE=s3 with S3_BUCKET, S3_ENDPOINT_URL (empty for AWS), S3_REGION
# and the keys (each also as *_FILE). Needs the scale extra (django-storages, boto3).
MEDIA_STORAGE = env("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    _require_scale_extra("MEDIA_STORAGE=s3", "storages")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION", "us-east-1"),
            "access_key": env("S3_ACCESS_KEY_ID"),
            "secret_key": env("S3_SECRET_ACCESS_KEY"),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 3600,
        },
    }
    if not env("S3_BUCKET"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET.")
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured("MEDIA_STORAGE must be filesystem or s3.")
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640


# --- Email ---------------------------------------------------------------------
def email_settings(url: str) -> dict[str, Any]:
    """Django's email settings from ``EMAIL_URL``.

    Our own parser (docs/decisions.md): dj-email-url and django-environ both turn
    ``smtps://`` into STARTTLS, while RFC 8314 ``smtps`` is TLS from the first byte (port
    465). ``submission://`` is STARTTLS (587); ``?starttls`` adds STARTTLS to ``smtp://``.
    """
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parsed = urlparse(url)
    query = parse_qs(parsed.query, keep_blank_values=True)
    if parsed.scheme in {"smtp", "smtps", "submission"}:
        default_port = {"smtp": 25, "smtps": 465, "submission": 587}[parsed.scheme]
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "127.0.0.1",
            "EMAIL_PORT": parsed.port or default_port,
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": parsed.scheme == "submission" or "starttls" in query,
            "EMAIL_TIMEOUT": 20,
        }
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "anymail" and parsed.hostname:
        return {"EMAIL_BACKEND": f"anymail.backends.{parsed.hostname}.EmailBackend"}
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {parsed.scheme!r} is not supported: use smtp://, smtps://, "
        "submission://, console:// or anymail://<provider>."
    )


_email = email_settings(env("EMAIL_URL"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <hello@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL: dict[str, str] = {}

# --- Tasks ----------------------------------------------------------------------
TASKS_BACKEND = env("TASKS_BACKEND", "database")
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")


if TASKS_BACKEND == "rq":
    _require_scale_extra("TASKS_BACKEND=rq", "django_tasks_rq")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default"],
        }
    }
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
WORKER_HEARTBEAT_MAX_AGE = int(env("WORKER_HEARTBEAT_MAX_AGE", "120"))
# RQ: how often an idle worker wakes for its upkeep, which is also when it takes over the
# scheduler (deferred jobs: the Sunday publish, reminders) from a worker that died holding
# it. RQ's own default is 10 minutes; the dead worker's lock lasts another 61 s on its own.
RQ_UPKEEP_SECONDS = max(1, int(env("RQ_UPKEEP_SECONDS", "30")))

# --- Domain options ----------------------------------------------------------------
MB = 1024 * 1024
# Uploads of activity files: the whole request, each file (also once unpacked from a zip
# or gzip), and how many files one upload may hold.
ACTIVITIES_MAX_UPLOAD_BYTES = int(env("ACTIVITIES_MAX_UPLOAD_BYTES", str(512 * MB)))
ACTIVITIES_MAX_FILE_BYTES = int(env("ACTIVITIES_MAX_FILE_BYTES", str(64 * MB)))
ACTIVITIES_MAX_UPLOAD_FILES = int(env("ACTIVITIES_MAX_UPLOAD_FILES", "50"))
# An import whose worker died: its claim goes stale when not renewed for this long (a live
# import renews it every 5 s), and an upload still waiting this long has lost its job. The
# workers look for both every minute and queue them again (exactly once: the claim decides).
IMPORT_STALE_CLAIM_SECONDS = max(10, int(env("IMPORT_STALE_CLAIM_SECONDS", "300")))
IMPORT_LOST_JOB_SECONDS = max(10, int(env("IMPORT_LOST_JOB_SECONDS", "600")))
# The Python of the pose estimator's own virtualenv (it keeps its own numpy < 2 pins).
POSE_PYTHON = env("POSE_PYTHON", str(PROJECT_DIR / ".venv-pose" / "bin" / "python"))
# Running-form check: the largest video accepted, in MB (clips are 5–30 seconds).
FORM_MAX_UPLOAD_MB = max(1, int(env("FORM_MAX_UPLOAD_MB", "200")))
# Podcast audio and article images uploaded in the editor.
PUBLICATION_MAX_AUDIO_BYTES = int(env("PUBLICATION_MAX_AUDIO_BYTES", str(200 * MB)))
PUBLICATION_MAX_IMAGE_BYTES = int(env("PUBLICATION_MAX_IMAGE_BYTES", str(8 * MB)))
# Hand audio bytes to nginx with X-Accel-Redirect under this internal prefix (docs/publication.md).
PUBLICATION_X_ACCEL_REDIRECT = env("PUBLICATION_X_ACCEL_REDIRECT", "")
# The default publishing slot: weekday (Monday 0 … Sunday 6) and hour, in TIME_ZONE.
PUBLICATION_PUBLISH_WEEKDAY = int(env("PUBLICATION_PUBLISH_WEEKDAY", "6"))
PUBLICATION_PUBLISH_HOUR = int(env("PUBLICATION_PUBLISH_HOUR", "7"))
# Related articles: "tfidf" (built in) or "semantic" (the optional `semantic` extra).
RELATED_BACKEND = env("RELATED_BACKEND", "tfidf")
# Newsletter: link lifetimes, sending batches and retries, signup rate limits.
NEWSLETTER_CONFIRM_MAX_AGE = int(env("NEWSLETTER_CONFIRM_MAX_AGE", str(7 * 24 * 3600)))
NEWSLETTER_MANUAL_LINK_MAX_AGE = int(env("NEWSLETTER_MANUAL_LINK_MAX_AGE", str(30 * 24 * 3600)))
NEWSLETTER_BATCH_SIZE = max(1, int(env("NEWSLETTER_BATCH_SIZE", "500")))
NEWSLETTER_LEASE_SECONDS = max(1, int(env("NEWSLETTER_LEASE_SECONDS", "300")))
NEWSLETTER_MAX_ATTEMPTS = max(1, int(env("NEWSLETTER_MAX_ATTEMPTS", "8")))
NEWSLETTER_BACKOFF_BASE = max(1, int(env("NEWSLETTER_BACKOFF_BASE", "30")))
NEWSLETTER_BACKOFF_CAP = max(1, int(env("NEWSLETTER_BACKOFF_CAP", "3600")))
NEWSLETTER_ADDRESS_LIMIT = int(env("NEWSLETTER_ADDRESS_LIMIT", "3"))
NEWSLETTER_ADDRESS_WINDOW = int(env("NEWSLETTER_ADDRESS_WINDOW", str(24 * 3600)))
NEWSLETTER_IP_LIMIT = int(env("NEWSLETTER_IP_LIMIT", "10"))
NEWSLETTER_IP_WINDOW = int(env("NEWSLETTER_IP_WINDOW", "3600"))
# mailto: of List-Unsubscribe; empty means unsubscribe@<the sender's domain>.
NEWSLETTER_UNSUBSCRIBE_MAILTO = env("NEWSLETTER_UNSUBSCRIBE_MAILTO", "")

# Data exports: how long the download link (and the zip behind it) lasts, in hours.
EXPORT_LINK_MAX_AGE_HOURS = max(1, int(env("EXPORT_LINK_MAX_AGE_HOURS", "24")))

# --- Cache ---------------------------------------------------------------------
if env("CACHE_URL", "").startswith("redis"):
    _require_scale_extra("CACHE_URL=redis://…", "redis")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Security ----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only our own scripts, styles and media; no inline
# script or style anywhere in the pages (email templates are not pages).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page uses (Permissions-Policy header, backstride.web.middleware).
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "magnetometer=(), gyroscope=(), accelerometer=()"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Trust X-Forwarded-Proto only when the operator says a TLS-terminating proxy is in front
# and overwrites that header (docs/deploy.md); otherwise any client could claim HTTPS.
TRUST_X_FORWARDED_PROTO = env_bool("TRUST_X_FORWARDED_PROTO")
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preload is a domain-wide opt-in that is hard to undo: the operator's choice
        # (SECURE_HSTS_PRELOAD=1), so `check --deploy` does not nag about it.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Operations: logs, request ids, metrics, backups ---------------------------------
# One JSON object per line (with the request id) in production; readable text with DEBUG.
LOG_FORMAT = env("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {LOG_FORMAT!r}.")
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", "WARNING"), env("LOG_LEVEL", "INFO"))
# Take the request id from X-Request-ID only when a proxy in front sets it (else a new one).
TRUST_X_REQUEST_ID = env_bool("TRUST_X_REQUEST_ID")
# Prometheus metrics at /metrics: off unless asked for, then only for the bearer token or
# the listed client addresses/networks (docs/deploy.md).
METRICS_ENABLED = env_bool("METRICS_ENABLED")
METRICS_TOKEN = env("METRICS_TOKEN")
METRICS_ALLOWED_IPS = [a.strip() for a in env("METRICS_ALLOWED_IPS").split(",") if a.strip()]
# Where `backstride backup` writes its archives unless told --output.
BACKUP_DIR = Path(env("BACKUP_DIR", str(VAR_DIR / "backups")))
