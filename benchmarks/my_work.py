"""Measure My work (the signed-in home page) for the largest organisation of the generated set.

    .venv/bin/python benchmarks/my_work.py --collectstatic \
        [--database-url postgres://postgres@127.0.0.1:5432/asb_bench] [--concurrency 1,4]

Picks the organisation that sees most cases, its case officer who leads most open cases, and
a supervisor of it, then:

- in-process (django.setup() against the benchmark database): `my_work_for` for the officer
  and for the supervisor's team view, with the number of queries each runs;
- starts gunicorn (4 sync workers) on a free port, signs both in through the real sign-in
  pages (password, then a code from an authenticator device this script gives them), and
  measures GET / (the officer) and GET /?team=1 (the supervisor) with one and four clients.

Prints one Markdown table and writes it to benchmarks/results/my_work-<date>.md. Targets
(issue 13): p95 ≤ 150 ms at one client, ≤ 300 ms at four. Run by hand, never by the test
suite. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import case_list
from case_list import RESULTS, Browser, Stats, gunicorn, load, timed, warm_workers

TARGETS_MS = {1: 150.0, 4: 300.0}


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=case_list.DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--requests", type=int, default=200, help="measured, per user and level")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--concurrency", default="1,4")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--runs", type=int, default=30, help="in-process runs")
    parser.add_argument("--collectstatic", action="store_true")
    parser.add_argument("--label", default="")
    parser.add_argument("--note", default="", help="free text for the results header")
    return parser.parse_args(argv)


def choose_people():
    """(organisation, cases it sees, officer, supervisor): the organisation that sees most
    cases, the officer of it who leads most open cases, and its first supervisor."""
    from django.db.models import Count, Q

    from partners.models import Membership, Organisation, User

    seen = case_list.visibility()
    organisation = max(
        Organisation.objects.filter(group_id__in=seen), key=lambda org: seen[org.group_id][0]
    )
    officer = (
        User.objects.filter(membership__organisation=organisation, membership__role="case_officer")
        .annotate(n=Count("led_cases", filter=~Q(led_cases__status="closed")))
        .order_by("-n", "username")
        .first()
    )
    supervisor = (
        Membership.objects.filter(organisation=organisation, role="supervisor")
        .select_related("user")
        .order_by("user__username")
        .first()
        .user
    )
    return organisation, seen[organisation.group_id][0], officer, supervisor


def in_process(officer, supervisor, runs: int) -> list[tuple[str, Stats, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from access.viewer import viewer_for
    from my_work.selectors import my_work_for

    rows = []
    for label, user, team in (
        ("officer: my_work_for", officer, False),
        ("supervisor: my_work_for(team)", supervisor, True),
    ):
        viewer = viewer_for(user)
        with CaptureQueriesContext(connection) as captured:
            my_work_for(viewer=viewer, team=team)
        stats = timed(lambda v=viewer, t=team: my_work_for(viewer=v, team=t), runs)
        rows.append((label, stats, len(captured)))
        print(
            f"  {label:<32} p50 {stats.p50:7.1f} ms  p95 {stats.p95:7.1f} ms  "
            f"{len(captured)} queries",
            flush=True,
        )
    return rows


def two_factor_code(user) -> str:
    """A fresh code from the user's authenticator (made if need be); the device forgets the
    last code it accepted, so the same person can sign in several times a minute."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="Benchmark authenticator")
    )
    device.last_t = -1
    device.throttling_failure_count = 0
    device.save(update_fields=["last_t", "throttling_failure_count"])
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(browser: Browser, user, password: str) -> None:
    """Password, then the second factor, through the real pages."""
    opener = browser._follow
    token = Browser.TOKEN

    def post(path: str, fields: dict) -> str:
        with opener.open(browser.base + path, timeout=30) as response:
            match = token.search(response.read().decode())
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1), **fields}).encode()
        request = urllib.request.Request(
            browser.base + path, data=form, headers={"Referer": browser.base + path}
        )
        with opener.open(request, timeout=30) as response:
            return urllib.parse.urlparse(response.geturl()).path

    two_factor_code(user)  # the device exists before the password is checked
    landed = post("/sign-in/", {"username": user.username, "password": password})
    if landed == "/sign-in/two-factor/":
        landed = post("/sign-in/two-factor/", {"code": two_factor_code(user)})
    if landed.startswith("/sign-in/"):
        raise SystemExit(f"Could not sign in as {user.username} (ended on {landed})")


