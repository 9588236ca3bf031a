"""The shared cast and the plumbing every test relies on.

The cast, across agencies (see STYLE.md): an owner agency (a housing provider), a partner agency
(the police), an unrelated agency (a council) and the office of the PCC with the ASB Champion.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client

from partners.models import Membership, Organisation, User
from tests.factories import PASSWORD, OrganisationFactory, user_in

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the same
# tests are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

Role = Membership.Role
Kind = Organisation.Kind

# Reference data the data migrations load. A transactional test's flush empties every table;
# Django then re-creates content types, permissions and (through post_migrate) the role groups,
# but not this, so it is loaded again before the next test that needs the database.
REFERENCE_LOADERS = [
    ("partners.migrations.0002_local_authorities_and_audit_guard", "add_local_authorities"),
    ("asb_cases.migrations.0002_reference_data", "add_reference_data"),
    ("asb_cases.migrations.0002_reference_data", "add_geography"),
    ("victims.migrations.0003_reference_data", "add_reference_data"),
    ("community_trigger.migrations.0002_policies", "add_policies"),
    ("asb_cases.migrations.0006_act_2026_tool_rules", "add_act_2026_tools"),
    ("oversight.migrations.0001_initial", "add_pcc_review_policy"),
    ("feedback.migrations.0001_initial", "add_survey_policy"),
    ("documents.migrations.0002_default_letter_templates", "load"),
    ("governance.migrations.0002_default_policies", "add_defaults"),
]


@pytest.fixture(autouse=True)
def _own_throttle_counts(settings):
    """Each test counts its own public-form attempts (the cache is shared Redis)."""
    import uuid

    settings.THROTTLE_NAMESPACE = uuid.uuid4().hex


@pytest.fixture(autouse=True)
def _reference_data(request):
    if not {"db", "transactional_db", "live_server"} & set(request.fixturenames) and (
        request.node.get_closest_marker("django_db") is None
    ):
        return
    request.getfixturevalue(
        "transactional_db"
        if (
            request.node.get_closest_marker("django_db")
            and request.node.get_closest_marker("django_db").kwargs.get("transaction")
        )
        or {"transactional_db", "live_server"} & set(request.fixturenames)
        else "db"
    )
    from importlib import import_module

    from django.apps import apps

    from asb_cases.models import IncidentType

    if IncidentType.objects.exists():
        return
    for module, function in REFERENCE_LOADERS:
        getattr(import_module(module), function)(apps, None)


@dataclass
class Agency:
    organisation: Organisation
    officer: User
    supervisor: User
    admin: User
    analyst: User


def make_agency(slug: str, name: str, kind: str, areas=("E06000047",)) -> Agency:
    organisation = OrganisationFactory(slug=slug, name=name, kind=kind, area_codes=areas)
    return Agency(
        organisation=organisation,
        officer=user_in(organisation, Role.CASE_OFFICER, username=f"officer@{slug}"),
        supervisor=user_in(organisation, Role.SUPERVISOR, username=f"supervisor@{slug}"),
        admin=user_in(organisation, Role.PARTNER_ADMIN, username=f"admin@{slug}"),
        analyst=user_in(organisation, Role.ANALYST, username=f"analyst@{slug}"),
    )


@dataclass
class Cast:
    owner: Agency  # a housing provider that owns the records
    partner: Agency  # the police, with whom records are shared
    contributor: Agency  # a second partner, given contribute access where a test needs it
    unrelated: Agency  # a council that must see nothing
    pcc: Agency  # the office of the PCC
    champion: User  # the ASB Champion


@pytest.fixture
def cast(db) -> Cast:
    pcc = make_agency("test-opcc", "Test PCC Office", Kind.PCC_OFFICE, ("E06000047", "E06000005"))
    return Cast(
        owner=make_agency("test-housing", "Test Housing", Kind.HOUSING_PROVIDER),
        partner=make_agency("test-police", "Test Police", Kind.POLICE, ("E06000047", "E06000005")),
        contributor=make_agency("test-council", "Test County Council", Kind.LOCAL_AUTHORITY),
        unrelated=make_agency(
            "test-borough", "Test Borough Council", Kind.LOCAL_AUTHORITY, ("E06000005",)
        ),
        pcc=pcc,
        champion=user_in(pcc.organisation, Role.ASB_CHAMPION, username="champion@test-opcc"),
    )


def authenticator_for(user: User):
    """The user's authenticator app (a confirmed django-otp TOTP device), made if need be."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test authenticator")


