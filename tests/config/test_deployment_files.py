"""docker-compose.yml cannot be run here (no Docker engine); check its shape by reading it."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose_services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_defines_the_services_from_one_image():
    services = compose_services()
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "worker-long", "beat"}
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    for name in ("web", "worker", "worker-long", "beat"):
        assert services[name]["image"] == "asb-partnership:latest"
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == (
            "config.settings.production"
        )
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "gunicorn" in services["web"]["command"]
    assert "migrate" not in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert (ROOT / "Dockerfile").exists()


def test_migrations_run_as_the_owner_and_the_application_as_the_runtime_role():
    services = compose_services()
    migrate = services["migrate"]
    assert migrate["environment"]["DATABASE_URL"].startswith("postgres://asb_owner:")
    assert "db_grant_runtime_role asb_app" in migrate["command"]
    for name in ("web", "worker", "worker-long", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://asb_app:")
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert "TRUSTED_PROXY_COUNT" in services[name]["environment"]
    init = (ROOT / "config" / "db" / "init-roles.sh").read_text()
    assert "CREATE ROLE asb_app LOGIN NOSUPERUSER" in init


def test_every_process_is_restarted_by_compose_if_it_exits():
    for name, service in compose_services().items():
        if name == "migrate":  # runs once, before the others start
            assert service["restart"] == "no"
            continue
        assert service["restart"] == "unless-stopped", name


def test_the_broker_keeps_its_queue_across_a_restart():
    redis = compose_services()["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_short_and_long_tasks_have_their_own_workers_and_queues():
    services = compose_services()
    short, long = services["worker"], services["worker-long"]
    assert short["command"][short["command"].index("-Q") + 1] == "asb"
    assert long["command"][long["command"].index("-Q") + 1] == "asb-long"
    assert long["environment"]["CELERY_LONG_TASK_WORKER"] == "true"
    assert "CELERY_LONG_TASK_WORKER" not in short["environment"]
    for worker in (short, long):
        assert "--pool=prefork" in worker["command"]


def test_make_run_restarts_a_worker_or_beat_that_exits():
    """honcho stops everything when one process exits; the worker and beat are each started
    again by a loop of their own instead, which still ends on Ctrl-C (SIGINT or SIGTERM)."""
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert set(procfile) == {"web", "worker", "beat"}
    for name in ("worker", "beat"):
        assert "while :; do" in procfile[name]
        assert "trap " in procfile[name] and "INT TERM" in procfile[name]
    assert "-long" in procfile["worker"]  # one worker consumes both queues under make run
