"""The retention run on a generated partnership: rows examined, queued
and disposed, seconds, and peak memory, for the two halves of the nightly run.

    .venv/bin/python benchmarks/retention.py \
        --database-url postgres://postgres@127.0.0.1:5432/asb_bench_retention \
        --generate 100000 [--years-ahead 4] [--dispose-limit 3000] [--label 100k]

benchmarks/generate.py does not yet know that a person's details moved to PersonDetails
(issue 10), so `--generate N` builds the data set here instead, after `migrate`: ten
organisations, N incidents over three years (40% with a victim, whose organisation's record of
them is a PersonDetails row), N/3 cases each with one incident, a person and a note, 70% of
them closed. The run is made as if `--years-ahead` years later (nothing is due otherwise).

First the run finds what is due and puts it on the owners' queues (every record type); then
every queued item is approved (as its admins would) and up to --dispose-limit items are
disposed of, one transaction each, as the nightly run does; the rate gives the time for the
rest. The database is changed: generate it
again before another run. Results go to results/retention-<date>[-<label>].md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--years-ahead", type=float, default=4.0)
    parser.add_argument("--dispose-limit", type=int, default=3000)
    parser.add_argument("--label", default="")
    parser.add_argument("--generate", type=int, default=0, help="incidents to generate first")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = options.database_url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()

    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    from asb_cases.models import Case, Incident
    from community_trigger.models import Application
    from governance import services
    from governance.models import DisposalItem, DisposalRun
    from partners.models import AuditEvent
    from victims.models import Person, PersonDetails

    if options.generate:
        started = time.monotonic()
        generate(options.generate)
        print(f"generated {options.generate:,} incidents in {time.monotonic() - started:.0f} s")
    now = timezone.now() + dt.timedelta(days=365.25 * options.years_ahead)
    sizes = {
        "incidents": Incident.objects.count(),
        "cases": Case.objects.count(),
        "closed cases": Case.objects.filter(status="closed").count(),
        "finished applications": Application.objects.filter(
            stage__in=services.FINISHED_STAGES
        ).count(),
        "person details": PersonDetails.objects.count(),
        "people": Person.objects.count(),
    }
    examined = (
        sizes["closed cases"]
        + sizes["incidents"]
        + sizes["finished applications"]
        + sizes["person details"]
    )

    tracemalloc.start()
    started = time.monotonic()
    # The nightly run's first half (services.retention_run without its disposal step, which
    # is measured on its own below, with a limit).
    run = DisposalRun.objects.create(key=f"bench-{timezone.now():%Y%m%d%H%M%S}", started_at=now)
    pruned = services.prune_operational(now=now)
    audit_due = services.audit_events_due(now=now)
    queued = dict(services.queue_due(run=run, now=now))
    find_seconds = time.monotonic() - started
    _, find_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()

    approved = DisposalItem.objects.filter(status=DisposalItem.Status.PENDING).update(
        status=DisposalItem.Status.APPROVED
    )
    started = time.monotonic()
    counts = services.disposals_run(limit=options.dispose_limit)
    dispose_seconds = time.monotonic() - started
    _, dispose_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    remaining = DisposalItem.objects.filter(status=DisposalItem.Status.APPROVED).count()
    rate = counts["disposed"] / dispose_seconds if dispose_seconds else 0.0
    audited = AuditEvent.objects.filter(action="retention_dispose").count()
    left_with_names = Incident.objects.filter(
        Q(victim__isnull=False) | ~Q(description=services.DISPOSED_TEXT),
        pk__in=DisposalItem.objects.filter(
            record_type="incident", status=DisposalItem.Status.DISPOSED
        ).values("record_id"),
    ).count()

    lines = [
        f"# Retention run on the generated partnership ({timezone.now():%Y-%m-%d})",
        "",
        f"Database: `{connection.settings_dict['NAME']}`; run as if {options.years_ahead} years "
        f"after now ({now:%Y-%m-%d}), so that records of the three generated years are due.",
        f"Command: `.venv/bin/python benchmarks/retention.py --database-url ... "
        f"--years-ahead {options.years_ahead} --dispose-limit {options.dispose_limit}`",
        "",
        "| table | rows |",
        "|---|---|",
        *[f"| {name} | {count:,} |" for name, count in sizes.items()],
        "",
        "## Finding what is due (the nightly run's first half, every record type)",
        "",
        f"- rows examined (closed cases + incidents + finished applications + person records): "
        f"{examined:,}",
        f"- put on the review queues: {sum(queued.values()):,} ({queued})",
        f"- operational rows pruned: {pruned}",
        f"- audit events past their period (reported, not deleted): {audit_due:,}",
        f"- seconds: {find_seconds:.1f}",
        f"- peak Python memory (tracemalloc): {find_peak / 1e6:.1f} MB",
        "",
        "## Disposal (approved items, one transaction each)",
        "",
        f"- approved: {approved:,}; disposed in this run: {counts['disposed']:,} "
        f"(held {counts['held']}, kept {counts['kept']}, skipped {counts['skipped']})",
        f"- seconds: {dispose_seconds:.1f} ({rate:.0f} items a second); "
        f"{remaining:,} approved items left, about {remaining / rate / 60 if rate else 0:.0f} "
        "more minutes at this rate",
        f"- peak Python memory (tracemalloc): {dispose_peak / 1e6:.1f} MB; "
        f"process peak RSS: {rss_mb:.0f} MB",
        f"- disposals audited: {audited:,}; disposed incidents still naming anyone: "
        f"{left_with_names}",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    label = f"-{options.label}" if options.label else ""
    out = ROOT / "benchmarks" / "results" / f"retention-{timezone.now():%Y-%m-%d}{label}.md"
    out.write_text(text)
    print(f"Written to {out}")


def generate(incidents: int, batch: int = 5000) -> None:
    """A plain partnership for the retention run, loaded with bulk inserts (fictitious)."""
    import random

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from asb_cases.models import Case, CaseIncident, CaseNote, CasePerson, Incident, IncidentType
    from partners.models import Membership, Organisation, User
    from victims.models import Person, PersonDetails

    rng = random.Random(1)
    kinds = ["police", "local_authority", "housing_provider", "housing_provider", "pcc_office"]
    organisations = []
    for n in range(10):
        slug = f"bench-org-{n}"
        organisations.append(
            Organisation.objects.create(
                slug=slug,
                name=f"Bench organisation {n}",
                kind=kinds[n % len(kinds)],
                lawful_basis="uk_gdpr_6_1_e",
                group=Group.objects.create(name=f"org:{slug}"),
            )
        )
    officers = []
    for organisation in organisations:
        user = User.objects.create(username=f"officer@{organisation.slug}")
        Membership.objects.create(user=user, organisation=organisation, role="case_officer")
        officers.append(user)
    types = list(IncidentType.objects.all())
    now = timezone.now()
    span = 3 * 365 * 86400
    for start in range(0, incidents, batch):
        size = min(batch, incidents - start)
        people, details, rows = [], [], []
        for i in range(size):
            org = rng.randrange(len(organisations))
            occurred = now - dt.timedelta(seconds=rng.randrange(span))
            victim = None
            if rng.random() < 0.4:
                victim = Person(created_by_organisation=organisations[org])
                people.append((victim, org, start + i))
            rows.append(
                Incident(
                    reported_to=organisations[org],
                    recorded_by=officers[org],
                    occurred_at=occurred,
                    reported_at=occurred + dt.timedelta(hours=1),
                    channel="phone",
                    category="personal",
                    incident_type=rng.choice(types),
                    description=f"Bench incident {start + i}",
                    address=f"{i % 200} Bench Street",
                    postcode="DL1 4QT",
                    lsoa_code="E01012357",
                    victim=victim,
                )
            )
        Person.objects.bulk_create([p for p, _, _ in people])
        for person, org, n in people:
            details.append(
                PersonDetails(
                    person=person,
                    organisation=organisations[org],
                    given_name=f"Bench{n}",
                    family_name="Person",
                    postcode="DL1 4QT",
                )
            )
        PersonDetails.objects.bulk_create(details)
        for incident, (person, _, _) in zip(
            [r for r in rows if r.victim is not None], people, strict=True
        ):
            incident.victim = person
        Incident.objects.bulk_create(rows)
        cases, links, case_people, notes = [], [], [], []
        for n, incident in enumerate(rows[::3]):
            closed = rng.random() < 0.7
            opened = incident.reported_at
            closed_at = opened + dt.timedelta(days=rng.randrange(10, 200)) if closed else None
            if closed_at and closed_at > now:
                closed_at = now
            cases.append(
                Case(
                    reference=f"ASB-B-{start + n:07d}",
                    title=f"Bench case {start + n}",
                    incident_type=incident.incident_type,
                    lead_organisation=incident.reported_to,
                    lead_officer=incident.recorded_by,
                    status="closed" if closed else "open",
                    closure_reason="resolved" if closed else "",
                    opened_at=opened,
                    closed_at=closed_at,
                )
            )
        Case.objects.bulk_create(cases)
        for case, incident in zip(cases, rows[::3], strict=True):
            links.append(CaseIncident(case=case, incident=incident, linked_at=case.opened_at))
            if incident.victim is not None:
                case_people.append(
                    CasePerson(
                        case=case,
                        person=incident.victim,
                        role="victim",
                        organisation=incident.reported_to,
                        added_at=case.opened_at,
                    )
                )
            notes.append(
                CaseNote(
                    case=case,
                    author=incident.recorded_by,
                    organisation=incident.reported_to,
                    body="Bench note",
                    visibility="all_agencies",
                    created_at=case.opened_at,
                )
            )
        CaseIncident.objects.bulk_create(links)
        CasePerson.objects.bulk_create(case_people)
        CaseNote.objects.bulk_create(notes)


if __name__ == "__main__":
    main()
