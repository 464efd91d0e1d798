"""Samverkan settings: every value comes from the environment, with a documented default.

The defaults are the *embedded* setup (SQLite and a filesystem Celery broker under ``var/``),
so ``make run`` works on a machine with nothing but Python. Production sets ``DATABASE_URL``,
``CELERY_BROKER_URL``, ``SECRET_KEY`` and friends (see README.md).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int_map(name: str, default: dict[int, int]) -> dict[int, int]:
    """``"10:5,4:3"`` → ``{10: 5, 4: 3}``."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return {int(key): int(number) for key, number in (pair.split(":") for pair in value.split(",") if pair.strip())}
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must look like 10:5,4:3, got {value!r}") from exc


DEBUG = env_bool("DEBUG", False)
# The default is for the embedded setup only; `check --deploy` flags it, production sets its own.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-samverkan-embedded-default-key-0123456789"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_beat",
    "simple_history",
    "import_export",
    "axes",
    "stakeholders",
    "agreements",
    "assessments",
    "risks",
    "integrations",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below) on every response.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "samverkan_project.middleware.SwedishFirstLocaleMiddleware",
    # Before anything reads the body: refuses over-long URLs (414) and bodies over the limits (413).
    "samverkan_project.middleware.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses logins for a username and address with too many failures, and for an address that failed
    # with too many usernames (AXES_*, LOGIN_ADDRESS_USERNAME_LIMIT below).
    "samverkan_project.access.LoginLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "samverkan_project.urls"
