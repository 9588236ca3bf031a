"""Measure the API for partner systems against the generated database.

    .venv/bin/python benchmarks/api.py [--requests 300] [--concurrency 1,4] [--bulk-batches 10]

Against the large benchmark database (benchmarks/generate.py), with gunicorn (4 sync workers):

- GET /api/v1/cases/ (the first page, 50 cases, cursor pagination) for an API client of the
  organisations of each visibility shape benchmarks/case_list.py picks, beside the same page
  as raw SQL in-process (the selector's query: the EXISTS permission filter, the same joins and
  order, no count);
- POST /api/v1/incidents/ (one incident per request, each a new external_ref);
- POST /api/v1/incidents/bulk/ (500 incidents per request): incidents per second.

Each run creates its API clients with `manage.py create_api_client` (and revokes them at the
end); the incidents it posts stay, with external_refs starting `apibench-<run>-`. Throttling is
lifted for the run (API_THROTTLE_RATE). Prints a Markdown table and writes it to
benchmarks/results/api-<date>[-<label>].md. Run by hand, never by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import case_list  # noqa: E402  (the case list benchmark's helpers)
from benchmarks.case_list import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    RAW_LIST_SQL,
    RESULTS,
    VISIBLE_WHERE,
    Row,
    Shape,
    Stats,
    timed,
)

LIST_TARGET_MS = 100.0
BULK_TARGET_PER_SECOND = 1000.0
BULK_SIZE = 500
UNTHROTTLED = "100000000/minute"

GIVEN = [
    "Alex",
    "Bailey",
    "Casey",
    "Drew",
    "Ellis",
    "Frankie",
    "Harper",
    "Jordan",
    "Kai",
    "Logan",
    "Morgan",
    "Quinn",
    "Riley",
    "Sam",
]
FAMILY = [
    "Ashdown",
    "Birchall",
    "Cotterill",
    "Dunmore",
    "Elmstead",
    "Fairweather",
    "Greystone",
    "Hollins",
]
TYPES = ["noise", "verbal-abuse", "vandalism", "fly-tipping", "graffiti", "drugs", "other"]


@dataclass(frozen=True)
class Options:
    database_url: str
    requests: int
    warmup: int
    concurrency: list[int]
    workers: int
    runs: int
    creates: int
    bulk_batches: int
    label: str
    collectstatic: bool = False


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--requests", type=int, default=300, help="measured list requests")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--concurrency", default="1,4", help="comma-separated client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--runs", type=int, default=100, help="in-process repetitions")
    parser.add_argument("--creates", type=int, default=300, help="single incident POSTs")
    parser.add_argument("--bulk-batches", type=int, default=10, help=f"bulk POSTs of {BULK_SIZE}")
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--collectstatic",
        action="store_true",
        help="run collectstatic first (writes the git-ignored staticfiles/, as the image does)",
    )
    parser.add_argument(
        "--redis-url",
        default="",
        help=f"the application's Redis (default BENCH_REDIS_URL, else {case_list.REDIS_URL})",
    )
    args = parser.parse_args(argv)
    case_list.use_redis_url(args.redis_url)
    return Options(
        database_url=args.database_url,
        requests=args.requests,
        warmup=args.warmup,
        concurrency=[int(c) for c in args.concurrency.split(",")],
        workers=args.workers,
        runs=args.runs,
        creates=args.creates,
        bulk_batches=args.bulk_batches,
        label=args.label,
        collectstatic=args.collectstatic,
    )


def app_environment(database_url: str) -> dict[str, str]:
    return {
        **case_list.app_environment(database_url),
        "API_THROTTLE_RATE": UNTHROTTLED,
        "API_BULK_THROTTLE_RATE": UNTHROTTLED,
    }


# API clients ----------------------------------------------------------------------------------


def require_api_tables() -> None:
    from django.db import connection

    if "partners_apiclient" not in connection.introspection.table_names():
        raise SystemExit(
            "The benchmark database has no API clients table: migrate it first, e.g.\n"
            "  DATABASE_URL=... .venv/bin/python manage.py migrate partners"
        )


def create_client(database_url: str, slug: str, run: str) -> str:
    """A new API client (case officer) of the organisation, through the management command."""
    done = subprocess.run(
        [sys.executable, "manage.py", "create_api_client", slug, f"API benchmark {run}"],
        cwd=ROOT,
        env=app_environment(database_url),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def revoke_clients(run: str) -> None:
    from partners import services
    from partners.audit import SystemActor
    from partners.models import APIClient

    for client in APIClient.objects.filter(name=f"API benchmark {run}", revoked_at__isnull=True):
        services.api_client_revoke(actor=SystemActor("benchmarks"), client=client)


# In-process: the raw SQL beside the selector --------------------------------------------------


def _raw_first_page(group_id: int, permission_id: int) -> Callable[[], Any]:
    from django.db import connection

    sql = RAW_LIST_SQL.format(where=VISIBLE_WHERE).replace("LIMIT 50", "LIMIT 51")

    def call() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, [group_id, permission_id])
            return cursor.fetchall()

    return call


def _selector_first_page(user) -> Callable[[], Any]:
    from access.viewer import viewer_for
    from asb_cases.selectors import CaseFilters, case_list_for_viewer

    def call() -> Any:
        return list(case_list_for_viewer(viewer=viewer_for(user), filters=CaseFilters())[:51])

    return call


def measure_in_process(shapes: Sequence[Shape], runs: int) -> list[Row]:
    permission = case_list.view_permission_id()
    rows = []
    for shape in shapes:
        raw = timed(_raw_first_page(shape.organisation.group_id, permission), runs)
        rows.append(Row(shape.key, "raw SQL first page (in-process)", raw, 1))
        selector = timed(_selector_first_page(shape.user), runs)
        rows.append(Row(shape.key, "selector first page (in-process)", selector, 1))
    return rows


def measure_bulk_in_process(shape: Shape, options: Options, run: str) -> list[Row]:
    """One bulk POST of 500 per payload shape, in-process through Django's test client (the
    middleware, the view and the service, no gunicorn), with its SQL time and statements."""
    from django.db import connection
    from django.test import Client

    token = create_client(options.database_url, shape.organisation.slug, f"{run}-inproc")
    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(f"{run}-inproc")
    postcodes = known_postcodes()
    rows = []
    for payload in PAYLOADS:
        tag = PAYLOADS.index(payload)
        totals, sql, statements = [], [], 0
        for batch in range(max(options.bulk_batches, 2)):
            body = bulk_body(f"{run}-inproc-p{tag}-{batch}", rng, payload, postcodes)
            clock = case_list._SqlClock()
            with connection.execute_wrapper(clock):
                started = time.perf_counter()
                response = client.post(
                    "/api/v1/incidents/bulk/",
                    body,
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Token {token}",
                )
                totals.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:500]
            sql.append(clock.seconds * 1000)
            statements = max(statements, clock.statements)
        stats, sql_stats = Stats.of(totals), Stats.of(sql)
        rows.append(
            Row(
                shape.key,
                f"bulk {BULK_SIZE} in-process ({payload}); SQL p50 {sql_stats.p50:.0f} ms, "
                f"{statements} statements",
                stats,
                1,
            )
        )
        print(
            f"  bulk in-process ({payload}): p50 {stats.p50:.0f} ms a batch "
            f"(SQL {sql_stats.p50:.0f} ms, {statements} statements), "
            f"{BULK_SIZE / stats.p50 * 1000:.0f} incidents/s",
            flush=True,
        )
    return rows


# Over HTTP ------------------------------------------------------------------------------------


def _request(base: str, token: str, path: str, body: bytes | None = None) -> tuple[int, float]:
    request = urllib.request.Request(
        base + path,
        data=body,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def load(
    call: Callable[[int], tuple[int, float]],
    total: int,
    concurrency: int,
    ok: set[int],
    warmup: int = 0,
) -> Stats:
    for number in range(warmup):
        call(-1 - number)
    counter = iter(range(total))
    lock = threading.Lock()
    samples: list[float] = []
    errors = 0

    def worker() -> None:
        nonlocal errors
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            status, elapsed = call(number)
            with lock:
                samples.append(elapsed)
                errors += status not in ok

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()
    return Stats.of(samples, time.perf_counter() - started, errors)


# Reporters who report again and again (matched on name and date of birth after their first).
REPEAT_REPORTERS = [
    (given, family, f"19{50 + n % 50:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}")
    for n, (given, family) in enumerate((g, f) for g in GIVEN for f in FAMILY)
]


# The payload shapes partner systems send in bulk: what each incident carries.
MIXED = "coordinates; a third anonymous"
CRM = "postcodes without coordinates; every one with a reporter"
COORDINATES_AND_REPORTERS = "coordinates; every one with a reporter"
PAYLOADS = (MIXED, CRM, COORDINATES_AND_REPORTERS)


def known_postcodes(limit: int = 2000) -> list[str]:
    """Postcodes of incidents whose areas are known (a housing CRM's tenants' addresses)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT postcode FROM asb_cases_incident "
            "WHERE lsoa_code <> '' AND postcode <> '' LIMIT %s",
            [limit],
        )
        return sorted(row[0] for row in cursor.fetchall())


