"""Settings shared by every environment, read from the environment (see config/env.py).

Without DATABASE_URL and REDIS_URL the application runs on an embedded default: a SQLite file
and a Celery broker on the file system, both under var/. With them it uses PostgreSQL and Redis.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_optional, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("ASB_VAR_DIR", str(BASE_DIR / "var")))

# GENERAL ------------------------------------------------------------------------------------
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The address people reach the service at, for links in e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SERVICE_NAME = "Manage anti-social behaviour cases"
# What the public see on the pages made for them (applying for and following a Case Review).
PUBLIC_SERVICE_NAME = "Apply for an anti-social behaviour case review"
PUBLIC_PATH_PREFIX = "/case-review/"
PARTNERSHIP_NAME = env_str("PARTNERSHIP_NAME", "County Durham and Darlington ASB partnership")
# Where people can write to about the service (shown in the footer and the phase banner).
SERVICE_CONTACT_EMAIL = env_str("SERVICE_CONTACT_EMAIL", "asb-partnership@example.org")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# APPS ---------------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
]
THIRD_PARTY_APPS = [
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
LOCAL_APPS = [
    "partners",
    "victims",
    "asb_cases",
    "community_trigger",
    "feedback",
    "oversight",
    "documents",
    "reporting",
    "governance",
    # Last: the role groups are synchronised after the last app with models migrates.
    "my_work",
    "notifications",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "partners.middleware.AuditContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which second factor (django-otp device) this session has proved, if any.
    "django_otp.middleware.OTPMiddleware",
    "partners.middleware.MembershipMiddleware",
    # Until sign-in is complete (a second factor, or single sign-on still vouched for by the
    # organisation's provider) only the sign-in pages answer.
    "partners.middleware.SignInCompleteMiddleware",
    "partners.middleware.NoStoreMiddleware",
    "access.middleware.ViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "partners.middleware.PermissionDeniedAuditMiddleware",
    # AxesMiddleware must be last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "csp.context_processors.nonce",
                "partners.context_processors.service",
                "access.context_processors.viewer",
                "community_trigger.context_processors.prompts",
            ],
            # GOV.UK page helpers (error summary, pagination) in every template.
            "builtins": ["partners.templatetags.govuk"],
        },
    },
]
# One form-rendering approach for the whole app: Django's form renderer with GOV.UK templates
# (templates/django/forms/), see docs/adr/0004-forms-govuk-renderer.md.
FORM_RENDERER = "partners.govuk.GovUKFormRenderer"

# DATABASES ----------------------------------------------------------------------------------
_database_url = env_optional("DATABASE_URL")
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except Exception as exc:  # dj-database-url raises several types for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the access rules' correlated subqueries give the planner cost
        # estimates in the millions, which start JIT (seconds of compiling for a query that
        # runs in milliseconds: a name search measured 3.3 s of JIT for 10 ms of work).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "asb.sqlite3",
            # The web server, the worker and beat share the file: WAL lets readers and one
            # writer work at once; IMMEDIATE transactions avoid "database is locked" upgrades.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

# AUTHENTICATION -----------------------------------------------------------------------------
AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out username and address never reach the password check.
    "axes.backends.AxesStandaloneBackend",
    "partners.backends.MemberBackend",
    # Single sign-on with the organisation's own OpenID Connect provider (partners/sso.py).
    "partners.sso.OrganisationOIDCBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "partners:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "partners:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Invitations to set a password stay valid for three days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60

# SESSIONS -----------------------------------------------------------------------------------
# Sessions are stored with their user so deactivating someone ends every session they have.
SESSION_ENGINE = "partners.sessions"
SESSION_COOKIE_AGE = 30 * 60  # 30 minutes idle...
# ...counted from the last request to within a minute: a session that did not change is saved
# again only when its row is a minute or more old (partners.sessions.IDLE_REFRESH), not on
# every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)  # and never longer than a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# BRUTE-FORCE PROTECTION (django-axes) -------------------------------------------------------
# Lock a username from one address after five failures; other people at the same address and
# the same user from elsewhere are not locked out (see docs/adr/0003-authentication.md).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "partners.views.lockout"
# Only password sign-ins count: a single sign-on the provider or the organisation refused is
# audited, not a guess, and counted under no username it would lock out everyone signing in
# through the same network address.
AXES_WHITELIST_CALLABLE = "partners.sso.not_a_password_attempt"
AXES_USERNAME_FORM_FIELD = "username"
# The lock-out, the public forms' throttles and the audit log all take the client's address
# from one place, which honours the trusted proxies below.
AXES_CLIENT_IP_CALLABLE = "partners.client_address.client_address"
AXES_VERBOSE = False

# CLIENT ADDRESSES BEHIND PROXIES ------------------------------------------------------------
# How many proxies (load balancer, ingress) stand in front of the application, each adding
# the address it saw to X-Forwarded-For. 0: people connect directly and REMOTE_ADDR is theirs.
# Production must set it (config/settings/production.py). AXES_IPWARE_PROXY_COUNT, the name
# it had before (when it had no effect), is still read.
TRUSTED_PROXY_COUNT = env_int(
    "TRUSTED_PROXY_COUNT", env_int("AXES_IPWARE_PROXY_COUNT", 0, minimum=0), minimum=0
)
# Optionally, the networks the nearest proxy connects from (e.g. 10.0.0.0/8): a request from
# anywhere else is taken at its REMOTE_ADDR, whatever X-Forwarded-For says.
TRUSTED_PROXY_NETWORKS = env_list("TRUSTED_PROXY_NETWORKS", [])
# Fernet keys for the secrets the service keeps for partners (partners.secrets), newest first;
# without them one key is derived from SECRET_KEY.
SECRETS_ENCRYPTION_KEYS = env_list("SECRETS_ENCRYPTION_KEYS", [])
try:
    import ipaddress as _ipaddress

    for _network in TRUSTED_PROXY_NETWORKS:
        _ipaddress.ip_network(_network, strict=False)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_NETWORKS has a bad network: {exc}") from None

# TWO-FACTOR AUTHENTICATION (django-otp) -----------------------------------------------------
# Everyone who signs in with a password proves a second factor: an authenticator app (TOTP)
# or one of their recovery codes (docs/adr/0003-authentication-and-sessions.md).
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "ASB partnership")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
RECOVERY_CODE_COUNT = 10
# Lets the demo accounts (partners.demo) skip the second factor, so `make run` can be tried
# with just the demo password. On only in the dev settings; production refuses it.
DEMO_ACCOUNTS_SKIP_TWO_FACTOR = False

# SINGLE SIGN-ON (mozilla-django-oidc, one provider per organisation) -------------------------
OIDC_AUTHENTICATION_CALLBACK_URL = "partners:sso_callback"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_VERIFY_SSL = True
# Every call to a provider gives up after this many seconds (connect, read), so a slow or
# unreachable provider never holds a web worker for long.
OIDC_TIMEOUT = (
    env_int("OIDC_CONNECT_TIMEOUT_SECONDS", 3, minimum=1),
    env_int("OIDC_READ_TIMEOUT_SECONDS", 5, minimum=1),
)
# How often a single sign-on session is checked again with the provider (prompt=none), so
# someone removed there is signed out here within this many seconds.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env_int("OIDC_RECHECK_SECONDS", 15 * 60, minimum=60)

# GUARDIAN -----------------------------------------------------------------------------------
ANONYMOUS_USER_NAME = None  # no anonymous user row: anonymous visitors have no object rights
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# STATIC FILES -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# static/ holds the project's own sources; static/vendor and static/build are made by
# `make assets` from the pinned npm packages and are never committed.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# EVIDENCE AND LETTERS (docs/adr/0019-evidence-storage-and-scanning.md) ------------------------
# The largest file an officer may upload; uploads past FILE_UPLOAD_MAX_MEMORY_SIZE are
# streamed to a temporary file, never held whole in memory.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_MB", 50, minimum=1) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A stored file no document names (its upload's transaction failed) is deleted by the nightly
# sweep once it is this old: longer than any upload's transaction could take.
DOCUMENT_ORPHAN_HOURS = env_int("DOCUMENT_ORPHAN_HOURS", 24, minimum=1)
# The virus scan: "none" (files are released at once, marked not scanned) or "clamd" (files
# are held until ClamAV's daemon has scanned them, at CLAMD_SOCKET or CLAMD_HOST:CLAMD_PORT).
DOCUMENT_SCANNER = env_str("DOCUMENT_SCANNER", "none")
if DOCUMENT_SCANNER not in {"none", "clamd"}:
    raise ImproperlyConfigured(f"DOCUMENT_SCANNER={DOCUMENT_SCANNER!r} is not none or clamd.")
CLAMD_SOCKET = env_optional("CLAMD_SOCKET")
CLAMD_HOST = env_str("CLAMD_HOST", "127.0.0.1")
CLAMD_PORT = env_int("CLAMD_PORT", 3310, minimum=1)
CLAMD_TIMEOUT_SECONDS = env_int("CLAMD_TIMEOUT_SECONDS", 60, minimum=1)

# CONTENT SECURITY POLICY (django-csp): no inline script, no third-party origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# E-MAIL -------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ASB partnership <no-reply@example.org>")
# GOV.UK Notify (production): EMAIL_BACKEND=notifications.backends.GovUKNotifyEmailBackend,
# with an API key and the id of one template whose subject is ((subject)) and body ((body)).
GOVUK_NOTIFY_API_KEY = env_str("GOVUK_NOTIFY_API_KEY", "")
GOVUK_NOTIFY_TEMPLATE_ID = env_str("GOVUK_NOTIFY_TEMPLATE_ID", "")
GOVUK_NOTIFY_BASE_URL = env_str("GOVUK_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")

# REDIS, CACHE AND CELERY --------------------------------------------------------------------
# docs/adr/0005-background-work.md explains these choices.
REDIS_URL = env_optional("REDIS_URL")
if REDIS_URL and urlparse(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} is not a redis:// or rediss:// URL.")

# Bounded socket timeouts wherever a request touches Redis (the cache, publishing from the
# outbox, /healthz): a Redis that is stopped or frozen costs a request at most this, once, so
# pages answer within a second of their normal time (docs/adr/0005-background-work.md).
# Redis answers in well under a millisecond; a timeout is only ever a Redis in trouble.
REDIS_SOCKET_TIMEOUT = env_int("REDIS_REQUEST_TIMEOUT_MS", 250, minimum=10) / 1000
# Workers and beat wait longer: they are not holding anyone up, and a timeout there restarts
# their connection.
BROKER_SOCKET_TIMEOUT = 5.0

# Queues. Short tasks (seconds: evaluations, e-mails, the relay) and long ones (minutes: the
# nightly sweep, dashboard rebuilds) have different redelivery settings, so they have a queue
# each. One worker may consume both (make run, the tests); in production each has its own
# worker, the long one started with CELERY_LONG_TASK_WORKER=true.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "asb")
CELERY_LONG_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-long"
LONG_TASKS = (
    "community_trigger.sweep",
    "reporting.summaries_refresh",
    "reporting.households_refresh",
    "victims.person_statuses_refresh",
    "asb_cases.contact_due_refresh_all",
)
CELERY_TASK_ROUTES = {name: {"queue": CELERY_LONG_QUEUE} for name in LONG_TASKS}
CELERY_LONG_TASK_WORKER = env_bool("CELERY_LONG_TASK_WORKER", False)
# A task whose worker vanished mid-run (killed, machine lost) is given to another worker once
# it has been unacknowledged this long. It must be longer than the longest task on the queue
# (short tasks: 300 s hard limit; long tasks: 1,800 s), or a running task would be run twice.
CELERY_VISIBILITY_TIMEOUT = env_int(
    "CELERY_VISIBILITY_TIMEOUT", 3600 if CELERY_LONG_TASK_WORKER else 600, minimum=1
)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "asb",
            "OPTIONS": {
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": BROKER_SOCKET_TIMEOUT,
        "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
        "max_retries": 0,
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # Look for abandoned tasks every tenth of the timeout (at most every 10 s).
        "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 10)),
        "unacked_restore_throttle": 1,
        "unacked_mutex_expire": max(2, min(300, CELERY_VISIBILITY_TIMEOUT)),
    }
    if CELERY_LONG_TASK_WORKER:
        # The long worker keeps its own list of unacknowledged tasks: a short worker's
        # (shorter) visibility timeout would otherwise redeliver a long task still running.
        CELERY_BROKER_TRANSPORT_OPTIONS.update(
            unacked_key="unacked-long",
            unacked_index_key="unacked-long-index",
            unacked_mutex_key="unacked-long-mutex",
        )
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "socket_timeout": BROKER_SOCKET_TIMEOUT,
        "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }
    _broker_dir = VAR_DIR / "celery-broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery-results'}"
    (VAR_DIR / "celery-results").mkdir(parents=True, exist_ok=True)

CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged when it has run, not when it is received; if its pool process dies
# (killed, out of memory) the task goes back on the queue at once instead of being dropped.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_IGNORE_RESULT = True
# Workers keep trying to reach the broker for as long as it is away, at start-up and after.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat schedule lives in code (config/celery.py), in UTC. Beat records a heartbeat as it
# ticks, and ticks at least this often.
CELERY_BEAT_SCHEDULER = "config.celery:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 10

# The outbox (partners/outbox.py): work published but not completed this many seconds later
# is published again (then twice as long after, and so on), at most OUTBOX_MAX_ATTEMPTS times;
# completed work is kept OUTBOX_KEEP_DAYS. A request that fails to publish leaves publishing
# to the relay for OUTBOX_PUBLISH_PAUSE seconds, so a broker that is away costs one request
# in that time a timeout, not every request.
OUTBOX_REDELIVER_AFTER = env_int("OUTBOX_REDELIVER_AFTER", 900, minimum=1)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10, minimum=1)
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 14, minimum=1)
OUTBOX_PUBLISH_PAUSE = env_int("OUTBOX_PUBLISH_PAUSE", 5, minimum=0)
# ASB Case Review applications still "received" this many minutes after they arrived are
# evaluated again by a beat job, whatever happened to their queued evaluation.
CASE_REVIEW_STUCK_MINUTES = env_int("CASE_REVIEW_STUCK_MINUTES", 15, minimum=1)

# /healthz answers 503 when beat has not ticked, or no worker has completed a task, for this
# many seconds (beat ticks every 10 s; it sends the outbox relay every 30 s).
HEALTHZ_BEAT_MAX_AGE = env_int("HEALTHZ_BEAT_MAX_AGE", 120, minimum=1)
HEALTHZ_TASK_MAX_AGE = env_int("HEALTHZ_TASK_MAX_AGE", 180, minimum=1)

# LOGGING ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every step of every letter it renders.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# REST FRAMEWORK -----------------------------------------------------------------------------
# The API for partner systems (docs/adr/0009-api-clients.md): API clients' tokens, permissions
# that fail closed, one JSON error shape, and a per-client throttle.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.api.auth.APIClientAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["partners.api.auth.IsAPIClient"],
    "DEFAULT_THROTTLE_CLASSES": ["partners.api.auth.ClientRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["partners.api.auth.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "partners.api.schema.APIAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "partners.api.base.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per API client (DRF rate syntax: N/second, N/minute, N/hour, N/day). "api" is every
# endpoint but bulk import, which has its own budget.
API_THROTTLE_RATES = {
    "api": env_str("API_THROTTLE_RATE", "600/minute"),
    "api_bulk": env_str("API_BULK_THROTTLE_RATE", "120/minute"),
}
for _scope, _rate in API_THROTTLE_RATES.items():
    _count, _, _period = _rate.partition("/")
    if not (_count.isdigit() and _period[:1] in {"s", "m", "h", "d"}):
        raise ImproperlyConfigured(
            f"The {_scope} throttle rate {_rate!r} is not a rate like 600/minute."
        )
# The largest API request body accepted (a bulk import of 500 incidents is well under 2 MB).
API_MAX_REQUEST_BYTES = env_int("API_MAX_REQUEST_BYTES", 5 * 1024 * 1024, minimum=1024)
# How long an API client's Idempotency-Key is remembered with its answer (partners/api/base.py).
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "ASB partnership API",
    "DESCRIPTION": (
        "For partner systems (housing CRMs, the police records system): post incidents "
        "idempotently and read back the cases your organisation leads or that are shared "
        "with it. Authenticate with `Authorization: Token <token>`. Send an "
        "`Idempotency-Key` header with any POST to make it safe to retry."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [
        "partners.api.auth.APIClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "asb_cases.models.CaseStatus",
        "TransferStatusEnum": "asb_cases.models.OwnershipTransfer.Status",
        "ActionOutcomeEnum": "asb_cases.models.CaseAction.Outcome",
        "WriteOutcomeEnum": ["created", "updated"],
        "ImportOutcomeEnum": ["created", "updated", "error"],
        "IncidentChannelEnum": "asb_cases.models.Channel",
        "ApplicationChannelEnum": "community_trigger.models.Channel",
        "AssistedChannelEnum": ["phone", "letter", "in_person", "email"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "partners.api.base.postprocess_schema",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# DEMO DATA ----------------------------------------------------------------------------------
# `manage.py seed_demo` creates accounts with a published password: never in production.
DEMO_DATA_ALLOWED = True