WSGI_APPLICATION = "samverkan_project.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'samverkan.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + immediate transactions: web, worker and beat write side by side without
    # "database is locked" errors on upgrade from a read to a write lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql") and env_bool("DB_JIT_OFF", True):
    # PostgreSQL compiles a statement's expressions (JIT) once its estimated cost passes jit_above_cost. Ours
    # are pages and a scan's reads of tens of milliseconds, where compiling costs more than it saves: a chunk's
    # read of its sponsors took 97 ms with it and 25 ms without. DB_JIT_OFF=0 leaves the server's setting.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Stockholm"
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Media are agreement documents, served by agreements.views with a permission check, never directly.
MEDIA_URL = "/documents/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG and "STATIC_ROOT" in os.environ)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
# The project's own scripts and styles (the admin's language switch; the API docs' page style).
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- E-mail (Django's own names) --------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "samverkan@localhost")

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["samverkan_project.api.permissions.ModelPermissionsWithView"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON bodies only (nested deeper than samverkan_project.api.parsers.JSON_MAX_DEPTH is a 400, not a
    # RecursionError), so the schema offers generated clients one body type per write; the one upload (an
    # agreement's signed document) takes a multipart form (agreements.api.views.AgreementViewSet).
    "DEFAULT_PARSER_CLASSES": ["samverkan_project.api.parsers.JSONParser"],
    # DRF's browsable API with inline styles allowed on its pages (samverkan_project.api.renderers).
    "DEFAULT_RENDERER_CLASSES": [
        "samverkan_project.api.renderers.JSONRenderer",
        "samverkan_project.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "samverkan_project.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "samverkan_project.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Clients are told apart by address: the peer, or behind TRUSTED_PROXY_COUNT proxies the one they saw.
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Samverkan API",
    "DESCRIPTION": (
        "Register of the actors in cross-sector collaboration (organisations and people), the written agreements "
        "between them (överenskommelser) with parties, representatives, responsibilities, anchorings and "
        "commitments, assessment instruments and rounds, and the risk flags the scans raise.\n\n"
        "**Authentication**: every operation needs a login. Integrations send `Authorization: Token <key>` "
        "(`python manage.py create_api_token <username> [--read-only]`); a browser may use the admin's session. "
        "A read-only token is refused (403) for writes. Reading needs "
        "the Django model's view permission, writing its add, change or delete permission.\n\n"
        "**Lists** are paginated (`page`, `page_size` up to 500), filtered by the query parameters each list "
        "names, and sorted with `ordering`. **Errors** are JSON with a status that says what happened: 400 "
        "with messages per field, 401 without a login, 403 without the permission, 404 for an unknown id, 409 "
        "when other records still refer to the one to delete. **Languages**: messages follow `Accept-Language` "
        "(sv, en)."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "TAGS": [
        {"name": "organizations", "description": "Organisations: sector, power/interest grid, resources, mandate."},
        {"name": "persons", "description": "People of the organisations; GDPR export, anonymisation, hand-over."},
        {"name": "agreements", "description": "Agreements (överenskommelser) and their lifecycle actions."},
        {"name": "parties", "description": "Organisations taking part in an agreement."},
        {"name": "representatives", "description": "Who represents a party, with mandate and time."},
        {"name": "responsibilities", "description": "The division of roles: responsible and deputy."},
        {"name": "anchorings", "description": "Decisions, plans and sponsors inside each party's organisation."},
        {"name": "commitments", "description": "What each party has promised, by when, and who sees to it."},
        {"name": "interactions", "description": "The dialogue log: meetings, calls and other contacts."},
        {"name": "follow-ups", "description": "What is to be done after contacts, by whom and by when."},
        {"name": "employments", "description": "People's careers: employment periods (a move opens the next)."},
        {"name": "network", "description": "The actor network of agreements, organisations and people, with brokers."},
        {"name": "risks", "description": "Risk flags raised by the scans; acknowledge them."},
        {"name": "risk-scans", "description": "Runs of the risk scan; ask for one now."},
        {"name": "instruments", "description": "Assessment questionnaires with scale and bands."},
        {"name": "assessment-rounds", "description": "Assessment rounds of an agreement and their results."},
        {"name": "documents", "description": "Signed agreement documents (PDF)."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from our own static files (drf-spectacular-sidecar), never from a CDN; no validator
    # badge, which would send the schema's address to validator.swagger.io.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status` or `kind` field with different choices.
    "ENUM_NAME_OVERRIDES": {
        "AgreementStatusEnum": "agreements.choices.AgreementStatus",
        "CommitmentStatusEnum": "agreements.choices.CommitmentStatus",
        "ResponsibilityKindEnum": "agreements.choices.ResponsibilityKind",
        "AnchoringKindEnum": "agreements.choices.AnchoringKind",
        "ConditionLevelEnum": "agreements.choices.ConditionLevel",
    },
}

# --- Content-Security-Policy (django-csp; README "Content-Security-Policy") -----------------------------------
# Every response says where its page may load from: this site only, no inline script, no framing. The admin needs
# nothing more (Django's admin has no inline script or style); our admin pages' <style> blocks carry the request's
# nonce. The answer page tightens this further (assessments.views.ANSWER_PAGE_POLICY), the API docs loosen only
# what Swagger UI and ReDoc need (samverkan_project.api.docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],  # the nonce only on pages that use it
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Login and token limits (samverkan_project/access.py, integrations/authentication.py) ------------------
# django-axes: AXES_FAILURE_LIMIT failed logins for one username from one address lock that pair out for
# AXES_COOLOFF_MINUTES (the admin login and the API's browser login). Failures are kept in the database, so
# the limit holds across processes and never depends on the cache.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # failures only: no log of every successful login
AXES_LOCKOUT_CALLABLE = "samverkan_project.access.lockout_response"
AXES_CLIENT_IP_CALLABLE = "samverkan_project.access.client_address"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no start-up banner on every command; lockouts are still logged as warnings
# Password spraying: an address that failed to log in with this many different usernames within
# AXES_COOLOFF_MINUTES is refused for every username until the failures are older than that.
LOGIN_ADDRESS_USERNAME_LIMIT = env_int("LOGIN_ADDRESS_USERNAME_LIMIT", 10)
# Unknown or invalid API tokens: a client sending this many within the window (s) gets 429 until it ends.
API_TOKEN_FAILURE_LIMIT = env_int("API_TOKEN_FAILURE_LIMIT", 20)
API_TOKEN_FAILURE_WINDOW = env_int("API_TOKEN_FAILURE_WINDOW", 600)

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Longer than any retry delay or countdown we use (max 1 h), so Redis never redelivers a
    # task that is merely waiting; we never schedule long ETAs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 3600),
    }
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_RESULT_EXPIRES = 24 * 3600
# Tasks are followed through their rows (scans, deliveries, respondents), not results: a result backend that
# is down must never fail the web request that queues a task. check_worker's probe asks for its result.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 20 * 60)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Retry delays (seconds) must stay below the visibility timeout.
CELERY_MAX_RETRY_DELAY = 3600

# --- Import / export -------------------------------------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# An import runs in the web request (preview, then again on confirmation): these bound it so it ends
# with a message, never a worker timeout (samverkan_project.spreadsheets; README, settings).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 2 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 500)
# Keep it below GUNICORN_TIMEOUT (30 s by default), leaving time to read the file and show the preview.
IMPORT_MAX_SECONDS = env_int("IMPORT_MAX_SECONDS", 20)

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes: lockouts (warnings) only, not its start-up banner and every failed attempt.
    "loggers": {"axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")}},
}

# --- Security (production values come from the environment; see README, Deployment) ----------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Domain settings -------------------------------------------------------------------------
# Power/interest values at or above this count as "high" on the stakeholder grid.
STAKEHOLDER_GRID_HIGH_FROM = env_int("STAKEHOLDER_GRID_HIGH_FROM", 3)
# The actor network (agreements/network.py): betweenness is exact up to this many nodes, beyond that estimated
# from this many sampled sources; the admin page draws the network up to NETWORK_DRAW_MAX_NODES nodes (a larger
# one is narrowed with a focus or a sector, the table lists it all).
NETWORK_BETWEENNESS_EXACT_UP_TO = env_int("NETWORK_BETWEENNESS_EXACT_UP_TO", 1000)
NETWORK_DRAW_MAX_NODES = env_int("NETWORK_DRAW_MAX_NODES", 200)
# Largest signed agreement document accepted (bytes).
AGREEMENT_DOCUMENT_MAX_BYTES = env_int("AGREEMENT_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
# A replaced or removed signed document (or that of a deleted agreement) stays in storage this many days,
# downloadable by coordinators from the agreement's history; the nightly job then deletes it (0: next run).
AGREEMENT_DOCUMENT_RETENTION_DAYS = env_int("AGREEMENT_DOCUMENT_RETENTION_DAYS", 90)
# An agreement whose end date is this close counts as expiring (days).
AGREEMENT_EXPIRING_WITHIN_DAYS = env_int("AGREEMENT_EXPIRING_WITHIN_DAYS", 60)

# --- Request limits (samverkan_project/middleware.py RequestLimitsMiddleware, gunicorn.conf.py) ---------
# Longest URL (path and query, characters) served; longer ones are 414.
REQUEST_URL_MAX_LENGTH = env_int("REQUEST_URL_MAX_LENGTH", 4000)
# Largest body that is not a file upload (JSON, a form), read into memory whole; larger ones are 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Largest multipart upload as a whole (a signed document with the agreement's fields, an import file).
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", AGREEMENT_DOCUMENT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE)

# --- Risk engine (thresholds of DESIGN §5; the RISK_* names reach the rules as ScanContext.limits) --
# single_person_dependency fires when an active agreement's bus factor is below this.
RISK_BUS_FACTOR_MIN = env_int("RISK_BUS_FACTOR_MIN", 2)
# person_overload: responsible in this many active agreements, or for this share of one agreement's
# roles (only agreements with at least RISK_OVERLOAD_MIN_RESPONSIBILITIES roles, so a two-role
# agreement is not "overloaded" by construction).
RISK_OVERLOAD_AGREEMENTS = env_int("RISK_OVERLOAD_AGREEMENTS", 4)
RISK_OVERLOAD_SHARE = float(os.environ.get("RISK_OVERLOAD_SHARE", "0.5"))
RISK_OVERLOAD_MIN_RESPONSIBILITIES = env_int("RISK_OVERLOAD_MIN_RESPONSIBILITIES", 3)
# A scan splits into chunks of this many agreements over the workers when the portfolio is larger.
# dialogue_missing: an active agreement (older than this) with no interaction logged for this many months.
RISK_DIALOGUE_MONTHS = env_int("RISK_DIALOGUE_MONTHS", 6)
# renewal_decision_due: from this many days before the notice deadline (valid_to − notice period) until valid_to.
RISK_RENEWAL_LEAD_DAYS = env_int("RISK_RENEWAL_LEAD_DAYS", 60)
RISK_SCAN_CHUNK_SIZE = env_int("RISK_SCAN_CHUNK_SIZE", 2000)
# PostgreSQL memory for the scan's grouping of every answer (risks.facts.grouped_rows); empty: the server's own.
RISK_SCAN_WORK_MEM = os.environ.get("RISK_SCAN_WORK_MEM", "64MB")
# A scan still "running" after this long was lost (a killed worker); the next scheduled run retakes its slot.
RISK_SCAN_STALE_AFTER_SECONDS = env_int("RISK_SCAN_STALE_AFTER_SECONDS", 2 * 3600)
# Risk e-mail reports: links point into the admin at SITE_URL.
RISK_REPORT_MAX_ITEMS = env_int("RISK_REPORT_MAX_ITEMS", 200)
# First retry delay (s) of a failed report delivery; it doubles up to CELERY_MAX_RETRY_DELAY, with jitter.
RISK_REPORT_RETRY_BACKOFF = env_int("RISK_REPORT_RETRY_BACKOFF", 30)
# The assessment rules (risks/rules/assessments.py) read the latest closed rounds with answers.
# assessment_disagreement and declining_assessment count an item only with at least this many answers.
RISK_ASSESSMENT_MIN_RESPONDENTS = env_int("RISK_ASSESSMENT_MIN_RESPONDENTS", 3)
# low_assessment_score: the mean total lies in this many lowest bands of the instrument; for an instrument
# without bands, an item's mean is at most scale_min + this share of the scale (4 of 0–10).
RISK_ASSESSMENT_LOW_BANDS = env_int("RISK_ASSESSMENT_LOW_BANDS", 2)
RISK_ASSESSMENT_LOW_SHARE = float(os.environ.get("RISK_ASSESSMENT_LOW_SHARE", "0.4"))
# assessment_disagreement: an item's answers span at least this range, by scale width (scale_max - scale_min),
# as "width:range,..." (5 on 0–10, 3 on 1–5); other widths use this share of the width, rounded up.
RISK_ASSESSMENT_DISAGREEMENT_RANGES = env_int_map("RISK_ASSESSMENT_DISAGREEMENT_RANGES", {10: 5, 4: 3})
RISK_ASSESSMENT_DISAGREEMENT_SHARE = float(os.environ.get("RISK_ASSESSMENT_DISAGREEMENT_SHARE", "0.6"))
# declining_assessment: the mean total fell by this share of its span (items x width; 8.4 points in Testa din
# samverkan, 6 in Samverkansmodellen), or, without bands, an item's mean by this share of the width (1 of 0–10).
RISK_ASSESSMENT_DECLINE_SHARE = float(os.environ.get("RISK_ASSESSMENT_DECLINE_SHARE", "0.1"))
# collaboration_asymmetry: in the latest closed Levels of Collaboration round, the two directions of a pair of
# parties (mean of A's ratings of B against B's of A, 0–5) differ by at least this much.
RISK_ASYMMETRY_MIN = float(os.environ.get("RISK_ASYMMETRY_MIN", "2"))

# --- Assessment rounds ---------------------------------------------------------------------------
# The instrument of rounds the schedule starts for an agreement that has had none (its code).
ASSESSMENT_DEFAULT_INSTRUMENT = os.environ.get("ASSESSMENT_DEFAULT_INSTRUMENT", "samverkansmodellen")
# A round the schedule starts stays open this many days.
ASSESSMENT_ROUND_DAYS = env_int("ASSESSMENT_ROUND_DAYS", 21)
# Respondents who have not answered are reminded once, this many days before the round closes.
ASSESSMENT_REMINDER_DAYS = env_int("ASSESSMENT_REMINDER_DAYS", 3)
# Users who may not view individual answers (readers) see results of closed rounds only, and no figure of
# fewer answers than this (a round's free text only when this many answered), so no one person's answers show.
ASSESSMENT_MIN_GROUP = env_int("ASSESSMENT_MIN_GROUP", 3)
# The public answer page refuses a client address (429) after this many unknown links within the window (s).
ASSESSMENT_LINK_RATE_LIMIT = env_int("ASSESSMENT_LINK_RATE_LIMIT", 20)
ASSESSMENT_LINK_RATE_WINDOW = env_int("ASSESSMENT_LINK_RATE_WINDOW", 600)
# Behind this many reverse proxies that append to X-Forwarded-For, the client is read from that header
# (counted from the right); 0 trusts only the direct peer, so a forged header changes nothing.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- Cache: the failure counts of the answer-link, API-token and login limits (samverkan_project/ratelimit.py),
# which every process must share. Default: a table in the database (samverkan_project/cache.py), so the
# embedded setup and a deployment without Redis share them too; CACHE_URL=redis://… uses Redis instead;
# CACHE_URL=locmem:// keeps them in each process's memory (one process only, e.g. a test). --------------------
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL or locmem://, got {CACHE_URL!r}")
else:
    CACHES = {"default": {"BACKEND": "samverkan_project.cache.DatabaseCache", "LOCATION": "samverkan_cache"}}

# --- Privacy (GDPR; stakeholders/privacy.py, README "Privacy (GDPR)") ---------------------------------
# People whose leaving date lies more than this many months back are anonymised by the nightly job.
PRIVACY_ANONYMISE_AFTER_MONTHS = env_int("PRIVACY_ANONYMISE_AFTER_MONTHS", 24)
# Assessment rounds closed more than this many months ago lose their comments and the link between answers
# and people; their figures remain as anonymous numbers.
ASSESSMENT_ANSWER_RETENTION_MONTHS = env_int("ASSESSMENT_ANSWER_RETENTION_MONTHS", 36)