def incident(
    run: str,
    number: int,
    rng: random.Random,
    payload: str = MIXED,
    postcodes: Sequence[str] = (),
) -> dict:
    """A fictitious report in Darlington: a third anonymous, a third from one of the repeat
    reporters, a third from someone new (MIXED); or, as a housing CRM sends them, at a known
    postcode without coordinates, always with a reporter (CRM); or with coordinates and always
    a reporter."""
    occurred = dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - dt.timedelta(
        minutes=rng.randint(0, 90_000)
    )
    body = {
        "external_ref": f"apibench-{run}-{number}",
        "occurred_at": occurred.isoformat(),
        "reported_at": (occurred + dt.timedelta(hours=rng.randint(0, 48))).isoformat(),
        "category": rng.choice(["personal", "nuisance", "environmental"]),
        "incident_type": rng.choice(TYPES),
        "description": "Benchmark report: " + " ".join(rng.choices(FAMILY + GIVEN, k=20)),
        "location": {
            "address": f"{rng.randint(1, 200)} {rng.choice(FAMILY)} Street",
            "postcode": f"DL{rng.randint(1, 3)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}"
            f"{rng.choice('LNPQRSTUWXYZ')}",
            "latitude": f"{rng.uniform(54.505, 54.545):.6f}",
            "longitude": f"{rng.uniform(-1.59, -1.51):.6f}",
        },
    }
    if payload == CRM and postcodes:
        body["location"] = {
            "address": body["location"]["address"],
            "postcode": rng.choice(postcodes),
        }
    kind = rng.random() if payload == MIXED else 1 / 3 + rng.random() * 2 / 3
    if kind < 1 / 3:
        body["anonymous"] = True
        return body
    if kind < 2 / 3:
        given, family, born = rng.choice(REPEAT_REPORTERS)
    else:
        given, family = rng.choice(GIVEN), f"Bench{rng.randint(0, 10**9)}"
        born = f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    body["reporter"] = {"given_name": given, "family_name": family, "date_of_birth": born}
    body["victim"] = "reporter"
    return body


