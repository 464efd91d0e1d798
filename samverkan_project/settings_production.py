"""Production settings: the environment-driven base settings, hardened.

Selected with ``DJANGO_SETTINGS_MODULE=samverkan_project.settings_production`` (the ``Procfile`` does
this). ``python manage.py check --deploy`` reports nothing under these settings with the defaults
below. Refuses to start without a strong ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``SITE_URL`` from the
environment: a production process must never fall back to the embedded development values.
See README.md, "Deployment", for every variable.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from samverkan_project.settings import *  # noqa: F403
from samverkan_project.settings import DATABASES, env_bool, env_int, env_list

# --- Required from the environment -----------------------------------------------------------
SECRET_KEY_MIN_LENGTH = 50  # Django's own bar (security.W009): at least 50 characters, 5 distinct.


def _secret_key_from_environment() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if not key:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment for production "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    # The embedded default and Django's startproject keys both start with this prefix.
    if key.startswith("django-insecure"):
        raise ImproperlyConfigured("SECRET_KEY is the insecure development default; set a random key for production.")
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5:
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak: use at least {SECRET_KEY_MIN_LENGTH} random characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    return key


DEBUG = False  # whatever DEBUG says: a traceback page in production leaks settings and data
SECRET_KEY = _secret_key_from_environment()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment for production (comma-separated).")
if not os.environ.get("SITE_URL"):
    raise ImproperlyConfigured("SITE_URL must be set in the environment for production (the links in e-mails).")

# --- HTTPS -----------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# A load balancer probes over plain HTTP; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# SECURE_PROXY_SSL_HEADER: set by the base settings when USE_X_FORWARDED_PROTO is true.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Static files: collected by `collectstatic`, served by whitenoise (already in MIDDLEWARE) ----
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False  # serve only what collectstatic wrote, with far-future caching

# --- Database --------------------------------------------------------------------------------
# Persistent connections (DB_CONN_MAX_AGE) are checked before reuse, so a restarted PostgreSQL
# costs one failed check rather than one failed request.
DATABASES = {**DATABASES, "default": {**DATABASES["default"], "CONN_HEALTH_CHECKS": True}}

# --- E-mail: SMTP unless told otherwise (the base default prints mails to the console) --------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", os.environ.get("DEFAULT_FROM_EMAIL", "samverkan@localhost"))

# --- Logging: one line per record on stdout, for the process manager to collect ----------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "line"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
