"""Settings come from the environment, typed, and fail loudly on a bad value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("Yes", True)])
def test_booleans_are_read_strictly(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", False) is expected


def test_a_boolean_that_is_not_one_fails_loudly(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


def test_numbers_and_lists_fail_loudly(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_NUMBER", 1)
    monkeypatch.setenv("SOME_LIST", "a,,b")
    with pytest.raises(ImproperlyConfigured):
        env_list("SOME_LIST", [])


def run_django(settings_module, env, *args):
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "SECRET_KEY": "k3Jd9-x8Lq2vZ7mN4pR1sT6wY0aB5cE8fG3hJ7kL2mN9pQ4rS1tU6vW0xY5z",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/asb",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "asb.example.org",
    "TRUSTED_PROXY_COUNT": "1",
}


def test_production_settings_pass_the_deployment_checks_with_no_warnings():
    result = run_django(
        "config.settings.production",
        PRODUCTION_ENV,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "at least 50 characters"),
        ({"DEBUG": "true"}, "DEBUG must not be true"),
        ({"DEBUG": "perhaps"}, "is not a boolean"),
        ({"DATABASE_URL": ""}, "needs DATABASE_URL"),
        ({"DATABASE_URL": "nonsense://"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://example.org"}, "REDIS_URL"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"TRUSTED_PROXY_COUNT": ""}, "TRUSTED_PROXY_COUNT must be set"),
        ({"TRUSTED_PROXY_COUNT": "two"}, "TRUSTED_PROXY_COUNT"),
        ({"TRUSTED_PROXY_NETWORKS": "10.0.0.0/33"}, "TRUSTED_PROXY_NETWORKS"),
        ({"DEMO_ACCOUNTS_SKIP_TWO_FACTOR": "true"}, "must not be true in production"),
    ],
)
def test_production_refuses_to_start_with_a_bad_setting(override, message):
    result = run_django("config.settings.production", PRODUCTION_ENV | override, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_seed_demo_refuses_to_run_with_production_settings():
    result = run_django("config.settings.production", PRODUCTION_ENV, "seed_demo")
    assert result.returncode != 0
    assert "refuses to run with production settings" in result.stderr


def test_without_database_and_redis_urls_the_embedded_default_is_used(tmp_path):
    result = run_django(
        "config.settings.dev",
        {"ASB_VAR_DIR": str(tmp_path)},
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], "
        "settings.CELERY_BROKER_URL)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://localhost//"]
