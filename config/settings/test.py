"""Test settings: the whole suite runs against real PostgreSQL and Redis.

DATABASE_URL and REDIS_URL default to the local servers on their standard ports.
"""

import hashlib
import os
import tempfile
from pathlib import Path

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
# Evidence kept by tests (and by the Celery worker a test starts) goes here, not in var/media.
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
# The ClamAV daemon that tests/documents/test_scanning.py starts, where this process and the
# Celery worker it starts both find it: one per working copy and xdist worker.
CLAMD_SOCKET = str(
    Path(tempfile.gettempdir())
    / (
        f"asb-clamd-{hashlib.sha256(str(VAR_DIR).encode()).hexdigest()[:10]}"  # noqa: F405
        f"-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    )
    / "clamd.sock"
)

# Each test process publishes to its own queue, so a worker started by one test session (or
# one xdist worker) never picks up another's messages. The worker a test starts is told its
# queue in ASB_TEST_CELERY_QUEUE; nothing is written to this process's environment, which
# xdist workers would otherwise inherit from the controlling process and share.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("ASB_TEST_CELERY_QUEUE") or f"asb-test-{os.getpid()}"
CELERY_LONG_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-long"
CELERY_TASK_ROUTES = {name: {"queue": CELERY_LONG_QUEUE} for name in LONG_TASKS}  # noqa: F405
