"""Settings for Responder, read once from the environment.

With no variables set, Responder runs on a laptop: SQLite and Celery's filesystem
broker under ./var. `DATABASE_URL` and `CELERY_BROKER_URL` switch to PostgreSQL and
Redis. `RESPONDER_ENV=production` turns on every production safeguard and refuses
to start without a real secret key. `.env.example` lists every variable.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP  # type: ignore[attr-defined]
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from responder.env import env_bool, env_float, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RESPONDER_VAR_DIR", str(BASE_DIR / "var")))

RESPONDER_ENV = env_str("RESPONDER_ENV", "development")
if RESPONDER_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"RESPONDER_ENV must be development, test or production, not {RESPONDER_ENV!r}."
    )
PRODUCTION = RESPONDER_ENV == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)

_DEV_SECRET = "dev-only-insecure-key-change-me-responder-0123456789-abcdefghijklmnop"
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of 50+ characters.")

# Encrypts platform credentials at rest. Comma-separated Fernet keys: the first
# encrypts, all decrypt, so keys can be rotated. Derived from SECRET_KEY if unset.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Object permissions come from responder.accounts.authz (the `rules` package), then
# Django's own model permissions for the admin.
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

INSTALLED_APPS = [
    # django.contrib.admin, with the admin site that asks authz (admin_scoping).
    "responder.accounts.admin_apps.ResponderAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_fsm",
    "responder.accounts",
    "responder.audit",
    "responder.channels",
    "responder.inbox",
    "responder.analytics",
    "responder.ops",
    "workflows",
    "responder.web",
    "responder.campaigns",
]

MIDDLEWARE = [
    # Answers /healthz and /readyz itself; request id and latency for the rest (ops).
    "responder.ops.middleware.OpsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's own language unless this browser chose one.
    "responder.accounts.language.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "responder.urls"
WSGI_APPLICATION = "responder.wsgi.application"
ASGI_APPLICATION = "responder.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'responder.sqlite3'}",
    schemes={"sqlite", "postgres", "postgresql", "postgis"},
)
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0),
            # A kept connection is checked before each request reuses it, so one
            # broken by a database restart is replaced instead of failing a request.
            conn_health_checks=True,
        )
    }
except ValueError as exc:  # pragma: no cover - dj_database_url's own validation
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if RESPONDER_ENV == "test":
    # Hashing with the real work factor costs ~0.3 s per test user; tests need none.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
# Wrong passwords allowed per (username, client address) within the window, on the
# sign-in pages and the API's auth/token/ together; then that username waits, from that
# address only. Per address, for any usernames, the second limit applies
# (accounts/login_throttle.py).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 100, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=1)
# Our own reverse proxies (comma-separated IPs or CIDR networks): behind them, the
# client's address is read from X-Forwarded-For (responder/client_address.py), for the
# sign-in pauses and the review-link limits. Empty: REMOTE_ADDR only.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES must list IP addresses or networks, not {_proxy!r}."
        ) from None
# Local passwords (on|off): off when people sign in only through the department's
# identity provider; then the password-reset pages answer 404.
_local_passwords = env_str("LOCAL_PASSWORDS", "on").lower()
if _local_passwords not in {"on", "off"}:
    raise ImproperlyConfigured(f"LOCAL_PASSWORDS must be on or off, not {_local_passwords!r}.")
LOCAL_PASSWORDS = _local_passwords == "on"
LOGIN_REDIRECT_URL = "/"
# OpenID Connect sign-in (OIDC_* variables): read in responder/settings_oidc.py.
from responder.settings_logging import logging_settings  # noqa: E402
from responder.settings_oidc import *  # noqa: E402, F403

if OIDC_ENABLED:  # noqa: F405
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "responder.accounts.oidc.ProviderBackend"]
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?provider=failed"
# A new case gets the topic of its best library answer when the match scores at least
# this much (0 to 1; the case page's suggestion score). See responder/inbox/classify.py.
# Tuned on tests/inbox/classification_set.py (71 questions), library alone: at 0.4 it
# sets the right topic on 36 and a wrong one on 1; at 0.3, 41 right and 4 wrong; at
# 0.2, 43 and 15. A wrong topic can change the route, so precision wins: the incoming
# rules carry the recall.
CLASSIFY_LIBRARY_THRESHOLD = env_float("CLASSIFY_LIBRARY_THRESHOLD", 0.4, minimum=0.0, maximum=1.0)
LOGOUT_REDIRECT_URL = "login"

# --- languages ------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "America/Toronto")
USE_I18N = True
USE_TZ = True

# --- static files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- cache ------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    env_url("REDIS_URL", REDIS_URL, schemes={"redis", "rediss"})
    CACHES = {
        "default": {
            # Django's RedisCache, failing soft: with Redis down a read misses and a
            # write is skipped (everything cached is also in PostgreSQL or recomputed).
            "BACKEND": "responder.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "responder"),
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 2.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", "filesystem://", schemes={"filesystem", "redis", "rediss", "memory"}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        # The remote-control exchange table; kombu's default is ./control.
        "control_folder": str(_broker_dir / "control"),
    }
else:
    # A broker that cannot be reached fails a publish within seconds instead of
    # holding a web request (see responder.queueing).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 3}
# A publish that fails is retried briefly (about 0.4 s in all), then given up: the
# caller logs it and a sweep queues the work again (responder.queueing).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0.2,
    "interval_step": 0,
    "interval_max": 0.2,
}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues by kind of work, so a flood of mentions never delays posting or approval
# e-mails: a worker started without -Q consumes all four (make run, the tests); in
# production run one worker service per queue (docs/OPERATIONS.md).
# Each queue has its own direct exchange and key (Celery's default binds every queue to
# one exchange and key, so a message would reach all four).
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in ("ingest", "posting", "email", "housekeeping")
]
CELERY_TASK_DEFAULT_QUEUE = "housekeeping"
CELERY_TASK_ROUTES = {
    "responder.channels.tasks.poll_dispatch": {"queue": "ingest"},
    "responder.channels.tasks.account_poll": {"queue": "ingest"},
    "responder.channels.tasks.outbox_send": {"queue": "posting"},
    "responder.channels.tasks.outbox_sweep": {"queue": "posting"},
    "responder.channels.tasks.engagement_refresh": {"queue": "housekeeping"},
    # Approval e-mails, and the SLA sweep that reminds, escalates and re-sends them.
    "workflows.tasks.*": {"queue": "email"},
    # Named too, so the first-response reminders stay on the e-mail queue whatever
    # the wildcard becomes.
    "workflows.tasks.response_sweep": {"queue": "email"},
    "workflows.tasks.response_reminder_notify": {"queue": "email"},
    "responder.analytics.tasks.*": {"queue": "housekeeping"},
    # Held boosts and favourites go out like posts; the follower snapshot is housekeeping.
    "responder.campaigns.tasks.community_action_send": {"queue": "posting"},
    "responder.campaigns.tasks.community_actions_sweep": {"queue": "posting"},
    "responder.campaigns.tasks.follower_snapshot": {"queue": "housekeeping"},
    "responder.campaigns.tasks.follower_snapshots_daily": {"queue": "housekeeping"},
}
# Exactly one scheduler: a beat sends periodic tasks only while it holds a lease in
# the database; a second beat stands by (responder/ops/beat.py).
CELERY_BEAT_SCHEDULER = "responder.ops.beat:SingleBeatScheduler"
# Seconds the active beat's lease lasts; a standby takes over within this after the
# active beat dies. Renewed every third of it.
BEAT_LEASE_SECONDS = env_int("BEAT_LEASE_SECONDS", 30, minimum=3)
# Beat only wakes "dispatch what is due" tasks; the real schedules (per-account
# poll intervals, outbox back-off, SLA deadlines) live in the database.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Polls every account whose own interval has elapsed (channels).
    "poll-due-accounts": {"task": "responder.channels.tasks.poll_dispatch", "schedule": 5.0},
    # Posts outbox replies that are due (new, backed off, or found stuck) (channels).
    "sweep-outbox": {"task": "responder.channels.tasks.outbox_sweep", "schedule": 10.0},
    # Reads favourites, boosts and replies of our posted replies (channels).
    "refresh-engagement": {
        "task": "responder.channels.tasks.engagement_refresh",
        "schedule": 900.0,
    },
    # Reminds and escalates approval steps near or past their SLA (workflows).
    "sweep-sla": {"task": "workflows.tasks.sla_sweep", "schedule": 60.0},
    # Reminds owners (or the queue) of cases whose first response is due soon (workflows).
    "sweep-first-response": {"task": "workflows.tasks.response_sweep", "schedule": 60.0},
    # Removes personal data of closed cases past their department's retention (analytics).
    "apply-retention": {"task": "responder.analytics.tasks.retention_apply", "schedule": 3600.0},
    # Recomputes the default analytics dashboard so it is served from the cache (analytics).
    "warm-analytics": {"task": "responder.analytics.tasks.analytics_warm", "schedule": 240.0},
    # Sends boosts and favourites whose undo hold is over (campaigns).
    "sweep-community-actions": {
        "task": "responder.campaigns.tasks.community_actions_sweep",
        "schedule": 10.0,
    },
    # A follower snapshot of every running campaign's accounts, daily (campaigns).
    "follower-snapshots": {
        "task": "responder.campaigns.tasks.follower_snapshots_daily",
        "schedule": 86400.0,
    },
}

# --- email ------------------------------------------------------------------------
# EMAIL_BACKEND: "console" (prints mail; the default except in production), "smtp"
# (the production default), or a dotted backend path.
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("EMAIL_BACKEND", "smtp" if PRODUCTION else "console")
_email_backend = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
if "." not in _email_backend:
    raise ImproperlyConfigured("EMAIL_BACKEND must be console, smtp, locmem or a dotted path.")
_email_options: dict[str, object] = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": env_str("EMAIL_HOST", "127.0.0.1"),
        "port": env_int("EMAIL_PORT", 1025, minimum=1),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": env_int("EMAIL_TIMEOUT", 20, minimum=1),
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Responder <responder@localhost>")

# --- REST API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "responder.web.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "responder.web.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Responder API",
    "DESCRIPTION": "Cases, drafts, approvals and replies. Every transition is an action endpoint.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The rules validation enforces that fields alone do not show (responder/web/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "responder.web.api.schema.state_the_rules",
    ],
    # Several models have a "language" or "status" field with different choices.
    "ENUM_NAME_OVERRIDES": {
        "CaseLanguageEnum": "responder.inbox.models.CaseLanguage",
        "CloseReasonEnum": "responder.inbox.models.CloseReason",
        "LanguageEnum": "responder.accounts.models.Language",
        "StepStatusEnum": "workflows.models.StepStatus",
        "OutboxStatusEnum": "responder.channels.models.OutboxStatus",
        # Case.risk and Case.auto_risk share one set of values.
        "RiskEnum": "responder.inbox.models.Risk",
        "PriorityEnum": "responder.inbox.incoming_models.Priority",
        # Case.pii_kinds, the checks' and the reveal's findings.
        "PiiKindEnum": "responder.inbox.pii.PiiKind",
    },
}

# --- security ---------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
# Sessions are read on every page: from the cache (Redis) first, the database behind
# it, so a cache restart signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; kept default
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- product settings ----------------------------------------------------------------
# Signed approval links in emails expire after this many hours.
REVIEW_LINK_MAX_AGE_HOURS = env_int("REVIEW_LINK_MAX_AGE_HOURS", 72, minimum=1)
# Attempts on review links allowed per client IP, and per link from one client IP,
# within the window (workflows/tokens.py).
REVIEW_LINK_RATE_WINDOW_SECONDS = env_int("REVIEW_LINK_RATE_WINDOW_SECONDS", 600, minimum=1)
REVIEW_LINK_RATE_PER_IP = env_int("REVIEW_LINK_RATE_PER_IP", 120, minimum=1)
REVIEW_LINK_RATE_PER_TOKEN = env_int("REVIEW_LINK_RATE_PER_TOKEN", 30, minimum=1)
# A reply still "sending" this long after its claim is taken for a dead worker's and
# reconciled by the outbox sweep. Longer than any connector's HTTP timeout.
OUTBOX_STUCK_AFTER_SECONDS = env_int("OUTBOX_STUCK_AFTER_SECONDS", 120, minimum=30)
# Base URL of the built-in platform simulator (make run, tests).
SIMULATOR_URL = env_str("SIMULATOR_URL", "http://127.0.0.1:8025")
# Platform servers trusted as they are (host names or IP addresses, no port): an account's
# server URL may point at them although they are on a private or loopback address, and
# over http. Outside production, the simulator's host (responder/channels/account_safety.py).
PLATFORM_HOST_ALLOWLIST = [
    h.lower().strip("[]")
    for h in env_list(
        "PLATFORM_HOST_ALLOWLIST",
        [] if PRODUCTION else [urlsplit(SIMULATOR_URL).hostname or "127.0.0.1"],
    )
]
for _host in PLATFORM_HOST_ALLOWLIST:
    if not re.fullmatch(r"[a-z0-9.:_-]+", _host):
        raise ImproperlyConfigured(
            f"PLATFORM_HOST_ALLOWLIST must list host names or IP addresses, not {_host!r}."
        )
# Replies may only link to these domains and their subdomains (outgoing-content check).
# Campaigns: how long a boost or favourite waits (and can be undone) before it is sent,
# and the largest image a campaign post may carry.
COMMUNITY_HOLD_SECONDS = env_int("COMMUNITY_HOLD_SECONDS", 30, minimum=0)
CAMPAIGN_IMAGE_MAX_BYTES = env_int("CAMPAIGN_IMAGE_MAX_BYTES", 5_000_000, minimum=1)
ALLOWED_LINK_DOMAINS = [
    d.lower().lstrip(".") for d in env_list("ALLOWED_LINK_DOMAINS", ["canada.ca", "gc.ca"])
]

# --- operations (responder/ops, docs/OPERATIONS.md) -----------------------------------
# Bearer token Prometheus sends to /metrics. Empty: /metrics answers only requests made
# directly (not through a proxy) from METRICS_ALLOWED_NETWORKS.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
# A queue no worker has finished a task from for this long (or a beat that has not
# ticked) is a warning in /readyz, a failure in /readyz?deep=1 and on the status page.
OPS_HEARTBEAT_STALE_SECONDS = env_int("OPS_HEARTBEAT_STALE_SECONDS", 300, minimum=10)
# An e-mail still unsent this long after it was queued counts as failed (metrics).
OPS_EMAIL_FAILED_AFTER_SECONDS = env_int("OPS_EMAIL_FAILED_AFTER_SECONDS", 900, minimum=60)

# --- logging ----------------------------------------------------------------------
# LOG_FORMAT: "plain" (default) or "json" (one JSON object per line, with request_id).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()

# The console handler's format and filters: responder/settings_logging.py.
LOGGING = logging_settings(
    log_format=LOG_FORMAT,
    log_level=LOG_LEVEL,
    # The filesystem broker has no host: kombu warns so at every connection.
    quiet_kombu=CELERY_BROKER_URL.startswith("filesystem"),
)
