"""Measure the dashboards against the generated database, over HTTP through gunicorn.

    .venv/bin/python benchmarks/dashboards.py --collectstatic [--refresh] [--concurrency 1,4]

Users of four shapes are measured on every dashboard they may open: a case officer of a
typical partner (the organisation whose visible cases are nearest 10,000), a supervisor of the
organisation that sees most (its team is the largest), the ASB Champion and an analyst (both
partnership totals; the analyst never sees people). For each: the selector in-process (the
database and Python work without the page), then the whole page over HTTP from gunicorn
(4 sync workers, DEBUG off), p50/p95/p99 and requests per second; and each page in-process
with its SQL time beside the total. The target is p95 ≤ 300 ms per dashboard.

The counts come from the summaries the Celery beat job rebuilds; with --refresh (or when they
have never been built) the script rebuilds them first and reports how long that took. Like
benchmarks/case_list.py (whose helpers it reuses), signing in and viewing pages write
sessions and audit events, as in service. Results go to
benchmarks/results/dashboards-<date>[-<label>].md. Run by hand, never by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import case_list as base  # the shared benchmark helpers, beside this file

RESULTS = base.RESULTS
TARGET_MS = 300.0


@dataclass(frozen=True)
class Options:
    database_url: str
    requests: int
    warmup: int
    concurrency: list[int]
    workers: int
    runs: int
    refresh: bool
    http: bool
    collectstatic: bool
    label: str
    note: str
    users: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def wants(self, page: str) -> bool:
        return not self.pages or any(part in page for part in self.pages)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=base.DEFAULT_DATABASE_URL)
    parser.add_argument("--requests", type=int, default=100, help="measured, per page and user")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured, per page and user")
    parser.add_argument("--concurrency", default="1,4", help="client threads, a comma list")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--runs", type=int, default=20, help="in-process runs per selector")
    parser.add_argument("--refresh", action="store_true", help="rebuild the summaries first")
    parser.add_argument("--skip-http", action="store_true", help="in-process timings only")
    parser.add_argument(
        "--collectstatic",
        action="store_true",
        help="run collectstatic first (writes the git-ignored staticfiles/, as the image does)",
    )
    parser.add_argument("--label", default="", help="suffix for the results file")
    parser.add_argument("--note", default="", help="free text for the results header")
    parser.add_argument(
        "--users",
        default="",
        help="only these users, a comma list of officer, supervisor, champion, analyst",
    )
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        help="only pages whose name contains this (repeat for more), e.g. --page costs",
    )
    base.add_redis_url(parser)
    args = parser.parse_args(argv)
    base.use_redis_url(args.redis_url)
    return Options(
        database_url=args.database_url,
        requests=args.requests,
        warmup=args.warmup,
        concurrency=[int(level) for level in args.concurrency.split(",")],
        workers=args.workers,
        runs=args.runs,
        refresh=args.refresh,
        http=not args.skip_http,
        collectstatic=args.collectstatic,
        label=args.label,
        note=args.note,
        users=[user for user in args.users.split(",") if user],
        pages=args.page,
    )


# Who is measured -----------------------------------------------------------------------------


@dataclass
class Person:
    key: str
    description: str
    user: Any
    organisation: Any
    visible: int = 0
    paths: list[tuple[str, str]] = field(default_factory=list)  # (dashboard, path)


def _member(role: str, organisation=None) -> Any:
    from partners.models import Membership

    memberships = Membership.objects.filter(role=role, user__is_active=True)
    if organisation is not None:
        memberships = memberships.filter(organisation=organisation)
    membership = memberships.select_related("user", "organisation").order_by("user__username")
    found = membership.first()
    if found is None:
        raise SystemExit(f"No active {role} found: run benchmarks/generate.py first.")
    return found.user


def choose_people() -> list[Person]:
    from partners.models import Organisation

    seen = base.visibility()
    organisations = {org.group_id: org for org in Organisation.objects.filter(group_id__in=seen)}
    most = max(organisations.values(), key=lambda org: seen[org.group_id][0])
    typical = min(
        (org for org in organisations.values() if org.pk != most.pk),
        key=lambda org: abs(seen[org.group_id][0] - 10_000),
    )
    officer = _member("case_officer", typical)
    supervisor = _member("supervisor", most)
    champion = _member("asb_champion")
    analyst = _member("analyst")
    return [
        Person(
            "officer",
            "case officer, typical partner",
            officer,
            typical,
            seen[typical.group_id][0],
        ),
        Person(
            "supervisor",
            "supervisor, organisation that sees most",
            supervisor,
            most,
            seen[most.group_id][0],
        ),
        Person(
            "champion", "ASB Champion (partnership)", champion, champion.membership.organisation
        ),
        Person(
            "analyst", "analyst (partnership, no people)", analyst, analyst.membership.organisation
        ),
    ]


def pages_for(person: Person) -> list[tuple[str, str]]:
    from reporting.selectors import default_period

    six = default_period(6)
    open_data = (
        "?date_from-month=10&date_from-year=2018&date_to-month=2&date_to-year=2019&open_data=on"
    )
    pages = [
        ("ownership", "/dashboards/ownership/"),
        ("victims", "/dashboards/victims/"),
        ("case reviews", "/dashboards/case-reviews/"),
        ("hotspots (LSOA, 12 months)", "/dashboards/hotspots/"),
        (
            "hotspots (ward, one type, 6 months)",
            f"/dashboards/hotspots/?areas=ward&type=noise&date_from-month={six.start.month}"
            f"&date_from-year={six.start.year}",
        ),
        ("hotspots with police.uk layer", "/dashboards/hotspots/" + open_data),
        ("households", "/dashboards/households/"),
        ("tools, powers and costs", "/dashboards/costs/"),
        ("trends (24 months)", "/dashboards/trends/"),
        ("CSV: hotspot table", "/dashboards/hotspots/areas.csv"),
    ]
    if not person.user.has_perm("victims.view_person"):
        pages = [page for page in pages if page[0] != "households"]
    return pages


# In-process: the selectors -------------------------------------------------------------------


def selector_calls(person: Person) -> list[tuple[str, Callable[[], Any]]]:
    from access.viewer import viewer_for
    from reporting import selectors
    from reporting.selectors import HotspotFilters, default_period

    viewer = viewer_for(person.user)
    calls = [
        ("ownership", lambda: selectors.ownership_dashboard(viewer=viewer)),
        ("victims", lambda: selectors.victims_dashboard(viewer=viewer, params={})),
        ("case reviews", lambda: selectors.case_review_dashboard(viewer=viewer)),
        (
            "hotspots (LSOA, 12 months)",
            lambda: selectors.hotspots_dashboard(
                viewer=viewer, filters=HotspotFilters(period=default_period(12))
            ),
        ),
        (
            "tools, powers and costs",
            lambda: selectors.costs_dashboard(viewer=viewer, period=default_period(12)),
        ),
        (
            "trends (24 months)",
            lambda: selectors.trends_dashboard(viewer=viewer, period=default_period(24)),
        ),
    ]
    if person.user.has_perm("victims.view_person"):
        calls.append(
            ("households", lambda: selectors.households_dashboard(viewer=viewer, months=12))
        )
    return calls


def measure_in_process(people: Sequence[Person], options: Options) -> list[base.Row]:
    runs = options.runs
    rows = []
    for person in people:
        for name, call in [c for c in selector_calls(person) if options.wants(c[0])]:
            stats = base.timed(call, runs)
            rows.append(base.Row(person.key, f"selector: {name}", stats, 1))
            print(f"  {person.key:<10} selector {name:<36} p50 {stats.p50:7.1f} ms", flush=True)
    return rows


def measure_views(people: Sequence[Person], options: Options) -> list[base.Row]:
    """Each dashboard page as a whole Django request in-process (no network, no gunicorn):
    total and SQL time, so the split between the database and Python is visible."""
    runs = options.runs
    rows = []
    for person in people:
        for name, path in [p for p in pages_for(person) if options.wants(p[0])]:
            total, sql, statements = base.time_view(person.user, [path], runs)
            rows.append(
                base.Row(
                    person.key,
                    f"in-process view: {name}",
                    total,
                    1,
                    f"of which SQL p50 {sql.p50:.1f} ms, p95 {sql.p95:.1f} ms "
                    f"({statements} statements); the rest is Python",
                )
            )
            print(
                f"  {person.key:<10} view {name:<40} p50 {total.p50:7.1f} ms, "
                f"SQL {sql.p50:6.1f} ms",
                flush=True,
            )
    return rows


# Over HTTP -----------------------------------------------------------------------------------


def measure_http(people: Sequence[Person], options: Options, log_path: Path) -> list[base.Row]:
    rows = []
    with base.gunicorn(options.database_url, options.workers, log_path) as server:
        for person in people:
            browsers = [base.Browser(server) for _ in range(max(options.concurrency))]
            for browser in browsers:
                browser.sign_in(person.user.username, base.PASSWORD)
            for name, path in pages_for(person):
                if options.wants(name):
                    base.warm_workers(browsers, lambda _, p=path: p)
            for (name, path), level in (
                (page, level)
                for page in pages_for(person)
                if options.wants(page[0])
                for level in options.concurrency
            ):
                stats = base.load(
                    browsers[:level], lambda _, p=path: p, options.requests, options.warmup
                )
                met = stats.p95 <= TARGET_MS and not stats.errors
                verdict = f"p95 ≤ {TARGET_MS:.0f} ms: {'met' if met else 'MISSED'}"
                if stats.errors:
                    verdict = f"{stats.errors} non-200 responses; {verdict}"
                rows.append(base.Row(person.key, f"GET {name}", stats, level, verdict))
                print(
                    f"  {person.key:<10} {name:<40} ×{level} p50 {stats.p50:7.1f} ms  "
                    f"p95 {stats.p95:7.1f} ms",
                    flush=True,
                )
    return rows


# The summaries -------------------------------------------------------------------------------


def ensure_summaries(refresh: bool) -> list[str]:
    from reporting import services
    from reporting.models import SummaryState

    notes = []
    states = {state.kind: state for state in SummaryState.objects.all()}
    for kind, rebuild in (
        ("cases", services.summaries_refresh),
        ("households", services.households_refresh),
    ):
        state = states.get(kind)
        if refresh or state is None or state.refreshed_at is None:
            print(f"Rebuilding the {kind} summaries...", flush=True)
            started = time.perf_counter()
            result = rebuild()
            seconds = time.perf_counter() - started
            rows = ", ".join(f"{key} {value:,}" for key, value in result.rows.items())
            notes.append(
                f"- Rebuilt the {kind} summaries before measuring: {seconds:.1f} s ({rows} rows)."
            )
        else:
            rows = ", ".join(f"{key} {value:,}" for key, value in state.rows.items())
            notes.append(
                f"- {kind.capitalize()} summaries as built at {state.refreshed_at:%Y-%m-%d %H:%M} "
                f"UTC in {state.duration_ms / 1000:.1f} s ({rows} rows)."
            )
    return notes


# The report ----------------------------------------------------------------------------------


def render(
    people: Sequence[Person],
    rows: Sequence[base.Row],
    options: Options,
    notes: Sequence[str],
    loads: tuple[tuple[float, ...], tuple[float, ...]],
) -> str:
    def ms(value: float) -> str:
        return f"{value:,.1f}"

    base_options = base.Options(
        database_url=options.database_url,
        requests=options.requests,
        warmup=options.warmup,
        concurrency=options.concurrency,
        workers=options.workers,
        runs=options.runs,
        explain=False,
        http=options.http,
        in_process=True,
        search=False,
        collectstatic=options.collectstatic,
        sweep=False,
        proposed=False,
        label=options.label,
        note=options.note,
        seed=1,
    )
    before, after = (", ".join(f"{x:.1f}" for x in load) for load in loads)
    lines = [
        f"# Dashboards benchmark, {dt.datetime.now(dt.UTC).date()}",
        "",
        *base._environment_lines(base_options)[:3],
        f"- HTTP: {options.requests} measured requests after {options.warmup} warm-up per page, "
        f"user and concurrency, from {' and '.join(map(str, options.concurrency))} concurrent "
        "signed-in clients (one session each); whole response read; every page writes its "
        "audit event and saves the session, as in service.",
        f"- In-process: the dashboard's selector alone (its queries and the Python that builds "
        f"its tables, charts and map), {options.runs} runs after 3 warm-up, one at a time.",
        *notes,
        f"- Load average (1, 5, 15 min) {before} at the start and {after} at the end.",
        f"- {base.interpreter()}.",
        f"- Target: p95 ≤ {TARGET_MS:.0f} ms per dashboard page.",
        "",
        "| user | who | organisation | cases it can see |",
        "|---|---|---|---:|",
    ]
    lines += [
        f"| {p.key} | {p.description} ({p.user.username}) | {p.organisation.name} | {p.visible:,} |"
        for p in people
    ]
    lines += [
        "",
        "| user | measurement | n | concurrency | p50 ms | p95 ms | p99 ms | mean ms | req/s "
        "| verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        s = row.stats
        rate = f"{s.per_second:,.1f}" if s.per_second else ""
        lines.append(
            f"| {row.shape} | {row.measurement} | {s.count} | {row.concurrency} | {ms(s.p50)} "
            f"| {ms(s.p95)} | {ms(s.p99)} | {ms(s.mean)} | {rate} | {row.verdict} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    load_before = os.getloadavg()
    if options.collectstatic and options.http:
        base.collectstatic(options.database_url)
    base.setup_django(options.database_url)
    if options.http:
        base.require_static_manifest()
    notes = ensure_summaries(options.refresh)
    people = [p for p in choose_people() if not options.users or p.key in options.users]
    for person in people:
        print(f"{person.key:<10} {person.user.username} ({person.organisation.name})")
    print("In-process selectors...", flush=True)
    rows = measure_in_process(people, options)
    print("In-process views...", flush=True)
    rows += measure_views(people, options)
    if options.http:
        print("HTTP through gunicorn...", flush=True)
        log_path = Path(os.environ.get("TMPDIR", "/tmp")) / "asb-bench-dashboards-gunicorn.log"
        rows += measure_http(people, options, log_path)
    report = render(people, rows, options, notes, (load_before, os.getloadavg()))
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{options.label}" if options.label else ""
    path = RESULTS / f"dashboards-{dt.datetime.now(dt.UTC).date()}{suffix}.md"
    path.write_text(report)
    print("\n" + report)
    print(f"Written to {path}")


if __name__ == "__main__":
    main()
