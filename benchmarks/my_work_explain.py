"""Profile My work against the benchmark database: every query `my_work_for` runs for the
benchmark's officer and supervisor (benchmarks/my_work.py chooses them), each with
EXPLAIN (ANALYZE, BUFFERS) execution time and shared buffers, and the in-process time of each
panel (median of --runs calls).

    .venv/bin/python benchmarks/my_work_explain.py \
        [--database-url postgres://postgres@127.0.0.1:5432/asb_bench] [--runs 10] [--plans 5]

--plans N prints the full plan of every query slower than N ms. Reads only; run by hand.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import case_list  # noqa: E402 (after the path above)


def bench_module():
    """benchmarks/my_work.py (its name is the app's, so loaded by path)."""
    spec = importlib.util.spec_from_file_location("bench_my_work", HERE / "my_work.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=case_list.DEFAULT_DATABASE_URL)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--plans", type=float, default=None)
    args = parser.parse_args()
    case_list.setup_django(args.database_url)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from access.viewer import viewer_for
    from my_work import selectors

    _, _, officer, supervisor = bench_module().choose_people()
    panels: dict[str, list[float]] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                panels.setdefault(name, []).append((time.perf_counter() - start) * 1000)

        return wrapper

    for name in ("_tasks", "_victims_due", "_victim_rows", "_clocks", "_recent_cases", "_team"):
        setattr(selectors, name, timed(name, getattr(selectors, name)))

    for label, user, team in (("officer", officer, False), ("supervisor", supervisor, True)):
        viewer = viewer_for(user)
        with CaptureQueriesContext(connection) as captured:
            selectors.my_work_for(viewer=viewer, team=team)
        panels.clear()
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            selectors.my_work_for(viewer=viewer, team=team)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"\n=== {label} {user.username}: {len(captured)} queries; my_work_for median "
            f"{statistics.median(times):.1f} ms; load {os.getloadavg()}"
        )
        for name, values in panels.items():
            print(f"  panel {name}: median {statistics.median(values):.1f} ms")
        total_ms = total_buffers = 0
        for query in captured.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0][0]
            buffers = plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get(
                "Shared Read Blocks", 0
            )
            total_ms += plan["Execution Time"]
            total_buffers += buffers
            print(f"  {plan['Execution Time']:8.2f} ms {buffers:7d} buf  {query['sql'][:110]}")
            if args.plans is not None and plan["Execution Time"] > args.plans:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    print("\n".join("      " + row[0] for row in cursor.fetchall()))
        print(f"  all queries: {total_ms:.1f} ms, {total_buffers} buffers")


if __name__ == "__main__":
    main()