def authenticator_code(device) -> str:
    """The code the authenticator shows now. A test may sign the same person in twice within
    one 30-second step, so the device forgets the last code it accepted (and any throttling)
    first: the code itself is still checked for real."""
    from django_otp.oath import TOTP

    device.refresh_from_db()
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save(
        update_fields=["last_t", "throttling_failure_count", "throttling_failure_timestamp"]
    )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def client_for(user: User) -> Client:
    """A client signed in as `user` through the real sign-in pages (password, then a code from
    their authenticator app; sessions, audit, axes)."""
    client = Client()
    device = authenticator_for(user)
    response = client.post(
        "/sign-in/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302, f"could not sign in as {user}: {response.status_code}"
    assert response.url == "/sign-in/two-factor/", response.url
    response = client.post(
        "/sign-in/two-factor/", {"code": authenticator_code(device)}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302, f"second factor refused for {user}"
    return client


@pytest.fixture
def as_user():
    return client_for


# A real Celery worker ---------------------------------------------------------------------


# Set once this process has started its Celery worker: from then on, anything a test publishes
# reaches that worker, which may still be writing when the test's flush empties the tables.
_worker_started = False


def _worker_quiet(timeout: float = 30.0) -> bool:
    """The worker has nothing queued and no other connection to the test database is inside a
    transaction: a flush now takes its table locks without deadlocking with the worker."""
    import time

    import redis
    from django.conf import settings
    from django.db import connection

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queues = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_LONG_QUEUE]
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                    "AND xact_start IS NOT NULL"
                )
                busy = cursor.fetchone()[0]
            if not busy and not any(broker.llen(queue) for queue in queues):
                return True
            time.sleep(0.1)
        return False
    finally:
        broker.close()


def _works_with_a_worker(request) -> bool:
    """The test runs a Celery worker or a broker of its own choosing (marked `celery`, or a
    fixture that gives it one)."""
    if request.node.get_closest_marker("celery") is not None:
        return True
    return any(
        "celery" in name or "redis" in name or name == "worker_mail"
        for name in request.fixturenames
    )


@pytest.fixture(autouse=True)
def _session_worker_kept_out(request, monkeypatch):
    """Once this process has started its Celery worker, a test that does not ask for one must
    not feed it: work its transactions record stays in the outbox (as with a broker away),
    where the test runs it itself, rather than racing the worker for it."""
    if _worker_started and not _works_with_a_worker(request):
        monkeypatch.setattr("partners.outbox.outbox_publish", lambda *, task_ids: 0)


@pytest.fixture(autouse=True)
def _worker_done_before_flush(request):
    """Teardown before the flush of a transactional test (pytest-django's database fixture is
    set up first, so torn down last): wait until the session's worker has finished with the
    test's data."""
    yield
    if not _worker_started:
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        _worker_quiet()


def worker_mail_dir():
    """Where the test session's Celery worker writes the e-mails it sends."""
    from pathlib import Path

    from django.conf import settings

    return Path(settings.VAR_DIR) / f"celery-test-mail-{os.getpid()}"


