"""Measure the case list and the case page against the generated database.

    .venv/bin/python benchmarks/case_list.py --collectstatic [--explain]

Picks a case officer of four organisations with different visibility shapes (the one that sees
most, a typical one, one that sees few, one whose cases are all old), then:

- in-process (django.setup() against the benchmark database), times the case list's first page
  (50 rows plus the capped count the view runs) four ways: the selector, the same query as raw
  SQL with the EXISTS permission filter, the raw SQL without the permission filter, and
  guardian's get_objects_for_user ordered the same way;
- starts gunicorn (4 sync workers) on a free port, signs each officer in through /sign-in/, and
  measures GET /cases/, GET /cases/?q=<surname>&status=open and GET /cases/<uuid>/ with a few
  concurrent clients.

Prints one Markdown table and writes it to benchmarks/results/case_list-<date>.md. Run by
hand, never by the test suite. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/asb_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
PASSWORD = "bench-password-2026"
PAGE = 50
COUNT_CAP = 1000
# Issue 16's targets for the lists, search and case page over HTTP, by client count.
HTTP_TARGETS_MS = {1: 100.0, 4: 250.0}
PERMISSION_RATIO_TARGET = 1.5


@dataclass(frozen=True)
class Options:
    database_url: str
    requests: int
    warmup: int
    concurrency: list[int]
    workers: int
    runs: int
    explain: bool
    http: bool
    in_process: bool
    search: bool
    collectstatic: bool
    sweep: bool
    proposed: bool
    label: str
    note: str
    seed: int
    only: str = ""


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--requests", type=int, default=200, help="measured, per endpoint/shape")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured, per endpoint/shape")
    parser.add_argument(
        "--concurrency", default="4", help="client threads; a comma list runs each in turn"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--runs", type=int, default=40, help="in-process runs per variant")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the worst shape")
    parser.add_argument("--skip-http", action="store_true", help="in-process timings only")
    parser.add_argument(
        "--http-only",
        action="store_true",
        help="HTTP timings only (to measure older code, whose selectors differ, the same way)",
    )
    parser.add_argument(
        "--skip-search", action="store_true", help="leave the search endpoint out over HTTP"
    )
    parser.add_argument(
        "--collectstatic",
        action="store_true",
        help="run collectstatic first (writes the git-ignored staticfiles/, as the image does)",
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="time every organisation's first page; measure the slowest as a fifth shape",
    )
    parser.add_argument(
        "--proposed",
        action="store_true",
        help="also time the proposed count and sort-key queries (a side table, dropped after)",
    )
    parser.add_argument("--label", default="", help="suffix for the results file")
    parser.add_argument("--note", default="", help="free text for the results header")
    parser.add_argument("--seed", type=int, default=1, help="which cases the case page shows")
    parser.add_argument(
        "--only",
        choices=["lookup"],
        default="",
        help="lookup: only the person lookup (in-process, with its SQL time), nothing else",
    )
    add_redis_url(parser)
    args = parser.parse_args(argv)
    use_redis_url(args.redis_url)
    return Options(
        database_url=args.database_url,
        requests=args.requests,
        warmup=args.warmup,
        concurrency=[int(level) for level in args.concurrency.split(",")],
        workers=args.workers,
        runs=args.runs,
        explain=args.explain,
        http=not args.skip_http,
        in_process=not args.http_only,
        search=not args.skip_search,
        collectstatic=args.collectstatic,
        sweep=args.sweep,
        proposed=args.proposed,
        label=args.label,
        note=args.note,
        seed=args.seed,
        only=args.only,
    )


def add_redis_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url",
        default=REDIS_URL,
        help="the app's Redis (cache, Celery) for this run; default $BENCH_REDIS_URL or db 3",
    )


def use_redis_url(url: str) -> None:
    """The Redis the application under test uses (else BENCH_REDIS_URL, else database 3)."""
    global REDIS_URL
    if url:
        REDIS_URL = url


def app_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
    }


def setup_django(database_url: str) -> None:
    os.environ.update(app_environment(database_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# Figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    count: int
    p50: float
    p95: float
    p99: float
    mean: float
    per_second: float | None = None
    errors: int = 0

    @classmethod
    def of(cls, samples_ms: Sequence[float], wall_s: float | None = None, errors: int = 0) -> Stats:
        ordered = sorted(samples_ms)
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
        return cls(
            count=len(ordered),
            p50=statistics.median(ordered),
            p95=cuts[94],
            p99=cuts[98],
            mean=statistics.fmean(ordered),
            per_second=len(ordered) / wall_s if wall_s else None,
            errors=errors,
        )


@dataclass
class Row:
    shape: str
    measurement: str
    stats: Stats
    concurrency: int
    verdict: str = ""


def timed(call: Callable[[], Any], runs: int, warmup: int = 3) -> Stats:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return Stats.of(samples)


# Visibility shapes --------------------------------------------------------------------------


@dataclass
class Shape:
    key: str
    description: str
    organisation: Any
    user: Any
    visible: int
    newest: dt.datetime
    surname: str = ""
    case_uuids: list[str] = field(default_factory=list)


VISIBILITY_SQL = """
    SELECT p.group_id, count(*), max(c.updated_at)
    FROM asb_cases_casegroupobjectpermission p
    JOIN asb_cases_case c ON c.id = p.content_object_id
    WHERE p.permission_id = %s
    GROUP BY p.group_id
