"""Faults on demand: a Redis server and Celery workers of a test's own, to stop, restart, freeze
and kill. Never the shared Redis or PostgreSQL: each Redis here listens on a free port of its
own, keeps its files in the test's temporary directory, and is stopped with its test.

Everything waits on a condition (a ping that answers, a line in a log, a row in the database),
never for a fixed time, so the tests hold on a busy machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis as redis_client
from django.conf import settings
from django.db import connection


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of this test process's database, for the workers a test starts."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


class RedisServer:
    """`redis-server` on a free port, its files under `directory`; with `aof`, every write is
    appended to a file and survives a restart, as the compose file's broker does."""

    def __init__(self, directory: Path, *, aof: bool):
        self.directory = Path(directory) / f"redis-{uuid.uuid4().hex[:8]}"
        self.directory.mkdir(parents=True)
        self.aof = aof
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.thaw()
        self.stop()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes" if self.aof else "no",
                "--appendfsync",
                "everysec",
            ],
            stdout=subprocess.DEVNULL,
        )
        if not wait_for(self.answers, timeout=30, every=0.05):
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Shut down as a restart would (SIGTERM: with AOF on, everything is on disk)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def freeze(self) -> None:
        """SIGSTOP: connections are accepted (by the kernel) and never answered."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    def client(self) -> redis_client.Redis:
        return redis_client.Redis.from_url(self.url, socket_timeout=2, retry=None)

    def answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis_client.RedisError:
            return False

    def queue_length(self, queue: str) -> int:
        return self.client().llen(queue)


class CeleryWorker:
    """A real `celery worker` process on `broker_url` and this test's database, consuming the
    test's queues. `env` adds settings (e.g. CELERY_VISIBILITY_TIMEOUT)."""

    def __init__(
        self,
        broker_url: str,
        log_dir: Path,
        *,
        pool: str = "solo",
        env: dict[str, str] | None = None,
    ):
        self.broker_url = broker_url
        self.pool = pool
        self.extra_env = env or {}
        self.log_path = Path(log_dir) / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> CeleryWorker:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": self.broker_url,
            "ASB_TEST_CELERY_QUEUE": queue,
            **self.extra_env,
        }
        pool = ["--pool=prefork", "--concurrency=1"] if self.pool == "prefork" else ["--pool=solo"]
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "config",
                "worker",
                *pool,
                "--loglevel=INFO",
                "-Q",
                f"{queue},{settings.CELERY_LONG_QUEUE}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"fault-{uuid.uuid4().hex[:8]}@%h",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        if not wait_for(lambda: " ready." in self.output() or not self.alive(), timeout=90):
            raise RuntimeError(f"The Celery worker did not start:\n{self.output()[-3000:]}")
        if not self.alive():
            raise RuntimeError(f"The Celery worker exited:\n{self.output()[-3000:]}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL the whole worker: nothing it was doing is acknowledged or handed back."""
        self.resume()
        self.process.kill()
        self.process.wait(timeout=30)

    def pool_processes(self) -> list[int]:
        """The prefork pool's child processes."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def stop(self) -> None:
        if self.process is not None and self.alive():
            self.resume()
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None


def locks_waited_on() -> int:
    """Backends of this test database waiting for a row lock (a task blocked mid-run)."""
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps the first snapshot of pg_stat_activity.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def worker_idle(timeout: float = 60.0) -> bool:
    """Every task published from the outbox has been completed: the worker is done with the
    test's data, so the test's teardown (a flush) does not race it."""
    from partners.models import OutboxTask

    return wait_for(
        lambda: (
            not OutboxTask.objects.filter(
                dispatched_at__isnull=False, completed_at__isnull=True
            ).exists()
        ),
        timeout=timeout,
    )
