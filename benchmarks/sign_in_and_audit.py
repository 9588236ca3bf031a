"""Sign-in latency and the audit hash chain's cost (issue 11).

    .venv/bin/python benchmarks/sign_in_and_audit.py [--journeys 60] [--events 4000]
        [--database-url postgres://postgres@127.0.0.1:5432/asb_bench_signin]

It **drops and re-creates** the database named (refusing asb, postgres, template* and test_*),
migrates it with config.settings.dev (DEBUG off, the real Argon2 password hasher, Redis db 3),
then measures, in this process through Django's test client:

1. Sign-in page to signed-in home, password and a code from an authenticator app: GET
   /sign-in/, POST the password, GET the two-factor page, POST the code, GET /.
2. The same with single sign-on, against the test suite's real OpenID Connect provider
   (tests/oidc_provider, node) on this machine: GET /sign-in/, the "Sign in with" link, the
   provider's authorization and login page, its login POST and redirects, the callback (which
   calls the provider's token, JWKS and userinfo endpoints), GET /.
3. Audit events per second written by `audit_record`, one event per transaction and 100 per
   transaction, from 1 and 4 threads: with the hash-chain trigger, then with it disabled
   (ALTER TABLE ... DISABLE TRIGGER, as the owner; enabled again at the end).

Prints a Markdown table and writes it to benchmarks/results/sign_in_and_audit-<date>.md.
Run by hand, never by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
PASSWORD = "bench-password-2026"


def prepare_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    if name in {"asb", "postgres"} or name.startswith(("template", "test_")):
        raise SystemExit(f"Refusing to drop the database {name!r}.")
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=os.environ,
        check=True,
    )


def stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": cuts[94]}


def start_provider():
    from tests.conftest import TestIdentityProvider

    folder = Path(tempfile.mkdtemp(prefix="bench-oidc-"))
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
    process = subprocess.Popen(
        ["node", "tests/oidc_provider/provider.mjs", str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    if not line.startswith("listening "):
        raise SystemExit("The test identity provider did not start.")
    return process, TestIdentityProvider(f"http://127.0.0.1:{line.split()[1]}", accounts)


def sign_in_journeys(count: int) -> dict[str, dict]:
    import requests
    from django.test import Client

    from partners import services, sso
    from partners.audit import SystemActor
    from partners.models import LocalAuthority, Organisation
    from tests.conftest import TestIdentityProvider, authenticator_code, authenticator_for

    actor = SystemActor("benchmark")
    organisation = services.organisation_create(
        actor=actor,
        slug="bench-housing",
        name="Bench Housing",
        kind=Organisation.Kind.HOUSING_PROVIDER,
        lawful_basis=Organisation.LawfulBasis.PUBLIC_TASK,
        areas=LocalAuthority.objects.all(),
    )
    admin = services.member_create(
        actor=actor,
        organisation=organisation,
        username="admin@bench-housing",
        email="admin@example.org",
        first_name="Ada",
        last_name="Bench",
        role="partner_admin",
        password=PASSWORD,
        send_invitation=False,
    ).user
    officer = services.member_create(
        actor=actor,
        organisation=organisation,
        username="officer@bench-housing",
        email="officer@example.org",
        first_name="Olu",
        last_name="Bench",
        role="case_officer",
        password=PASSWORD,
        send_invitation=False,
    ).user
    device = authenticator_for(officer)

    process, idp = start_provider()
    try:
        sso.identity_provider_configure(
            actor=admin,
            organisation=organisation,
            issuer=idp.issuer,
            client_id=TestIdentityProvider.CLIENT_ID,
            client_secret=TestIdentityProvider.CLIENT_SECRET,
            allowed_domains=["example.org"],
        )
        idp.add("olu", email=officer.email, password="idp-password")

        def single_sign_on():
            client, browser = Client(), requests.Session()
            client.get("/sign-in/")
            url = client.get("/sign-in/sso/bench-housing/").url
            while True:
                response = browser.get(url, allow_redirects=False, timeout=10)
                if response.status_code in (302, 303):
                    url = urljoin(url, response.headers["Location"])
                    continue
                break
            action = response.text.split('action="', 1)[1].split('"', 1)[0]
            response = browser.post(
                urljoin(url, action),
                data={"login": "olu", "password": "idp-password"},
                allow_redirects=False,
                timeout=10,
            )
            url = urljoin(url, response.headers["Location"])
            while not url.startswith("http://testserver/"):
                response = browser.get(url, allow_redirects=False, timeout=10)
                url = urljoin(url, response.headers["Location"])
            assert client.get(url.removeprefix("http://testserver")).status_code == 302
            assert client.get("/").status_code == 200

        def timed(journey):
            def run():
                started = time.perf_counter()
                journey()
                return (time.perf_counter() - started) * 1000

            return run

        results = {}

        # Whole journeys, from the sign-in page to the signed-in home page.
        def password_and_totp_whole():
            client = Client()
            code = authenticator_code(device)
            started = time.perf_counter()
            client.get("/sign-in/")
            client.post("/sign-in/", {"username": officer.username, "password": PASSWORD})
            client.get("/sign-in/two-factor/")
            assert client.post("/sign-in/two-factor/", {"code": code}).status_code == 302
            assert client.get("/").status_code == 200
            return (time.perf_counter() - started) * 1000

        for name, run in [
            ("password + authenticator code", password_and_totp_whole),
            ("single sign-on (OpenID Connect)", timed(single_sign_on)),
        ]:
            for _ in range(3):
                run()
            results[name] = stats([run() for _ in range(count)])
        return results
    finally:
        process.terminate()
        process.wait(timeout=10)


def audit_rates(events: int) -> list[dict]:
    from django.db import close_old_connections, connection, transaction

    from partners.audit import SystemActor, audit_event, audit_record_many

    actor = SystemActor("benchmark")

    def writer(total: int, per_transaction: int):
        for _ in range(total // per_transaction):
            with transaction.atomic():
                audit_record_many(
                    [
                        audit_event(actor=actor, verb="viewed", action="bench", detail={"i": i})
                        for i in range(per_transaction)
                    ]
                )
        close_old_connections()
        connection.close()

    def rate(threads: int, per_transaction: int) -> float:
        share = events // threads
        workers = [
            threading.Thread(target=writer, args=(share, per_transaction)) for _ in range(threads)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return share * threads / (time.perf_counter() - started)

    rows = []
    for chained in (True, False):
        if not chained:
            with connection.cursor() as cursor:
                cursor.execute(
                    "ALTER TABLE partners_auditevent DISABLE TRIGGER partners_auditevent_chain"
                )
        try:
            for threads in (1, 4):
                for per_transaction in (1, 100):
                    rate(threads, per_transaction)  # warm-up
                    best = [rate(threads, per_transaction) for _ in range(3)]
                    rows.append(
                        {
                            "chain": chained,
                            "threads": threads,
                            "per_transaction": per_transaction,
                            "per_second": statistics.median(best),
                        }
                    )
        finally:
            if not chained:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "ALTER TABLE partners_auditevent ENABLE TRIGGER partners_auditevent_chain"
                    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/asb_bench_signin"
    )
    parser.add_argument("--journeys", type=int, default=60)
    parser.add_argument("--events", type=int, default=4000)
    args = parser.parse_args()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
            "DEBUG": "false",
            "DEMO_ACCOUNTS_SKIP_TWO_FACTOR": "false",
        }
    )
    prepare_database(args.database_url)
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host name; e-mail kept in memory
    from django.test.utils import override_settings

    # Pages link static files by name, without the manifest collectstatic would build.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()

    journeys = sign_in_journeys(args.journeys)
    rates = audit_rates(args.events)
    cores = os.cpu_count()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"# Sign-in and audit chain, {dt.date.today():%Y-%m-%d}",
        "",
        f"{cores} cores, shared; in-process (Django test client), PostgreSQL on this machine, "
        "Argon2 password hashing, the test OpenID Connect provider (node) on this machine. "
        f"Load average at the end: {load} (other test suites share the machine).",
        "",
        "| sign-in page to signed-in home | journeys | p50 ms | p95 ms |",
        "|---|---:|---:|---:|",
        *[
            f"| {name} | {s['n']} | {s['p50']:.0f} | {s['p95']:.0f} |"
            for name, s in journeys.items()
        ],
        "",
        "| audit events | threads | events per transaction | events per second |",
        "|---|---:|---:|---:|",
        *[
            f"| {'with hash chain' if r['chain'] else 'without hash chain'} | {r['threads']} | "
            f"{r['per_transaction']} | {r['per_second']:,.0f} |"
            for r in rates
        ],
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"sign_in_and_audit-{dt.date.today():%Y-%m-%d}.md").write_text(text)


if __name__ == "__main__":
    main()
