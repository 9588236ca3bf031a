"""Production: the base settings hardened. `manage.py check --deploy` passes with no warnings.

Required in the environment: SECRET_KEY, DATABASE_URL, REDIS_URL, ALLOWED_HOSTS and
TRUSTED_PROXY_COUNT (0 when nothing stands in front of the application).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_str

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASES, DEBUG, REDIS_URL

if DEBUG:
    raise ImproperlyConfigured("DEBUG must not be true in production.")

SECRET_KEY = env_str("SECRET_KEY")  # no default here: a missing key is a start-up error
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs DATABASE_URL pointing at PostgreSQL.")
if not REDIS_URL:
    raise ImproperlyConfigured("Production needs REDIS_URL.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the service's host names.")

# Behind a load balancer every request comes from its address: say how many proxies there are,
# or the lock-out and the public form limits would treat the whole county as one person.
if not (os.environ.get("TRUSTED_PROXY_COUNT") or os.environ.get("AXES_IPWARE_PROXY_COUNT")):
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT must be set in production: the number of proxies in front of the "
        "application (0 if none)."
    )
if env_bool("DEMO_ACCOUNTS_SKIP_TWO_FACTOR", False):
    raise ImproperlyConfigured("DEMO_ACCOUNTS_SKIP_TWO_FACTOR must not be true in production.")
DEMO_ACCOUNTS_SKIP_TWO_FACTOR = False

# HTTPS only, behind a proxy that sets X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

DEMO_DATA_ALLOWED = False

# Evidence and letters in S3-compatible object storage (django-storages) when a bucket is
# named; otherwise the file system under MEDIA_ROOT, which must then be a persistent volume.
# The bucket is private: files are only ever served through the access-checked views.
DOCUMENTS_BUCKET = os.environ.get("DOCUMENTS_BUCKET", "").strip()
if DOCUMENTS_BUCKET:
    STORAGES = {
        **STORAGES,  # noqa: F405
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": DOCUMENTS_BUCKET,
                "endpoint_url": os.environ.get("DOCUMENTS_ENDPOINT_URL") or None,
                "region_name": os.environ.get("DOCUMENTS_REGION") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "object_parameters": {"ServerSideEncryption": "AES256"},
            },
        },
    }

# E-mail: GOV.UK Notify when its API key is given (EMAIL_BACKEND may still name SMTP).
from .base import EMAIL_BACKEND, GOVUK_NOTIFY_API_KEY, GOVUK_NOTIFY_TEMPLATE_ID  # noqa: E402

if GOVUK_NOTIFY_API_KEY and EMAIL_BACKEND.endswith("console.EmailBackend"):
    EMAIL_BACKEND = "notifications.backends.GovUKNotifyEmailBackend"
if EMAIL_BACKEND == "notifications.backends.GovUKNotifyEmailBackend" and not (
    GOVUK_NOTIFY_API_KEY and GOVUK_NOTIFY_TEMPLATE_ID
):
    raise ImproperlyConfigured(
        "GOV.UK Notify needs GOVUK_NOTIFY_API_KEY and GOVUK_NOTIFY_TEMPLATE_ID."
    )