"""


def view_permission_id() -> int:
    from django.contrib.auth.models import Permission

    return Permission.objects.get(
        content_type__app_label="asb_cases", content_type__model="case", codename="view_case"
    ).pk


def _officer(organisation) -> Any:
    from partners.models import Membership

    membership = (
        Membership.objects.filter(organisation=organisation, role="case_officer")
        .select_related("user", "organisation")
        .order_by("user__username")
        .first()
    )
    return membership.user if membership else None


def visibility() -> dict[int, tuple[int, dt.datetime]]:
    """Organisation group id -> (cases it can see, when the newest of them changed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(VISIBILITY_SQL, [view_permission_id()])
        return {group: (count, newest) for group, count, newest in cursor.fetchall()}


def choose_shapes() -> list[Shape]:
    """The organisation that sees most; a typical one (nearest 10,000 cases); the one whose
    newest visible case is oldest; and, of the rest, the one that sees fewest (at least 10)."""
    from partners.models import Organisation

    seen = visibility()
    candidates = [
        (org, *seen[org.group_id])
        for org in Organisation.objects.filter(group_id__in=seen)
        if _officer(org) is not None
    ]
    if len(candidates) < 4:
        raise SystemExit("Too few organisations see cases: run benchmarks/generate.py first.")
    most = max(candidates, key=lambda c: c[1])
    old = min((c for c in candidates if c is not most), key=lambda c: c[2])
    rest = [c for c in candidates if c is not most and c is not old]
    few = min((c for c in rest if c[1] >= 10), key=lambda c: c[1], default=rest[0])
    rest = [c for c in rest if c is not few]
    typical = min(rest, key=lambda c: abs(c[1] - 10_000))
    described = [
        ("most", "sees most cases", most),
        ("typical", "typical (nearest 10,000 cases)", typical),
        ("few", "sees few cases", few),
        ("old", "all its cases are old", old),
    ]
    return [
        Shape(key, text, org, _officer(org), count, newest)
        for key, text, (org, count, newest) in described
    ]


def describe_data(shape: Shape, seed: int) -> None:
    """A surname on the newest visible open case (for the search) and 50 visible cases (for the
    case page)."""
    from django.db import connection

    group, permission = shape.organisation.group_id, view_permission_id()
    with connection.cursor() as cursor:
        for status_filter in ("AND c.status = 'open'", ""):
            cursor.execute(
                f"""
                SELECT pe.family_name FROM asb_cases_case c
                JOIN asb_cases_caseperson cp ON cp.case_id = c.id
                JOIN victims_persondetails pe
                  ON pe.person_id = cp.person_id AND pe.organisation_id = cp.organisation_id
                WHERE EXISTS (SELECT 1 FROM asb_cases_casegroupobjectpermission p
                              WHERE p.content_object_id = c.id AND p.group_id = %s
                                AND p.permission_id = %s) {status_filter}
                ORDER BY c.updated_at DESC, c.id DESC, cp.id LIMIT 1
                """,
                [group, permission],
            )
            found = cursor.fetchone()
            if found:
                shape.surname = found[0]
                break
        cursor.execute(
            """
            SELECT c.uuid FROM asb_cases_casegroupobjectpermission p
            JOIN asb_cases_case c ON c.id = p.content_object_id
            WHERE p.group_id = %s AND p.permission_id = %s ORDER BY c.id
            """,
            [group, permission],
        )
        uuids = [str(row[0]) for row in cursor.fetchall()]
    shape.case_uuids = random.Random(f"{seed}:{shape.key}").sample(uuids, min(50, len(uuids)))


# In-process: the same list query several ways ----------------------------------------------

RAW_LIST_SQL = """
    SELECT c.*, t.*, o.*, u.*, la.*
    FROM asb_cases_case c
    JOIN asb_cases_incidenttype t ON t.id = c.incident_type_id
    JOIN partners_organisation o ON o.id = c.lead_organisation_id
    LEFT JOIN partners_user u ON u.id = c.lead_officer_id
    LEFT JOIN partners_localauthority la ON la.id = c.local_authority_id
    {where}
    ORDER BY c.updated_at DESC, c.id DESC
    LIMIT 50
"""
# The count as paginate() runs it today: the selector's ORDER BY stays inside the LIMIT.
RAW_COUNT_SQL = """
    SELECT count(*) FROM (
        SELECT c.id FROM asb_cases_case c {where}
        ORDER BY c.updated_at DESC, c.id DESC LIMIT 1001
    ) capped
"""
# The proposed count: the same rows counted, without asking for them in order.
UNORDERED_COUNT_SQL = """
    SELECT count(*) FROM (SELECT c.id FROM asb_cases_case c {where} LIMIT 1001) capped
"""
VISIBLE_WHERE = """
    WHERE EXISTS (SELECT 1 FROM asb_cases_casegroupobjectpermission p
                  WHERE p.content_object_id = c.id AND p.group_id = %s
                    AND p.permission_id = %s)
"""
# The proposed sort key: each permission row carries its case's updated_at, indexed by
# (group, permission, case_updated_at DESC, case DESC). Measured on a side table with exactly
# those columns, made for the run and dropped after it.
SORT_KEY_TABLE = "bench_case_visibility"
SORT_KEY_SETUP = [
    f"DROP TABLE IF EXISTS {SORT_KEY_TABLE}",
    f"""CREATE TABLE {SORT_KEY_TABLE} AS
        SELECT p.group_id, p.permission_id, c.updated_at AS case_updated_at, p.content_object_id
        FROM asb_cases_casegroupobjectpermission p
        JOIN asb_cases_case c ON c.id = p.content_object_id""",
    f"""CREATE INDEX {SORT_KEY_TABLE}_order ON {SORT_KEY_TABLE}
        (group_id, permission_id, case_updated_at DESC, content_object_id DESC)""",
    f"VACUUM (ANALYZE) {SORT_KEY_TABLE}",
]
SORT_KEY_LIST_SQL = f"""
    SELECT c.*, t.*, o.*, u.*, la.*
    FROM (SELECT content_object_id FROM {SORT_KEY_TABLE}
          WHERE group_id = %s AND permission_id = %s
          ORDER BY case_updated_at DESC, content_object_id DESC LIMIT 50) page
    JOIN asb_cases_case c ON c.id = page.content_object_id
    JOIN asb_cases_incidenttype t ON t.id = c.incident_type_id
    JOIN partners_organisation o ON o.id = c.lead_organisation_id
    LEFT JOIN partners_user u ON u.id = c.lead_officer_id
    LEFT JOIN partners_localauthority la ON la.id = c.local_authority_id
    ORDER BY c.updated_at DESC, c.id DESC
"""


def _selector_page(user, ordered_count: bool = True) -> Callable[[], Any]:
    """What the view runs: paginate()'s capped count, then the first 50 rows. With
    ordered_count=False, the count the proposed paging change would run."""
    from access.viewer import viewer_for
    from asb_cases.selectors import CaseFilters, case_list_for_viewer

    def call() -> Any:
        cases = case_list_for_viewer(viewer=viewer_for(user), filters=CaseFilters())
        counted = cases if ordered_count else cases.order_by()
        return counted[: COUNT_CAP + 1].count(), list(cases[:PAGE])

    return call


def _incident_page(user, union: bool = True) -> Callable[[], Any]:
    """The incident list's first page and capped count: read from the two parts of the
    visibility rule (what the view runs, access.rules.incident_branches), or with union=False
    the single OR rule as the view ran it before issue 16."""
    from django.http import QueryDict

    from access.viewer import viewer_for
    from asb_cases import selectors
    from partners.paging import paginate

    viewer = viewer_for(user)
    viewer.may("asb_cases.view_incident")

    def call() -> Any:
        if union:
            page = selectors.incident_page_for_viewer(viewer=viewer, params=QueryDict())
        else:
            page = paginate(selectors.incident_list_for_viewer(viewer=viewer), QueryDict())
        return page.count, [incident.pk for incident in page.items]

    return call


def measure_incident_list(shapes: Sequence[Shape], runs: int) -> list[Row]:
    """The incident list before and after issue 16, for each shape (same rows checked)."""
    rows = []
    for shape in shapes:
        union, single = _incident_page(shape.user), _incident_page(shape.user, union=False)
        same = union() == single()
        before, after = timed(single, runs), timed(union, runs)
        rows += [
            Row(
                shape.key,
                "incident list: OR rule, first page + capped count (before)",
                before,
                1,
                "",
            ),
            Row(
                shape.key,
                "incident list: UNION of the two branches (now)",
                after,
                1,
                f"{_ratio(after, before)} vs before; same page and count: {same}",
            ),
        ]
        print(
            f"  {shape.key:<8} incident list p50 before {before.p50:7.1f} ms, "
            f"now {after.p50:7.1f} ms; same result: {same}",
            flush=True,
        )
    return rows


def lookup_queries(count: int, seed: int) -> list[Any]:
    """Person lookups as officers type them: the names of people already recorded, some with
    a letter dropped from the surname, with their date of birth or postcode."""
    from victims import matching
    from victims.models import PersonDetails

    rng = random.Random(f"{seed}:lookups")
    top = PersonDetails.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    queries = []
    while len(queries) < count and top:
        details = PersonDetails.objects.filter(pk__gte=rng.randint(1, top)).order_by("pk").first()
        if details is None:
            continue
        family = details.family_name
        if rng.random() < 0.3 and len(family) > 4:
            cut = rng.randrange(1, len(family) - 1)
            family = family[:cut] + family[cut + 1 :]
        born = details.date_of_birth if rng.random() < 0.7 else None
        queries.append(
            matching.Query(
                given_name=details.given_name,
                family_name=family,
                date_of_birth=born,
                postcode="" if born else details.postcode,
            )
        )
    return queries


def measure_person_lookup(shapes: Sequence[Shape], runs: int, seed: int) -> list[Row]:
    """`person_candidates` (the lookup behind keying an incident, the person search and the
    API's match endpoint) in-process, with its SQL time and statement count."""
    from django.db import connection

    from access.viewer import viewer_for
    from victims.selectors import person_candidates

    queries = lookup_queries(max(runs, 20), seed)
    rows = []
    for shape in shapes[:2]:
        viewer = viewer_for(shape.user)
        person_candidates(viewer=viewer, query=queries[0])
        totals, sql, found = [], [], 0
        statements = 0
        for query in queries:
            clock = _SqlClock()
            with connection.execute_wrapper(clock):
                started = time.perf_counter()
                candidates = person_candidates(viewer=viewer, query=query)
                for candidate in candidates:
                    candidate.signpost.agencies  # noqa: B018 (the page shows whom to contact)
                totals.append((time.perf_counter() - started) * 1000)
            sql.append(clock.seconds * 1000)
            statements = max(statements, clock.statements)
            found += len(candidates)
        sql_stats = Stats.of(sql)
        rows.append(
            Row(
                shape.key,
                "person lookup (person_candidates, signposts included)",
                Stats.of(totals),
                1,
                f"of which SQL p50 {sql_stats.p50:.1f} ms, p95 {sql_stats.p95:.1f} ms (at most "
                f"{statements} statements); {found / len(queries):.1f} candidates a lookup",
            )
        )
    return rows


def _raw_page(
    group_id: int | None, permission_id: int, ordered_count: bool = True
) -> Callable[[], Any]:
    from django.db import connection

    where = VISIBLE_WHERE if group_id is not None else ""
    params = [group_id, permission_id] if group_id is not None else []
    count_sql = (RAW_COUNT_SQL if ordered_count else UNORDERED_COUNT_SQL).format(where=where)

    def call() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(count_sql, params)
            count = cursor.fetchone()[0]
            cursor.execute(RAW_LIST_SQL.format(where=where), params)
            return count, cursor.fetchall()

    return call


def _sort_key_page(group_id: int, permission_id: int) -> Callable[[], Any]:
    from django.db import connection

    count_sql = UNORDERED_COUNT_SQL.format(where=VISIBLE_WHERE)

    def call() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(count_sql, [group_id, permission_id])
            count = cursor.fetchone()[0]
            cursor.execute(SORT_KEY_LIST_SQL, [group_id, permission_id])
            return count, cursor.fetchall()

    return call


def _guardian_page(user) -> Callable[[], Any]:
    from guardian.shortcuts import get_objects_for_user

    from asb_cases.models import Case

    def call() -> Any:
        cases = (
            get_objects_for_user(
                user, "asb_cases.view_case", klass=Case.objects.all(), accept_global_perms=False
            )
            .select_related("lead_organisation", "lead_officer", "incident_type", "local_authority")
            .order_by("-updated_at", "-id")
        )
        return cases[: COUNT_CAP + 1].count(), list(cases[:PAGE])

    return call


@contextmanager
def sort_key_table() -> Iterator[None]:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in SORT_KEY_SETUP:
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SORT_KEY_TABLE}")


