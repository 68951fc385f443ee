"""PicHosting settings.

Every value comes from the environment (or `.env`) through django-environ and has a safe default for the
embedded run: SQLite under `var/`, files under `var/media/`. `env.example` lists each one with a comment.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import environ
from boto3.s3.transfer import TransferConfig
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from pichosting import environment

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

INSECURE_SECRET_KEYS = frozenset({"", "change-me", "django-insecure-change-me"})
SECRET_KEY = env.str("SECRET_KEY", default="")
SECRET_KEY_FILE = (
    VAR_DIR / "secret_key"
)  # what `make run` generates; core.W001 warns when a deployment uses it
DOMAIN = env.str("DOMAIN", default="")
if SECRET_KEY in INSECURE_SECRET_KEYS or len(SECRET_KEY) < 32:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or is a known default. Set SECRET_KEY to a long random value "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for a throw-away development run."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

# DOMAIN (a deployment's public host) derives these three unless each is set (pichosting.environment);
# PUBLIC_BASE_URL empty (no DOMAIN): links are made from the address each request came to.
PUBLIC_BASE_URL = environment.public_base_url(env)
ALLOWED_HOSTS = environment.allowed_hosts(env, PUBLIC_BASE_URL)
CSRF_TRUSTED_ORIGINS = environment.csrf_trusted_origins(env, PUBLIC_BASE_URL)

INSTALLED_APPS = [
    "pichosting.apps.PicHostingAdminConfig",  # django.contrib.admin with the appadmin-only site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "core",
    "uploads",  # before django_tasks_db: its `db_worker` first takes over jobs whose worker died
    "django_tasks",
    "pichosting.apps.BackgroundTasksConfig",  # django_tasks_db, its admin section translated
    "imagekit",
    "gallery",
    "accounts",
    "exports",
    "operations",
    "django_prometheus",
    "axes",  # counts failed password sign-ins (its AccessAttempt table) and refuses them past the limit
]

MIDDLEWARE = [
    "pichosting.middleware.server_timing",  # only with SERVER_TIMING on (benchmarks)
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pichosting.middleware.ConditionalGet",  # ETag on every GET answer, 304 on If-None-Match
    "pichosting.middleware.api_errors_json",  # every /api/ error in the API's JSON shape
    "pichosting.middleware.nul_refusing",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.OidcSessionRefresh",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # leaves a response's own policy alone (file responses: sandbox)
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a refused (locked-out) sign-in into the lockout page
]

ROOT_URLCONF = "pichosting.urls"
WSGI_APPLICATION = "pichosting.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.capabilities",
            ],
            "libraries": {"admin_counts": "core.admin_counts"},  # admin/pagination.html's plurals
        },
    },
]

DATABASES = {"default": environment.database_config(env, str(VAR_DIR / "db.sqlite3"))}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out sign-in is refused before any password check
    "accounts.backends.RoleBackend",
    "accounts.backends.KeycloakBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"
LOCAL_LOGIN = env.bool("LOCAL_LOGIN", default=True)

# Login throttling (django-axes, docs/sign-in.md): after LOGIN_FAILURE_LIMIT failed password sign-ins for one
# username, or from one address, further attempts are refused (429, the password is not even checked) for
# LOGIN_LOCKOUT_MINUTES; a successful sign-in clears the count. Keycloak sign-ins are not counted or refused.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.services.client_ip"  # the address the action log records
AXES_WHITELIST_CALLABLE = "accounts.backends.not_a_password_attempt"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the action log already
AXES_ENABLE_ADMIN = False  # a lock ends by itself; `manage.py axes_reset_username <name>` ends it early
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
# How protected files leave the server (gallery.serving): Django streams them, or nginx via X-Accel-Redirect.
MEDIA_SERVE = env.str("MEDIA_SERVE", default="django")
MEDIA_ACCEL_PREFIX = env.str("MEDIA_ACCEL_PREFIX", default="/_protected/")
# Seconds browsers and shared caches may keep a file fetched through a public link (a revoked link stops
# within this time); files for signed-in viewers are private and immutable (their URLs carry the hash).
PUBLIC_LINK_MAX_AGE = env.int("PUBLIC_LINK_MAX_AGE", default=24 * 60 * 60)
# Days deleted albums, articles and photos stay in the trash (restorable from the admin) before the task
# worker deletes them and their files for good (gallery.trash).
TRASH_DAYS = env.int("TRASH_DAYS", default=30)
# Exports of more rows than this are written by the task worker and downloaded from their job's page
# (exports.jobs); their files are deleted EXPORT_RETENTION_HOURS after they are done.
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=250_000)
EXPORT_RETENTION_HOURS = env.int("EXPORT_RETENTION_HOURS", default=24)

# Where originals, thumbnails, the upload spool and the sync inbox live: the local filesystem (MEDIA_ROOT) or
# an S3-compatible bucket through django-storages' S3Storage, which reads the AWS_* settings below.
STORAGE_BACKENDS = {
    "filesystem": "django.core.files.storage.FileSystemStorage",
    "s3": "core.storage.S3Storage",
}
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="filesystem")
if STORAGE_BACKEND not in STORAGE_BACKENDS:
    raise ImproperlyConfigured(
        f"STORAGE_BACKEND must be one of {', '.join(STORAGE_BACKENDS)}, not {STORAGE_BACKEND!r}"
    )
AWS_STORAGE_BUCKET_NAME = env.str("S3_BUCKET", default="")
AWS_S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("S3_REGION", default="") or None
AWS_S3_ADDRESSING_STYLE = env.str("S3_ADDRESSING_STYLE", default="path")
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
AWS_S3_MAX_MEMORY_SIZE = env.int("AWS_S3_MAX_MEMORY_SIZE", default=8 * 1024**2)
# A file of more than 8 MiB is stored as a multipart upload. boto3's default keeps 10 parts of 8 MiB in memory
# per file (80 MiB each, per ingest thread: a worker went past 500 MB RSS on a 1 GB ZIP of 32 MB photos);
# two parts in flight keep it at 16 MiB per file (bench/ingest.py --storage s3 --rss-member-mb).
AWS_S3_TRANSFER_CONFIG = TransferConfig(multipart_chunksize=8 * 1024**2, max_concurrency=2)
AWS_S3_TRANSFER_CONFIG.max_in_memory_upload_chunks = 2  # s3transfer's option; boto3's __init__ lacks it
AWS_QUERYSTRING_EXPIRE = env.int("S3_PRESIGNED_SECONDS", default=60)
AWS_DEFAULT_ACL = None  # objects stay private: every byte leaves through an access check
AWS_S3_FILE_OVERWRITE = True  # names are content-addressed: the same name is the same picture
if STORAGE_BACKEND == "s3" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured(
        "STORAGE_BACKEND=s3 needs S3_BUCKET (and usually S3_ENDPOINT_URL and AWS_* keys)."
    )

STORAGES = {
    "default": {"BACKEND": STORAGE_BACKENDS[STORAGE_BACKEND]},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Upload limits (the ingest reads them at use time).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=2 * 1024**3)
UPLOAD_MAX_TOTAL_BYTES = env.int("UPLOAD_MAX_TOTAL_BYTES", default=8 * 1024**3)
UPLOAD_MAX_ENTRIES = env.int("UPLOAD_MAX_ENTRIES", default=10_000)
UPLOAD_MAX_FILE_BYTES = env.int("UPLOAD_MAX_FILE_BYTES", default=200 * 1024**2)
UPLOAD_MAX_COMPRESSION_RATIO = env.int("UPLOAD_MAX_COMPRESSION_RATIO", default=200)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=80_000_000)
UPLOAD_MAX_NAME_LENGTH = env.int("UPLOAD_MAX_NAME_LENGTH", default=255)
UPLOAD_WORKERS = env.int("UPLOAD_WORKERS", default=0) or os.cpu_count() or 1
UPLOAD_JOB_STALE_SECONDS = env.int("UPLOAD_JOB_STALE_SECONDS", default=120)
UPLOAD_JOB_MAX_ATTEMPTS = env.int("UPLOAD_JOB_MAX_ATTEMPTS", default=3)
UPLOAD_JOB_MAX_WAIT_SECONDS = env.int("UPLOAD_JOB_MAX_WAIT_SECONDS", default=3600)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("UPLOAD_MAX_FILES_PER_REQUEST", default=1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=None)
UPLOAD_TEMP_MAX_AGE_SECONDS = env.int("UPLOAD_TEMP_MAX_AGE_SECONDS", default=3600)
FILE_UPLOAD_HANDLERS = [
    "uploads.handlers.UploadLimitHandler",  # answers 413 before an oversized body is read
    "uploads.handlers.SpoolUploadHandler",  # streams the `file` parts into the spool in storage
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Album locks (gallery.locks): seconds a writer waits for a busy album; lock files for SQLite.
LOCK_TIMEOUT = env.float("LOCK_TIMEOUT", default=30.0)
LOCK_DIR = env.path("LOCK_DIR", default=VAR_DIR / "locks")

# The cache shared by every node (statistics, OpenID discovery and keys): local memory by default, e.g.
# redis://host:6379/0 or dbcache://pichosting_cache (its table: `manage.py createcachetable`, which
# `entrypoint.sh migrate` runs) for several nodes.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Sessions and role lookups (accounts.roles) are cached only where every process sees the same cache, so a
# sign-out or a role change reaches all of them at once (docs/performance.md#sessions-and-roles). A
# per-process cache (local memory, the default) keeps sessions in the database alone: a worker could go on
# trusting a signed-out session it cached; roles are cached there too, but for ROLE_CACHE_SECONDS at most.
CACHE_SHARED = not CACHES["default"]["BACKEND"].endswith(".LocMemCache")
SESSION_ENGINE = f"django.contrib.sessions.backends.{'cached_db' if CACHE_SHARED else 'db'}"
# Seconds a user's roles are reused from the cache (0 = asked from the database on every request): the
# longest a removed role keeps working in another process when the cache is not shared (at most 60).
ROLE_CACHE_SECONDS = env.int("ROLE_CACHE_SECONDS", default=60)
# Add `Server-Timing` (Django's wall and CPU time) to every answer, for benchmarks; off in production.
SERVER_TIMING = env.bool("SERVER_TIMING", default=False)

# Seconds the costly statistics figures (sums over all photos, database size) are reused before recomputing.
STATISTICS_CACHE_SECONDS = env.int("STATISTICS_CACHE_SECONDS", default=60)
# Storage folder where photos copied by hand (<album>/<article>/<photo>) wait for `manage.py sync_storage`.
SYNC_INBOX = env.str("SYNC_INBOX", default="incoming")

# OpenID Connect (Keycloak). Empty issuer = OIDC off, local login only.
# OAUTH_ISSUER, OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET are accepted as aliases (an OIDC_* value wins).
OIDC_ISSUER = (env.str("OIDC_ISSUER", default="") or env.str("OAUTH_ISSUER", default="")).rstrip("/")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="") or env.str("OAUTH_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="") or env.str("OAUTH_CLIENT_SECRET", default="")
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5.0)
OIDC_LEEWAY_SECONDS = env.int("OIDC_LEEWAY_SECONDS", default=30)
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("OIDC_SESSION_REFRESH_SECONDS", default=15 * 60)
# mozilla-django-oidc: endpoints come from discovery (accounts.oidc), these fix the protocol choices.
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid profile email"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_STORE_ID_TOKEN = True
OIDC_CALLBACK_CLASS = "accounts.views.OidcCallbackView"
OIDC_AUTHENTICATE_CLASS = "accounts.views.OidcLoginView"
OIDC_OP_LOGOUT_URL_METHOD = "accounts.views.provider_logout_url"
OIDC_EXEMPT_URLS = [re.compile(r"^/api/")]

# GET /metrics (pichosting.metrics): bearer token, or direct (unproxied) callers from these networks.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Multiprocess metrics (gunicorn): every process that imports the apps' counters writes a file there, and
# prometheus_client fails on a missing folder, e.g. `collectstatic` while the image is built.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
METRICS_INTERNAL_NETWORKS = env.list("METRICS_INTERNAL_NETWORKS", default=["127.0.0.0/8", "::1/128"])

# An https PUBLIC_BASE_URL (DOMAIN's default) makes cookies secure and, behind a proxy that says which scheme
# a request came by, sends http requests to https; each can be set either way (docs/deployment.md).
_public_https = PUBLIC_BASE_URL.startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = environment.flag(env, "SESSION_COOKIE_SECURE", default=_public_https)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_SSL_REDIRECT = environment.flag(env, "SECURE_SSL_REDIRECT", default=_public_https and BEHIND_PROXY)
# Container health checks and Prometheus call these directly over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Every page: scripts, styles, images and requests from this origin only, nothing inline (no inline
# <script>, style="" or <style> anywhere: code and styles live in static files).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