@pytest.fixture
def worker_mail(celery_worker_process):
    """The e-mails the worker sends from now on: call it for those sent so far (as
    email.message.Message objects, oldest first)."""
    import email

    folder = worker_mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.iterdir())

    def sent():
        messages = []
        for path in sorted(set(folder.iterdir()) - before, key=lambda p: p.stat().st_mtime):
            # The file backend writes each message followed by a line of dashes.
            for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk.lstrip("\n")))
        return messages

    return sent


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process on real Redis, using this session's test database.

    Tests that use it must commit their data (`transactional_db`) for the worker to see it.
    """
    global _worker_started
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    from config.celery import app

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "ASB_TEST_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        # What the worker e-mails is written to files a test can read (`worker_mail`).
        "ASB_TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "ASB_TEST_EMAIL_FILE_PATH": str(worker_mail_dir()),
    }
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    # Both of this process's queues: the long one carries work such as recomputing every
    # victim's next contact after the contact standards change, which tests' reference data
    # does; a queue nobody read would also keep `_worker_quiet` waiting before every flush.
    queues = [queue, settings.CELERY_LONG_QUEUE]
    with app.connection_for_write() as conn:  # start from empty queues
        for name in queues:
            conn.default_channel.queue_purge(name)
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    log = open(Path(settings.VAR_DIR) / f"celery-test-worker-{os.getpid()}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            ",".join(queues),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if app.send_task("partners.ping", args=["ready"]).get(timeout=5) == "ready":
                    _worker_started = True
                    break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"The Celery worker did not start; see {log.name}") from None
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# Networks that misbehave -------------------------------------------------------------------


@pytest.fixture
def unused_tcp_port() -> int:
    """A local port nothing listens on (connections are refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_tcp_server():
    """A local port that accepts connections and never says anything: a hung server."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def private_redis(unused_tcp_port):
    """A Redis server of this test's own, which the test may stop and start again."""
    import subprocess
    import time

    import redis as redis_client

    class PrivateRedis:
        port = unused_tcp_port
        url = f"redis://127.0.0.1:{unused_tcp_port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
            )
            client = redis_client.Redis.from_url(self.url)
            for _ in range(100):
                try:
                    client.ping()
                    return
                except redis_client.ConnectionError:
                    time.sleep(0.05)
            raise RuntimeError("private redis-server did not start")

        def stop(self):
            if self.process is not None:
                self.process.terminate()
                self.process.wait(timeout=10)
                self.process = None

        def queue_length(self, queue: str) -> int:
            return redis_client.Redis.from_url(self.url).llen(queue)

    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_broker():
    """Point this process's Celery app at another broker for the length of a test."""
    from contextlib import contextmanager

    from config.celery import app

    original = app.conf.broker_url

    def repoint(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    @contextmanager
    def use(url):
        repoint(url)
        try:
            yield
        finally:
            repoint(original)

    yield use
    repoint(original)


# A real OpenID Connect provider -------------------------------------------------------------


class TestIdentityProvider:
    """The `oidc-provider` npm package (tests/oidc_provider/provider.mjs), run by node on a free
    port of this machine, standing in for an organisation's Entra ID or Okta."""

    __test__ = False  # not a test class

    CLIENT_ID = "asb-partnership-test"
    CLIENT_SECRET = "test-client-secret-0123456789"

    def __init__(self, issuer: str, accounts_path):
        self.issuer = issuer
        self.accounts_path = accounts_path

    def accounts(self) -> dict:
        import json

        return json.loads(self.accounts_path.read_text())

    def set_accounts(self, accounts: dict) -> None:
        import json

        self.accounts_path.write_text(json.dumps(accounts))

    def add(self, login: str, *, email: str, groups=(), password="idp-password", **claims):
        accounts = self.accounts()
        accounts[login] = {"password": password, "email": email, "groups": list(groups), **claims}
        self.set_accounts(accounts)

    def change(self, login: str, **fields) -> None:
        accounts = self.accounts()
        accounts[login].update(fields)
        self.set_accounts(accounts)


@pytest.fixture(scope="session")
def _oidc_provider_process(tmp_path_factory):
    import json
    import subprocess
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    script = root / "tests" / "oidc_provider" / "provider.mjs"
    if not (root / "node_modules" / "oidc-provider").exists():
        pytest.fail("The test identity provider needs the npm packages: run `make install`")
    folder = tmp_path_factory.mktemp("oidc-provider")
    accounts = folder / "accounts.json"
    accounts.write_text("{}")
    config = folder / "config.json"
    config.write_text(
        json.dumps(
            {
                "clients": [
                    {
                        "client_id": TestIdentityProvider.CLIENT_ID,
                        "client_secret": TestIdentityProvider.CLIENT_SECRET,
                    }
                ],
                "accounts_file": str(accounts),
            }
        )
    )
    log = open(folder / "provider.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        ["node", str(script), str(config)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        line = process.stdout.readline()  # blocks until the server listens (or exits)
        if not line.startswith("listening "):
            raise RuntimeError(f"The test identity provider did not start; see {log.name}")
        issuer = f"http://127.0.0.1:{int(line.split()[1])}"
        # It answers once its discovery document does.
        with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=10):
            pass
        yield TestIdentityProvider(issuer, accounts)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def oidc_provider(_oidc_provider_process):
    """The test identity provider, with no accounts yet."""
    _oidc_provider_process.set_accounts({})
    return _oidc_provider_process