def _ratio(numerator: Stats, denominator: Stats) -> str:
    return f"×{numerator.p50 / denominator.p50:.2f} p50, ×{numerator.p95 / denominator.p95:.2f} p95"


def _permission_verdict(filtered: Stats, unfiltered: Stats) -> str:
    met = filtered.p50 / unfiltered.p50 <= PERMISSION_RATIO_TARGET
    return (
        f"{_ratio(filtered, unfiltered)} vs no filter; target ≤ ×{PERMISSION_RATIO_TARGET} "
        f"p50: {'met' if met else 'MISSED'}"
    )


def measure_in_process(shapes: Sequence[Shape], runs: int, proposed: bool) -> list[Row]:
    permission = view_permission_id()
    unfiltered = timed(_raw_page(None, permission), runs)
    unfiltered_unordered = timed(_raw_page(None, permission, ordered_count=False), runs)
    rows = []
    for shape in shapes:
        group = shape.organisation.group_id
        selector = timed(_selector_page(shape.user), runs)
        raw = timed(_raw_page(group, permission), runs)
        guardian = timed(_guardian_page(shape.user), runs)
        rows += [
            Row(
                shape.key,
                "selector: first page + capped count (as the view runs it)",
                selector,
                1,
                f"{_ratio(selector, raw)} vs raw SQL",
            ),
            Row(
                shape.key,
                "raw SQL, same statements (EXISTS)",
                raw,
                1,
                _permission_verdict(raw, unfiltered),
            ),
            Row(
                shape.key,
                "guardian get_objects_for_user, same order, first page + count",
                guardian,
                1,
                f"{_ratio(guardian, selector)} vs selector",
            ),
        ]
        if proposed:
            unordered = timed(_selector_page(shape.user, ordered_count=False), runs)
            sort_key = timed(_sort_key_page(group, permission), runs)
            rows += [
                Row(
                    shape.key,
                    "PROPOSED selector, count without ORDER BY",
                    unordered,
                    1,
                    f"{_ratio(unordered, selector)} vs selector today",
                ),
                Row(
                    shape.key,
                    "PROPOSED raw SQL, sort key beside permissions + unordered count",
                    sort_key,
                    1,
                    _permission_verdict(sort_key, unfiltered_unordered),
                ),
            ]
    rows.append(
        Row(
            "(all cases)",
            "raw SQL without permission filter",
            unfiltered,
            1,
            "baseline for the ratio",
        )
    )
    if proposed:
        rows.append(
            Row(
                "(all cases)",
                "PROPOSED raw SQL without permission filter, unordered count",
                unfiltered_unordered,
                1,
                "baseline for the proposed ratio",
            )
        )
    return rows


