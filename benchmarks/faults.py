"""Background work and requests with faults injected: Redis stopped, frozen and restarted, and a
worker's pool process killed, under API traffic (issue 15).

    .venv/bin/python benchmarks/faults.py [--outage 10] [--clients 4] [--label LABEL]

It builds a scratch PostgreSQL database (`asb_bench_faults`, dropped and created again: never
the shared test or benchmark databases), loads the demo partnership and makes an API client;
starts a Redis server of its own on a free port (append-only file on, as in
docker-compose.yml, its files in a temporary directory), gunicorn (4 sync workers, 30 s timeout,
as the image runs it), a prefork Celery worker (2 processes, both queues) and beat. Then, for
each scenario, API clients post incidents and Case Review applications
(POST /api/v1/incidents/, POST /api/v1/case-reviews/, alternately) while the fault lasts, and
it reports:

- requests: sent while the fault lasted; answered: of those, answered 2xx within 30 s;
- normal and max latency (normal: the median with nothing wrong, measured first);
- records lost: answered 2xx but not in the database;
- work lost: outbox work not completed, and applications still "received", once the backlog
  should have drained (after `--drain-timeout` seconds);
- drained: seconds from the end of the fault until every outbox row is completed and no
  application is still "received".

Scenarios: Redis stopped; Redis frozen (SIGSTOP); Redis restarted with work queued (the worker
paused meanwhile, as in the issue), with its append-only file and, as a worst case, without
it (its files deleted: a broker with no persistence); a pool process SIGKILLed mid-burst.
The stack runs with OUTBOX_REDELIVER_AFTER=60 (production: 900 s), so that work lost with an
unpersisted broker is published again within the run; every other setting is the production
default. Prints a Markdown table and writes it to benchmarks/results/faults-<date>[-label].md.
Run by hand, never by the test suite. Only local processes it started are stopped or signalled.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE = "asb_bench_faults"
BIN = Path(sys.executable).parent
REQUEST_TIMEOUT = 30.0
REDELIVER_AFTER = 60
INWARD = "ABDEFGHJLNPQRSTUWXYZ"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float, every: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


# The stack ---------------------------------------------------------------------------------


class Redis:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

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
                "yes",
                "--appendfsync",
                "everysec",
            ],
            stdout=subprocess.DEVNULL,
        )
        if not wait_for(self.answers, 30, 0.05):
            raise RuntimeError("redis-server did not start")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1, retry=None).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def forget_everything(self) -> None:
        """As a broker without persistence restarts: nothing on disk."""
        for path in self.directory.iterdir():
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)


@dataclass
class Stack:
    directory: Path
    env: dict[str, str]
    redis: Redis
    base_url: str = ""
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.directory / f"{name}.log", "w")  # noqa: SIM115 (kept for the process)
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start(self) -> None:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "4",
                "--timeout",
                "30",
            ],
        )
        self.start_worker()
        self.spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.directory / "celerybeat-schedule"),
            ],
        )
        if not wait_for(lambda: self.get("/healthz") is not None, 60):
            raise RuntimeError("gunicorn did not start")

    def start_worker(self) -> None:
        self.spawn(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                "--concurrency=2",
                "-Q",
                "asb,asb-long",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"bench-{uuid.uuid4().hex[:6]}@%h",
            ],
        )
        log = self.directory / "worker.log"
        if not wait_for(lambda: " ready." in log.read_text(errors="replace"), 90):
            raise RuntimeError("the Celery worker did not start")

    def worker_group(self, sig: int) -> None:
        os.killpg(self.processes["worker"].pid, sig)

    def pool_processes(self) -> list[int]:
        parent = self.processes["worker"].pid
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                children.append(int(stat.parent.name))
        return children

    def get(self, path: str):
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGCONT)
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.redis.stop()


def prepare_database(database_url: str, env: dict[str, str]) -> str:
    """A fresh scratch database with the demo partnership; returns an API client's token."""
    import psycopg2

    admin = psycopg2.connect(ADMIN_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    admin.close()
    manage = [str(BIN / "python"), "manage.py"]
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [*manage, *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    made = subprocess.run(
        [*manage, "create_api_client", "livin", "Fault benchmark"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return made.stdout.strip().split()[-1]


# Traffic -----------------------------------------------------------------------------------


@dataclass
class Sent:
    kind: str
    ref: str
    started: float
    seconds: float
    status: int | None
    uuid: str | None = None


class Traffic:
    def __init__(self, stack: Stack, token: str):
        self.stack, self.token = stack, token
        self.count = 0
        self.lock = threading.Lock()
        self.reported: set[str] = set()

    def post_one(self) -> Sent:
        with self.lock:
            self.count += 1
            number = self.count
        ref = f"fault-{uuid.uuid4().hex[:12]}"
        # A postcode of its own, so that each incident does not concern every application (an
        # incident re-evaluates the pending applications at its postcode).
        postcode = (
            f"DL{random.randint(1, 3)} {random.randint(1, 9)}"
            f"{random.choice(INWARD)}{random.choice(INWARD)}"
        )
        if number % 2:
            kind, path = "incident", "/api/v1/incidents/"
            body = {
                "external_ref": ref,
                "occurred_at": "2026-11-01T21:30:00Z",
                "reported_at": "2026-11-02T09:00:00Z",
                "category": "personal",
                "incident_type": "noise",
                "description": "Loud music until 2am.",
                "location": {"address": "14 Elm Court", "postcode": postcode},
                "anonymous": True,
            }
        else:
            kind, path = "application", "/api/v1/case-reviews/"
            body = {
                "relationship": "self",
                "applicant_name": "Robin Fictional",
                "applicant_email": "robin@example.org",
                "victim_given_name": "Robin",
                "victim_family_name": f"Fictional-{ref}",
                "problem_type": "noise",
                "problem_address": "14 Elm Court",
                "problem_postcode": postcode,
                "local_authority": "E06000005",
                "description": ref,
            }
        request = urllib.request.Request(
            self.stack.base_url + path,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        started = time.monotonic()
        status, answer = None, None
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                status, answer = response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            status = error.code
            if status != 429 and kind not in self.reported:
                self.reported.add(kind)
                print(f"{kind}: {status} {error.read()[:500]!r}", flush=True)
        except OSError:
            status = None
        seconds = time.monotonic() - started
        found = (answer or {}).get("uuid") if isinstance(answer, dict) else None
        return Sent(kind, ref, started, seconds, status, found)

    def during(self, seconds: float, clients: int) -> list[Sent]:
        """Clients posting back to back for `seconds`."""
        deadline = time.monotonic() + seconds
        sent: list[Sent] = []

        def client():
            while time.monotonic() < deadline:
                sent.append(self.post_one())

        with ThreadPoolExecutor(clients) as pool:
            for _ in range(clients):
                pool.submit(client)
        return sent


# Measuring ---------------------------------------------------------------------------------


def records_lost(sent: list[Sent]) -> int:
    from asb_cases.models import Incident
    from community_trigger.models import Application

    ok = [s for s in sent if s.status in (200, 201)]
    refs = set(
        Incident.objects.filter(
            external_ref__in=[s.ref for s in ok if s.kind == "incident"]
        ).values_list("external_ref", flat=True)
    )
    descriptions = set(
        Application.objects.filter(
            description__in=[s.ref for s in ok if s.kind != "incident"]
        ).values_list("description", flat=True)
    )
    return sum(1 for s in ok if s.ref not in (refs if s.kind == "incident" else descriptions))


def backlog() -> tuple[int, int]:
    from django.db import close_old_connections

    from community_trigger.models import Application, Stage
    from partners.models import OutboxTask

    close_old_connections()
    return (
        OutboxTask.objects.filter(completed_at__isnull=True).count(),
        Application.objects.filter(stage=Stage.RECEIVED).count(),
    )


@dataclass
class Row:
    scenario: str
    requests: int
    answered: int
    normal_ms: float
    max_ms: float
    records_lost: int
    work_lost: str
    drained_s: float | None


def drain(since: float, timeout: float) -> tuple[float | None, str]:
    if wait_for(lambda: backlog() == (0, 0), timeout, every=0.5):
        return time.monotonic() - since, "0"
    tasks, applications = backlog()
    return None, f"{tasks} tasks, {applications} applications"


def measure(name, stack, traffic, options, normal_ms, fault, recover) -> Row:
    """Traffic while `fault()` holds for --outage seconds, then `recover()`; then the drain."""
    fault()
    sent = traffic.during(options.outage, options.clients)
    recover()
    returned = time.monotonic()
    drained, lost = drain(returned, options.drain_timeout)
    return Row(
        scenario=name,
        requests=len(sent),
        answered=sum(1 for s in sent if s.status in (200, 201)),
        normal_ms=normal_ms,
        max_ms=max((s.seconds for s in sent), default=0) * 1000,
        records_lost=records_lost(sent),
        work_lost=lost,
        drained_s=drained,
    )


def run(options) -> list[Row]:
    work = Path(tempfile.mkdtemp(prefix="asb-faults-"))
    (work / "redis").mkdir()
    redis = Redis(work / "redis")
    redis.start()
    database_url = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "ASB_VAR_DIR": str(work / "var"),
        "API_THROTTLE_RATE": "1000000/minute",
        "OUTBOX_REDELIVER_AFTER": str(REDELIVER_AFTER),
    }
    os.environ.update(
        {k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "ASB_VAR_DIR")}
    )
    sys.path.insert(0, str(ROOT))
    print(f"Preparing {DATABASE} (migrate, seed_demo) ...", flush=True)
    token = prepare_database(database_url, env)
    import django

    django.setup()
    stack = Stack(directory=work, env=env, redis=redis)
    rows: list[Row] = []
    try:
        stack.start()
        traffic = Traffic(stack, token)
        warm = traffic.during(3, options.clients)
        normal = traffic.during(5, options.clients)
        normal_ms = statistics.median(s.seconds for s in normal) * 1000
        drained, lost = drain(time.monotonic(), options.drain_timeout)
        rows.append(
            Row(
                "nothing wrong",
                len(normal),
                sum(s.status in (200, 201) for s in normal),
                normal_ms,
                max(s.seconds for s in normal) * 1000,
                records_lost(warm + normal),
                lost,
                drained,
            )
        )
        print(rows[-1], flush=True)

        rows.append(
            measure("Redis stopped", stack, traffic, options, normal_ms, redis.stop, redis.start)
        )
        print(rows[-1], flush=True)
        rows.append(
            measure(
                "Redis frozen (SIGSTOP)",
                stack,
                traffic,
                options,
                normal_ms,
                lambda: redis.signal(signal.SIGSTOP),
                lambda: redis.signal(signal.SIGCONT),
            )
        )
        print(rows[-1], flush=True)

        def restart_with_work_queued(persist: bool) -> Row:
            def fault():
                stack.worker_group(signal.SIGSTOP)

            def recover():
                redis.stop()
                if not persist:
                    redis.forget_everything()
                redis.start()
                stack.worker_group(signal.SIGCONT)

            label = "with" if persist else "without"
            return measure(
                f"Redis restarted {label} AOF, work queued (worker paused)",
                stack,
                traffic,
                options,
                normal_ms,
                fault,
                recover,
            )

        rows.append(restart_with_work_queued(True))
        print(rows[-1], flush=True)
        rows.append(restart_with_work_queued(False))
        print(rows[-1], flush=True)

        def kill_pool_process():
            def kill_soon():
                time.sleep(options.outage / 2)
                for pid in stack.pool_processes()[:1]:
                    os.kill(pid, signal.SIGKILL)

            threading.Thread(target=kill_soon, daemon=True).start()

        rows.append(
            measure(
                "worker pool process SIGKILLed mid-burst",
                stack,
                traffic,
                options,
                normal_ms,
                kill_pool_process,
                lambda: None,
            )
        )
        print(rows[-1], flush=True)
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)
    return rows


def table(rows: list[Row], options) -> str:
    lines = [
        f"# Faults injected: {dt.date.today():%Y-%m-%d}",
        "",
        f"{platform.node()}, {os.cpu_count()} cores; gunicorn 4 sync workers, a prefork worker "
        f"(2 processes) and beat; {options.clients} API clients posting back to back for "
        f"{options.outage} s per fault; OUTBOX_REDELIVER_AFTER={REDELIVER_AFTER} s, otherwise "
        "production defaults. `benchmarks/faults.py`.",
        "",
        "| fault | requests | answered 2xx | normal latency | max latency | records lost "
        "| work lost | backlog drained after the fault |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        drained = f"{row.drained_s:.1f} s" if row.drained_s is not None else "not drained"
        lines.append(
            f"| {row.scenario} | {row.requests} | {row.answered} | {row.normal_ms:.0f} ms "
            f"| {row.max_ms:.0f} ms | {row.records_lost} | {row.work_lost} | {drained} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=10, help="seconds each fault lasts")
    parser.add_argument("--clients", type=int, default=4, help="API clients posting at once")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=180,
        help="seconds to wait for the backlog after each fault",
    )
    parser.add_argument("--label", default="", help="suffix for the results file")
    options = parser.parse_args(argv)
    rows = run(options)
    text = table(rows, options)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{options.label}" if options.label else ""
    path = RESULTS / f"faults-{dt.date.today():%Y-%m-%d}{suffix}.md"
    path.write_text(text)
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