def over_http(args, officer, supervisor, levels) -> list[tuple[str, int, Stats]]:
    rows = []
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / "asb-bench-my-work-gunicorn.log"
    with gunicorn(args.database_url, args.workers, log_path) as base:
        for label, user, path in (
            ("officer: GET /", officer, "/"),
            ("supervisor: GET /?team=1", supervisor, "/?team=1"),
        ):
            browsers = [Browser(base) for _ in range(max(levels))]
            for browser in browsers:
                sign_in(browser, user, case_list.PASSWORD)
            status, _ = browsers[0].get(path)
            if status != 200:
                raise SystemExit(f"{path} answered {status} for {user.username}")
            warm_workers(browsers, lambda _n, p=path: p)
            for level in levels:
                stats = load(browsers[:level], lambda _n, p=path: p, args.requests, args.warmup)
                rows.append((label, level, stats))
                print(
                    f"  {label:<28} ×{level} p50 {stats.p50:7.1f} ms  p95 {stats.p95:7.1f} ms"
                    f"  errors {stats.errors}",
                    flush=True,
                )
    return rows


def counts(organisation, officer) -> dict[str, int]:
    from asb_cases.models import Case, CaseTask, Incident

    return {
        "incidents": Incident.objects.count(),
        "cases": Case.objects.count(),
        "open cases the organisation leads": Case.objects.filter(lead_organisation=organisation)
        .exclude(status="closed")
        .count(),
        "open cases the officer leads": Case.objects.filter(lead_officer=officer)
        .exclude(status="closed")
        .count(),
        "open tasks of the organisation": CaseTask.objects.filter(
            assignee__membership__organisation=organisation, status="open"
        ).count(),
    }


def render(
    args, organisation, visible, officer, supervisor, data, process_rows, http_rows, loads
) -> str:
    today = dt.datetime.now(dt.UTC).date()
    lines = [
        f"# My work benchmark, {today}",
        "",
        f"- Database `{urllib.parse.urlparse(args.database_url).path.lstrip('/')}`: "
        + ", ".join(f"{value:,} {name}" for name, value in data.items())
        + ".",
        f"- Organisation: {organisation.name} ({organisation.kind}), sees {visible:,} cases. "
        f"Officer `{officer.username}`, supervisor `{supervisor.username}`.",
        f"- gunicorn {args.workers} sync workers, DEBUG=false; {args.requests} measured requests "
        f"per row after {args.warmup} unmeasured. Load average (1, 5, 15 min) "
        f"{', '.join(f'{x:.1f}' for x in loads[0])} at the start, "
        f"{', '.join(f'{x:.1f}' for x in loads[1])} at the end (2 CPUs shared). "
        f"{case_list.interpreter()}.",
    ]
    if args.note:
        lines.append(f"- {args.note}")
    lines += [
        "",
        "| measurement | queries | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, stats, queries in process_rows:
        lines.append(
            f"| in-process {label} | {queries} | {stats.p50:.1f} | {stats.p95:.1f} "
            f"| {stats.p99:.1f} |"
        )
    lines += [
        "",
        "| request | clients | n | p50 ms | p95 ms | p99 ms | req/s | target p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, level, stats in http_rows:
        target = TARGETS_MS.get(level)
        verdict = ""
        if target is not None:
            met = stats.p95 <= target and not stats.errors
            verdict = f"≤ {target:.0f} ms: {'met' if met else 'MISSED'}"
        lines.append(
            f"| {label} | {level} | {stats.count} | {stats.p50:.1f} | {stats.p95:.1f} "
            f"| {stats.p99:.1f} | {stats.per_second or 0:.1f} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    case_list.REDIS_URL = args.redis_url  # the app's environment for this run
    levels = [int(level) for level in args.concurrency.split(",")]
    load_before = os.getloadavg()
    if args.collectstatic:
        case_list.collectstatic(args.database_url)
    case_list.setup_django(args.database_url)
    case_list.require_static_manifest()
    organisation, visible, officer, supervisor = choose_people()
    data = counts(organisation, officer)
    print(
        f"{organisation.name}: sees {visible:,} cases; officer {officer.username}, "
        f"supervisor {supervisor.username}",
        flush=True,
    )
    print("In-process...", flush=True)
    process_rows = in_process(officer, supervisor, args.runs)
    print("HTTP through gunicorn...", flush=True)
    http_rows = over_http(args, officer, supervisor, levels)
    report = render(
        args,
        organisation,
        visible,
        officer,
        supervisor,
        data,
        process_rows,
        http_rows,
        (load_before, os.getloadavg()),
    )
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{args.label}" if args.label else ""
    path = RESULTS / f"my_work-{dt.datetime.now(dt.UTC).date()}{suffix}.md"
    path.write_text(report)
    print("\n" + report)
    print(f"Written to {path}")


if __name__ == "__main__":
    main()