# Every organisation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepRow:
    organisation: Any
    visible: int
    plan: str
    buffers: int
    today: Stats
    count_today: Stats
    count_unordered: Stats
    sort_key: Stats | None


def page_plan(user) -> tuple[str, int]:
    """How the planner serves the selector's first page (does the list walk the updated_at
    index, or start from the permission rows?) and the buffers its two statements touch: a
    measure of work that, unlike time, does not depend on what else the machine is doing."""
    import json

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _selector_page(user)()
    buffers, plan = 0, ""
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query["sql"])
            result = cursor.fetchone()[0]
            tree = (json.loads(result) if isinstance(result, str) else result)[0]["Plan"]
            buffers += tree["Shared Hit Blocks"] + tree["Shared Read Blocks"]
            if not query["sql"].startswith("SELECT COUNT"):
                plan = json.dumps(tree)
    how = "walks updated_at" if "asb_case_updated" in plan else "from permission rows"
    return how, buffers


def sweep(runs: int, proposed: bool) -> list[SweepRow]:
    """The selector's first page for a case officer of every organisation that has one."""
    from access.viewer import viewer_for
    from asb_cases.selectors import CaseFilters, case_list_for_viewer
    from partners.models import Organisation

    permission = view_permission_id()
    seen = visibility()
    rows = []
    for organisation in Organisation.objects.order_by("name"):
        user = _officer(organisation)
        if user is None or organisation.group_id not in seen:
            continue
        cases = case_list_for_viewer(viewer=viewer_for(user), filters=CaseFilters())
        plan, buffers = page_plan(user)
        rows.append(
            SweepRow(
                organisation=organisation,
                visible=seen[organisation.group_id][0],
                plan=plan,
                buffers=buffers,
                today=timed(_selector_page(user), runs),
                count_today=timed(lambda c=cases: c[: COUNT_CAP + 1].count(), runs),
                count_unordered=timed(lambda c=cases: c.order_by()[: COUNT_CAP + 1].count(), runs),
                sort_key=(
                    timed(_sort_key_page(organisation.group_id, permission), runs)
                    if proposed
                    else None
                ),
            )
        )
        print(
            f"  {organisation.name:<55} {rows[-1].today.p50:7.1f} ms {buffers:>8,} buffers",
            flush=True,
        )
    return sorted(rows, key=lambda row: -row.visible)


