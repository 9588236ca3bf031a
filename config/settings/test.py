"""Test settings: the whole suite runs against real PostgreSQL and Redis.

DATABASE_URL and REDIS_URL default to the local servers on their standard ports.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/asb")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")

from .base import *  # noqa: F403

DEBUG = False
# Hashing is not what the tests are about; a fast hasher keeps fixtures cheap.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In this process, mail is kept in memory; a Celery worker a test starts writes it to files
# the test reads (tests/conftest.py: celery_worker_process, worker_mail).
EMAIL_BACKEND = os.environ.get(
    "ASB_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("ASB_TEST_EMAIL_FILE_PATH", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

# Each test process publishes to its own queue, so a worker started by one test session (or
# one xdist worker) never picks up another's messages. The worker a test starts is told its
# queue in ASB_TEST_CELERY_QUEUE; nothing is written to this process's environment, which
# xdist workers would otherwise inherit from the controlling process and share.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("ASB_TEST_CELERY_QUEUE") or f"asb-test-{os.getpid()}"
CELERY_LONG_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-long"
CELERY_TASK_ROUTES = {name: {"queue": CELERY_LONG_QUEUE} for name in LONG_TASKS}  # noqa: F405