def bulk_body(
    run: str, rng: random.Random, payload: str, postcodes: Sequence[str], size: int = BULK_SIZE
) -> bytes:
    """The body of one bulk POST: `size` incidents of the payload shape."""
    return json.dumps(
        {"incidents": [incident(run, n, rng, payload, postcodes) for n in range(size)]}
    ).encode()


def measure_http(shapes: Sequence[Shape], options: Options, run: str, log: Path) -> list[Row]:
    tokens = {s.key: create_client(options.database_url, s.organisation.slug, run) for s in shapes}
    writer = tokens[shapes[0].key]
    rows = []
    with case_list.gunicorn(options.database_url, options.workers, log) as base:
        for shape in shapes:
            token = tokens[shape.key]
            # Every worker serves the list before any request is measured (a worker's first
            # request is 400-900 ms; case_list.warm_workers).
            load(
                lambda _n, t=token: _request(base, t, "/api/v1/cases/"),
                options.workers * 3,
                options.workers,
                {200},
            )
            for concurrency in options.concurrency:
                stats = load(
                    lambda _n, t=token: _request(base, t, "/api/v1/cases/"),
                    options.requests,
                    concurrency,
                    {200},
                    options.warmup,
                )
                rows.append(Row(shape.key, "GET /api/v1/cases/ (first page)", stats, concurrency))
                print(f"  {shape.key} cases c={concurrency}: p95 {stats.p95:.1f} ms", flush=True)
        rng = random.Random(run)
        for concurrency in options.concurrency:
            bodies = [
                json.dumps(incident(f"{run}-c{concurrency}", n, rng)).encode()
                for n in range(options.creates + options.warmup)
            ]
            stats = load(
                lambda n, b=bodies: _request(
                    base, writer, "/api/v1/incidents/", b[n + options.warmup]
                ),
                options.creates,
                concurrency,
                {201},
                warmup=0,
            )
            rows.append(Row(shapes[0].key, "POST /api/v1/incidents/ (one new)", stats, concurrency))
            print(f"  incident create c={concurrency}: {stats.per_second:.0f}/s", flush=True)
        postcodes = known_postcodes()
        # Every worker records small batches before any bulk import is measured, as every
        # worker serves the list above first: a worker's first import builds what it keeps
        # (the serializers' fields, compiled patterns; 0.9 s for 500 against 0.7 after).
        warm = [
            bulk_body(f"{run}-warm-{w}", rng, CRM, postcodes, size=50)
            for w in range(options.workers * 3)
        ]
        load(
            lambda n, b=warm: _request(base, writer, "/api/v1/incidents/bulk/", b[n]),
            len(warm),
            options.workers,
            {200},
        )
        for payload, concurrency in [
            (payload, concurrency)
            for payload in PAYLOADS
            for concurrency in sorted({1, min(2, max(options.concurrency))})
        ]:
            tag = PAYLOADS.index(payload)
            batches = [
                bulk_body(f"{run}-p{tag}-b{concurrency}-{batch}", rng, payload, postcodes)
                for batch in range(options.bulk_batches)
            ]
            stats = load(
                lambda n, b=batches: _request(base, writer, "/api/v1/incidents/bulk/", b[n]),
                options.bulk_batches,
                concurrency,
                {200},
            )
            rows.append(
                Row(
                    shapes[0].key,
                    f"POST /api/v1/incidents/bulk/ ({BULK_SIZE}; {payload})",
                    stats,
                    concurrency,
                )
            )
            print(
                f"  bulk ({payload}) c={concurrency}: "
                f"{stats.per_second * BULK_SIZE:.0f} incidents/s",
                flush=True,
            )
    return rows