def worst_shape(rows: Sequence[SweepRow], shapes: Sequence[Shape]) -> Shape | None:
    """The organisation, not already a shape, whose first page does the most work today
    (buffers touched: stable under load, unlike time)."""
    taken = {shape.organisation.pk for shape in shapes}
    rest = [row for row in rows if row.organisation.pk not in taken]
    if not rest:
        return None
    row = max(rest, key=lambda r: r.buffers)
    count, newest = visibility()[row.organisation.group_id]
    return Shape(
        "worst",
        "most work for its first page in the sweep",
        row.organisation,
        _officer(row.organisation),
        count,
        newest,
    )


def render_sweep(rows: Sequence[SweepRow]) -> str:
    proposed = any(row.sort_key for row in rows)
    head = (
        "| organisation | kind | cases it can see | plan for the first page | buffers touched "
        "| selector page p50 | p95 | of which capped count p50 | count without ORDER BY p50 |"
    )
    rule = "|---|---|---:|---|---:|---:|---:|---:|---:|"
    if proposed:
        head += " PROPOSED sort key page p50 | p95 |"
        rule += "---:|---:|"
    lines = ["## Every organisation: the selector's first page, in-process", "", head, rule]
    for row in rows:
        line = (
            f"| {row.organisation.name} | {row.organisation.kind} | {row.visible:,} | {row.plan} "
            f"| {row.buffers:,} | {row.today.p50:,.1f} | {row.today.p95:,.1f} "
            f"| {row.count_today.p50:,.1f} | {row.count_unordered.p50:,.1f} |"
        )
        if row.sort_key:
            line += f" {row.sort_key.p50:,.1f} | {row.sort_key.p95:,.1f} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


@dataclass
class _SqlClock:
    """Sums the time spent in the database by the statements of one request."""

    seconds: float = 0.0
    statements: int = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1


def authenticator(user) -> Any:
    """The user's authenticator app (a confirmed TOTP device), made if need be: everyone who
    signs in with a password proves a second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Benchmark authenticator")


def authenticator_code(user) -> str:
    """The code the user's authenticator shows now. Several clients sign the same officer in
    within one 30-second step, so the device forgets the last code it accepted first."""
    from django_otp.oath import TOTP

    device = authenticator(user)
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save(
        update_fields=["last_t", "throttling_failure_count", "throttling_failure_timestamp"]
    )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def time_view(user, paths: Sequence[str], runs: int) -> tuple[Stats, Stats, int]:
    """The whole Django request in-process (no network, no gunicorn), one at a time: total and
    SQL milliseconds per request, and the number of SQL statements of one request."""
    from django.db import connection
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    # Signed in through the pages, both factors, as in service.
    client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    signed_in = client.post("/sign-in/two-factor/", {"code": authenticator_code(user)})
    if signed_in.status_code != 302 or signed_in.url.startswith("/sign-in/"):
        raise SystemExit(f"Could not sign {user.username} in in-process")
    for number in range(3):
        client.get(paths[number % len(paths)])
    totals, sql = [], []
    statements = 0
    for number in range(runs):
        clock = _SqlClock()
        with connection.execute_wrapper(clock):
            started = time.perf_counter()
            response = client.get(paths[number % len(paths)])
            totals.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{paths[number % len(paths)]} answered {response.status_code}")
        sql.append(clock.seconds * 1000)
        statements = clock.statements
    return Stats.of(totals), Stats.of(sql), statements


def measure_views(shapes: Sequence[Shape], runs: int) -> list[Row]:
    rows = []
    for shape in shapes:
        for measurement, paths in endpoints(shape):
            n = len(shape.case_uuids) if "<uuid>" in measurement else 1
            total, sql, statements = time_view(shape.user, [paths(i) for i in range(n)], runs)
            rows.append(
                Row(
                    shape.key,
                    f"in-process view {measurement.removeprefix('GET ')}",
                    total,
                    1,
                    f"of which SQL p50 {sql.p50:.1f} ms, p95 {sql.p95:.1f} ms "
                    f"({statements} statements); the rest is Python",
                )
            )
    return rows


# Over HTTP, through gunicorn ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def interpreter() -> str:
    """The Python the application runs under (the gunicorn of .venv): its version and where it
    was installed from. How it was built matters: on 2026-12-01 Debian's 3.11.2 spent 11 to
    26 % less time outside SQL on the case page than a 3.11.7 built from source without
    profile-guided optimisation (three interleaved pairs of 40 requests in-process)."""
    python = ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        return f"Python {platform.python_version()} ({sys.base_prefix})"
    described = subprocess.run(
        [
            str(python),
            "-c",
            "import platform, sys; print(platform.python_version(), sys.base_prefix)",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return f"Python {described[0]} ({described[1]})" if len(described) == 2 else "Python ?"


def collectstatic(database_url: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=app_environment(database_url),
        check=True,
    )


def require_static_manifest() -> None:
    from django.conf import settings

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        raise SystemExit(
            f"{manifest} is missing: with DEBUG=false the manifest static storage needs "
            "collectstatic. Run again with --collectstatic (it writes the git-ignored "
            "staticfiles/, as the Docker image does)."
        )


@contextmanager
def gunicorn(database_url: str, workers: int, log_path: Path) -> Iterator[str]:
    """gunicorn serving the app on a free local port; stopped (by its own pid) afterwards."""
    port = free_port()
    binary = ROOT / ".venv" / "bin" / "gunicorn"
    command = [
        str(binary if binary.exists() else shutil.which("gunicorn") or "gunicorn"),
        "config.wsgi:application",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
    ]
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=app_environment(database_url), stdout=log, stderr=log
        )
        try:
            _wait_until_serving(base, process, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log_path}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/sign-in/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One signed-in session: its own cookie jar, no redirects followed while measuring."""

    TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self._follow = urllib.request.build_opener(cookies)
        self._measure = urllib.request.build_opener(cookies, _NoRedirect)

    def sign_in(self, username: str, password: str) -> None:
        from partners.models import User

        # Everyone who signs in with a password has an authenticator: made now if this user
        # has none (an --http-only run makes no in-process request that would have made it).
        authenticator(User.objects.get(username=username))
        with self._follow.open(self.base + "/sign-in/", timeout=30) as response:
            page = response.read().decode()
        match = self.TOKEN.search(page)
        if match is None:
            raise SystemExit("No CSRF token on /sign-in/")
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(
            self.base + "/sign-in/", data=form, headers={"Referer": self.base + "/sign-in/"}
        )
        with self._follow.open(request, timeout=30) as response:
            landed = urllib.parse.urlparse(response.geturl()).path
            page = response.read().decode()
        if landed == "/sign-in/two-factor/":
            match = self.TOKEN.search(page)
            if match is None:
                raise SystemExit("No CSRF token on /sign-in/two-factor/")
            code = authenticator_code(User.objects.get(username=username))
            form = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": match.group(1), "code": code}
            ).encode()
            request = urllib.request.Request(
                self.base + landed, data=form, headers={"Referer": self.base + landed}
            )
            with self._follow.open(request, timeout=30) as response:
                landed = urllib.parse.urlparse(response.geturl()).path
        if landed.startswith("/sign-in/"):
            raise SystemExit(f"Could not sign in as {username}")

    def get(self, path: str) -> tuple[int, float]:
        """(status, milliseconds) for the whole response, body read."""
        started = time.perf_counter()
        try:
            with self._measure.open(self.base + path, timeout=120) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            error.read()
            status = error.code
        return status, (time.perf_counter() - started) * 1000