# Report ---------------------------------------------------------------------------------------


def verdict(row: Row) -> str:
    if row.measurement.startswith("GET"):
        return "meets" if row.stats.p95 <= LIST_TARGET_MS else "MISSES"
    if "in-process" in row.measurement:  # the target is over HTTP
        return ""
    if "bulk" in row.measurement:
        rate = (row.stats.per_second or 0) * BULK_SIZE
        return "meets" if rate >= BULK_TARGET_PER_SECOND else "MISSES"
    return ""


def render(shapes: Sequence[Shape], rows: Sequence[Row], options: Options, loads) -> str:
    lines = [
        f"# API benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Database `{options.database_url.rsplit('/', 1)[-1]}`; gunicorn {options.workers} sync "
        f"workers; client threads {options.concurrency}; load average "
        f"{loads[0][0]:.2f} at start, {loads[1][0]:.2f} at end. Targets: list p95 ≤ "
        f"{LIST_TARGET_MS:.0f} ms; bulk ≥ {BULK_TARGET_PER_SECOND:.0f} incidents/s. "
        f"{case_list.interpreter()}.",
        "",
        "| shape | organisation | visible cases |",
        "|---|---|---|",
    ]
    lines += [f"| {s.key} | {s.organisation.name} | {s.visible:,} |" for s in shapes]
    lines += [
        "",
        "| shape | measurement | c | n | p50 ms | p95 ms | p99 ms | req/s | incidents/s | errors "
        "| target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        s = row.stats
        per_second = f"{s.per_second:.0f}" if s.per_second else ""
        incidents = ""
        if row.measurement.startswith("bulk") and "in-process" in row.measurement:
            incidents = f"{BULK_SIZE / s.p50 * 1000:.0f} (from p50)"
        elif "bulk" in row.measurement and s.per_second:
            incidents = f"{s.per_second * BULK_SIZE:.0f}"
        elif "incidents/" in row.measurement and s.per_second:
            incidents = per_second
        lines.append(
            f"| {row.shape} | {row.measurement} | {row.concurrency} | {s.count} | {s.p50:.1f} "
            f"| {s.p95:.1f} | {s.p99:.1f} | {per_second} | {incidents} | {s.errors} "
            f"| {verdict(row)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    run = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    load_before = os.getloadavg()
    os.environ.update(app_environment(options.database_url))
    case_list.setup_django(options.database_url)
    require_api_tables()
    if options.collectstatic or not (ROOT / "staticfiles" / "staticfiles.json").exists():
        case_list.collectstatic(options.database_url)
    shapes = case_list.choose_shapes()
    for shape in shapes:
        print(f"{shape.key:<8} {shape.organisation.name}: {shape.visible:,} cases", flush=True)
    print("In-process...", flush=True)
    rows = measure_in_process(shapes, options.runs)
    rows += measure_bulk_in_process(shapes[0], options, run)
    print("Over HTTP through gunicorn...", flush=True)
    log = Path(os.environ.get("TMPDIR", "/tmp")) / "asb-bench-api-gunicorn.log"
    try:
        rows += measure_http(shapes, options, run, log)
    finally:
        revoke_clients(run)
    report = render(shapes, rows, options, (load_before, os.getloadavg()))
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{options.label}" if options.label else ""
    path = RESULTS / f"api-{dt.datetime.now(dt.UTC).date()}{suffix}.md"
    path.write_text(report)
    print("\n" + report)
    print(f"Written to {path}")


if __name__ == "__main__":
    main()