def load(
    browsers: Sequence[Browser], paths: Callable[[int], str], total: int, warmup: int
) -> Stats:
    """`total` measured requests from len(browsers) threads, after `warmup` unmeasured ones."""
    for number in range(warmup):
        browsers[number % len(browsers)].get(paths(number))
    counter = iter(range(total))
    lock = threading.Lock()
    samples: list[float] = []
    errors = 0

    def worker(browser: Browser) -> None:
        nonlocal errors
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            status, elapsed = browser.get(paths(number))
            with lock:
                samples.append(elapsed)
                errors += status != 200

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        list(pool.map(worker, browsers))
    return Stats.of(samples, time.perf_counter() - started, errors)


def warm_workers(browsers: Sequence[Browser], paths: Callable[[int], str], rounds: int = 3) -> None:
    """Unmeasured requests from all the browsers at once, `rounds` each, so that every
    gunicorn worker has served the page before any is measured: the warm-up of `load` at one
    client may all go to one worker, and another worker's first request (its templates
    compiled, its caches filled: 400-900 ms) then lands among the measured ones."""
    load(browsers, paths, len(browsers) * rounds, 0)


def endpoints(shape: Shape) -> list[tuple[str, Callable[[int], str]]]:
    """(what, request number -> path) for one shape."""
    search = "/cases/?" + urllib.parse.urlencode({"q": shape.surname, "status": "open"})
    uuids = shape.case_uuids
    return [
        ("GET /cases/ (first page)", lambda _: "/cases/"),
        (f"GET /cases/?q={shape.surname}&status=open", lambda _: search),
        ("GET /cases/<uuid>/ (case page)", lambda n: f"/cases/{uuids[n % len(uuids)]}/"),
        ("GET /incidents/ (first page)", lambda _: "/incidents/"),
    ]


def measure_http(shapes: Sequence[Shape], options: Options, log_path: Path) -> list[Row]:
    rows = []
    with gunicorn(options.database_url, options.workers, log_path) as base:
        for shape in shapes:
            browsers = [Browser(base) for _ in range(max(options.concurrency))]
            for browser in browsers:
                browser.sign_in(shape.user.username, PASSWORD)
            chosen = [e for e in endpoints(shape) if options.search or "?q=" not in e[0]]
            for _, paths in chosen:
                warm_workers(browsers, paths)
            for (measurement, paths), level in product(chosen, options.concurrency):
                stats = load(browsers[:level], paths, options.requests, options.warmup)
                verdict = ""
                target = HTTP_TARGETS_MS.get(level)
                if target is not None:
                    met = stats.p95 <= target and not stats.errors
                    verdict = f"target p95 ≤ {target:.0f} ms: {'met' if met else 'MISSED'}"
                if stats.errors:
                    verdict = f"{stats.errors} non-200 responses; {verdict}"
                rows.append(Row(shape.key, measurement, stats, level, verdict))
                print(
                    f"  {shape.key:<8} {measurement:<45} ×{level} p50 {stats.p50:7.1f} ms  "
                    f"p95 {stats.p95:7.1f} ms",
                    flush=True,
                )
    return rows


# EXPLAIN and the report ---------------------------------------------------------------------


def explain(shape: Shape, page: Callable[[], Any] | None = None, what: str = "selector") -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements the selector runs for the list's first
    page: the capped count, then the 50 rows (or those of `page`)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page = page or _selector_page(shape.user)
    page()  # warm the caches the way the timed runs were
    with CaptureQueriesContext(connection) as captured:
        page()
    blocks = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            blocks.append(f"```sql\n{query['sql']}\n```\n\n```\n{plan}\n```")
    title = f"## EXPLAIN (ANALYZE, BUFFERS): {what}, shape '{shape.key}' ({shape.organisation})"
    return title + "\n\n" + "\n\n".join(blocks) + "\n"


def _git_version() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"{commit}{' with uncommitted changes' if dirty else ''}"


def _environment_lines(options: Options) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM asb_cases_incident")
        incidents = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM asb_cases_case")
        cases = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM partners_organisation")
        organisations = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM partners_user")
        users = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
        cursor.execute("SELECT current_setting('server_version')")
        version = cursor.fetchone()[0]
        cursor.execute(
            "SELECT current_setting('shared_buffers'), current_setting('work_mem'), "
            "current_setting('effective_cache_size'), current_setting('random_page_cost')"
        )
        buffers, work_mem, cache, page_cost = cursor.fetchone()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(meminfo.read_text().split()[1])
        memory = f", {kilobytes / 1024 / 1024:.0f} GiB memory"
    lines = [
        f"- Data: {incidents:,} incidents, {cases:,} cases, {organisations} organisations, "
        f"{users:,} users ({connection.settings_dict['NAME']}, {size}).",
        f"- Code: {options.note or _git_version()}.",
        f"- Machine: {os.cpu_count()} CPUs{memory}, {platform.platform()}, {interpreter()}. "
        f"PostgreSQL {version} "
        f"(shared_buffers {buffers}, work_mem {work_mem}, effective_cache_size {cache}, "
        f"random_page_cost {page_cost}), Redis, gunicorn ({options.workers} sync workers) and "
        "the load generator all share the machine: figures include that contention.",
        f"- HTTP: {options.requests} measured requests after {options.warmup} warm-up per "
        f"endpoint, shape and concurrency, from {' and '.join(map(str, options.concurrency))} "
        "concurrent signed-in clients (one session each); whole response read; sessions are "
        "saved as in service (when changed, or at most once a minute), every list, the case "
        "page and the search write an audit event, as in service.",
        f"- In-process: {options.runs} runs after 3 warm-up, one at a time, warm caches; "
        "'first page + capped count' is what the view runs (50 rows and a COUNT over LIMIT "
        "1001).",
    ]
    return lines


def render(
    shapes: Sequence[Shape],
    rows: Sequence[Row],
    options: Options,
    extra: str,
    loads: tuple[tuple[float, ...], tuple[float, ...]],
) -> str:
    def ms(value: float) -> str:
        return f"{value:,.1f}"

    today = dt.datetime.now(dt.UTC).date()
    before, after = (", ".join(f"{x:.1f}" for x in load) for load in loads)
    lines = [f"# Case list benchmark, {today}", "", *_environment_lines(options)]
    lines += [
        f"- Load average (1, 5, 15 min) {before} at the start and {after} at the end: anything "
        "above about 1 means other work shared the 2 CPUs during the run.",
        "",
    ]
    lines += [
        "| shape | organisation | kind | cases it can see | newest of them changed | officer "
        "| search surname |",
        "|---|---|---|---:|---|---|---|",
    ]
    lines += [
        f"| {s.key}: {s.description} | {s.organisation.name} | {s.organisation.kind} "
        f"| {s.visible:,} | {s.newest:%Y-%m-%d} | {s.user.username} | {s.surname} |"
        for s in shapes
    ]
    lines += [
        "",
        "| shape | measurement | n | concurrency | p50 ms | p95 ms | p99 ms | mean ms | req/s "
        "| ratio / target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        s = row.stats
        rate = f"{s.per_second:,.1f}" if s.per_second else ""
        lines.append(
            f"| {row.shape} | {row.measurement} | {s.count} | {row.concurrency} | {ms(s.p50)} "
            f"| {ms(s.p95)} | {ms(s.p99)} | {ms(s.mean)} | {rate} | {row.verdict} |"
        )
    return "\n".join(lines) + "\n" + (f"\n{extra}" if extra else "")


def lookup_only(options: Options, load_before: tuple[float, ...]) -> None:
    """`--only lookup`: the person lookup of the two largest shapes, in-process."""
    setup_django(options.database_url)
    shapes = choose_shapes()
    for shape in shapes:
        describe_data(shape, options.seed)
    print("Person lookup, in-process...", flush=True)
    rows = measure_person_lookup(shapes, options.runs, options.seed)
    report = render(shapes, rows, options, "", (load_before, os.getloadavg()))
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{options.label}" if options.label else ""
    path = RESULTS / f"person_lookup-{dt.datetime.now(dt.UTC).date()}{suffix}.md"
    path.write_text(report)
    print("\n" + report)
    print(f"Written to {path}")


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    load_before = os.getloadavg()
    if options.only == "lookup":
        lookup_only(options, load_before)
        return
    if options.collectstatic and options.http:
        collectstatic(options.database_url)
    setup_django(options.database_url)
    if options.http:
        require_static_manifest()
    shapes = choose_shapes()
    sweep_rows: list[SweepRow] = []
    with sort_key_table() if options.proposed else nullcontext():
        if options.sweep:
            print("Every organisation's first page...", flush=True)
            sweep_rows = sweep(max(5, options.runs // 4), options.proposed)
            extra = worst_shape(sweep_rows, shapes)
            if extra is not None:
                shapes.append(extra)
        for shape in shapes:
            describe_data(shape, options.seed)
            print(
                f"{shape.key:<8} {shape.organisation.name}: {shape.visible:,} cases, newest "
                f"{shape.newest:%Y-%m-%d}; officer {shape.user.username}; "
                f"surname {shape.surname}"
            )
        rows = []
        if options.in_process:
            print("In-process timings...", flush=True)
            rows += measure_in_process(shapes, options.runs, options.proposed)
            rows += measure_incident_list(shapes, options.runs)
            rows += measure_person_lookup(shapes, options.runs, options.seed)
    if options.in_process:
        print("In-process views...", flush=True)
        rows += measure_views(shapes, options.runs)
    if options.http:
        print("HTTP timings through gunicorn...", flush=True)
        log_path = Path(os.environ.get("TMPDIR", "/tmp")) / "asb-bench-gunicorn.log"
        rows += measure_http(shapes, options, log_path)
    sections = [render_sweep(sweep_rows)] if sweep_rows else []
    if options.explain and options.in_process:
        selector_rows = [r for r in rows if r.measurement.startswith("selector")]
        worst_key = max(selector_rows, key=lambda r: r.stats.p95).shape
        sections.append(explain(next(s for s in shapes if s.key == worst_key)))
        for shape in shapes:
            sections.append(explain(shape, _incident_page(shape.user), "incident list"))
    loads = (load_before, os.getloadavg())
    report = render(shapes, rows, options, "\n".join(sections), loads)
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{options.label}" if options.label else ""
    path = RESULTS / f"case_list-{dt.datetime.now(dt.UTC).date()}{suffix}.md"
    path.write_text(report)
    print("\n" + report)
    print(f"Written to {path}")


if __name__ == "__main__":
    main()
