"""Repeat and vulnerable status, computed from incidents reported to every agency.

Counts follow the partnership's `StatusDefinition`: an incident counts once even when several
agencies recorded it (`duplicate_of`), windows run from the same calendar day N months ago in
local (UK) time, and a person merged into another counts as that person. The computation reads
every agency's records as the system actor (access.rules with access.viewer.SYSTEM); what it
stores is what the signpost may show, so its reasons name no special-category detail (which
vulnerability, recorded by whom): each organisation reads that from its own record.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from access import rules
from access.viewer import SYSTEM
from victims.models import (
    Person,
    PersonDetails,
    PersonStatus,
    RiskBand,
    StatusDefinition,
)

BAND_ORDER = {RiskBand.STANDARD: 0, RiskBand.MEDIUM: 1, RiskBand.HIGH: 2}
CHUNK = 1000


def current_definition(today: dt.date | None = None) -> StatusDefinition:
    today = today or timezone.localdate()
    definition = StatusDefinition.objects.filter(effective_from__lte=today).first()
    return definition or StatusDefinition(
        effective_from=today, vulnerable_risk_bands=[RiskBand.MEDIUM, RiskBand.HIGH]
    )


def window_start(months: int, now: dt.datetime) -> dt.datetime:
    """Midnight, UK time, on the same calendar day `months` ago."""
    local_day = timezone.localtime(now).date() - relativedelta(months=months)
    return timezone.make_aware(dt.datetime.combine(local_day, dt.time.min))


def _day(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%-d %B %Y}"


@dataclass
class _Incident:
    key: int  # the incident, or the one it duplicates
    organisation_id: object
    occurred_at: dt.datetime


def _groups(canonical_ids: list[int]) -> dict[int, list[int]]:
    """Each canonical person with the records merged into them."""
    groups = {pk: [pk] for pk in canonical_ids}
    for pk, survivor in Person.objects.filter(merged_into_id__in=canonical_ids).values_list(
        "pk", "merged_into_id"
    ):
        groups[survivor].append(pk)
    return groups


def compute_statuses(
    canonical_ids: list[int], *, now: dt.datetime | None = None
) -> list[PersonStatus]:
    """Statuses for people who are not merged into anyone (unsaved rows)."""
    now = now or timezone.now()
    definition = current_definition(timezone.localtime(now).date())
    repeat_from = window_start(definition.repeat_window_months, now)
    second_from = window_start(definition.second_report_window_months, now)
    earliest = min(repeat_from, second_from)
    groups = _groups(canonical_ids)
    member_of = {member: pk for pk, members in groups.items() for member in members}

    incidents: dict[int, dict[int, _Incident]] = defaultdict(dict)
    agencies_seen: dict[int, set] = defaultdict(set)
    rows = (
        rules.incidents(SYSTEM)
        .filter(victim_id__in=member_of, occurred_at__gte=earliest)
        .filter(occurred_at__lte=now)
        .annotate(key=Coalesce("duplicate_of_id", "id"))
        .values_list("victim_id", "key", "reported_to_id", "occurred_at")
    )
    for victim_id, key, organisation_id, occurred_at in rows:
        seen = incidents[member_of[victim_id]]
        if occurred_at >= repeat_from:
            agencies_seen[member_of[victim_id]].add(organisation_id)
        # The same event recorded by several agencies counts once, at its earliest record.
        if key not in seen or occurred_at < seen[key].occurred_at:
            seen[key] = _Incident(key, organisation_id, occurred_at)

    bands = _current_bands(groups, member_of)
    with_factors = {
        member_of[person_id]
        for person_id in PersonDetails.objects.filter(
            person_id__in=member_of, vulnerability_factors__isnull=False
        ).values_list("person_id", flat=True)
    }

    statuses = []
    for pk in canonical_ids:
        found = sorted(incidents.get(pk, {}).values(), key=lambda i: i.occurred_at)
        in_repeat = [i for i in found if i.occurred_at >= repeat_from]
        in_second = [i for i in found if i.occurred_at >= second_from]
        agencies = agencies_seen.get(pk, set())
        status = PersonStatus(
            person_id=pk,
            computed_at=now,
            incidents_in_window=len(in_repeat),
            agencies_in_window=len(agencies),
        )
        if len(in_repeat) >= definition.repeat_incident_count:
            status.is_repeat = True
            agency_word = "agency" if len(agencies) == 1 else "agencies"
            status.repeat_reason = (
                f"{len(in_repeat)} incidents to {len(agencies)} {agency_word} "
                f"since {_day(in_repeat[0].occurred_at)}"
            )
        if len(in_second) >= 2:
            status.second_report = True
            status.second_report_reason = (
                f"{len(in_second)} reports in {definition.second_report_window_months} months, "
                f"since {_day(in_second[0].occurred_at)}: explain the ASB Case Review"
            )
        band, band_reason = bands.get(pk, ("", ""))
        status.risk_band = band
        reasons = []
        if band and band in definition.vulnerable_risk_bands:
            reasons.append(band_reason)
        if pk in with_factors:
            reasons.append("Vulnerability recorded by an agency")
        status.is_vulnerable = bool(reasons)
        status.vulnerable_reason = "; ".join(reasons)[:300]
        statuses.append(status)
    return statuses


def _current_bands(
    groups: dict[int, list[int]], member_of: dict[int, int]
) -> dict[int, tuple[str, str]]:
    """The latest risk assessment's band (any agency), else the highest band of the open cases
    the person is a victim on."""
    bands: dict[int, tuple[str, str]] = {}
    latest = (
        rules.risk_assessments(SYSTEM)
        .filter(person_id__in=member_of)
        .order_by("person_id", "-assessed_at")
        .values_list("person_id", "band", "assessed_at")
    )
    newest: dict[int, tuple[dt.datetime, str]] = {}
    for person_id, band, assessed_at in latest:
        pk = member_of[person_id]
        if pk not in newest or assessed_at > newest[pk][0]:
            newest[pk] = (assessed_at, band)
    for pk, (assessed_at, band) in newest.items():
        bands[pk] = (band, f"{RiskBand(band).label} risk (assessed {_day(assessed_at)})")
    open_cases = (
        rules.case_people(SYSTEM)
        .filter(
            person_id__in=[m for pk, members in groups.items() if pk not in bands for m in members],
            role="victim",
        )
        .exclude(case__status="closed")
    )
    for person_id, band in open_cases.values_list("person_id", "case__risk_band"):
        pk = member_of[person_id]
        if pk in newest:
            continue
        if pk not in bands or BAND_ORDER[band] > BAND_ORDER[bands[pk][0]]:
            bands[pk] = (band, f"{RiskBand(band).label} risk on an open case")
    return bands


def person_statuses_refresh(person_ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Recompute and store the statuses of these people (resolving merges). Idempotent."""
    ids = set(person_ids)
    canonical = set(
        Person.objects.filter(pk__in=ids, merged_into__isnull=True).values_list("pk", flat=True)
    ) | set(
        Person.objects.filter(pk__in=ids, merged_into__isnull=False).values_list(
            "merged_into_id", flat=True
        )
    )
    ordered = sorted(canonical)
    written = 0
    for start in range(0, len(ordered), CHUNK):
        statuses = compute_statuses(ordered[start : start + CHUNK], now=now)
        PersonStatus.objects.bulk_create(
            statuses,
            update_conflicts=True,
            unique_fields=["person"],
            update_fields=[
                "is_repeat",
                "repeat_reason",
                "second_report",
                "second_report_reason",
                "is_vulnerable",
                "vulnerable_reason",
                "risk_band",
                "incidents_in_window",
                "agencies_in_window",
                "computed_at",
            ],
        )
        written += len(statuses)
    # A merged record keeps no status of its own.
    PersonStatus.objects.filter(person__in=ids, person__merged_into__isnull=False).delete()
    return written


def people_needing_refresh(*, now: dt.datetime | None = None) -> Iterable[int]:
    """Everyone whose status could change tonight: victims of incidents in the longest window,
    and everyone currently flagged (so flags expire as windows move on)."""
    now = now or timezone.now()
    definition = current_definition(timezone.localtime(now).date())
    since = window_start(
        max(definition.repeat_window_months, definition.second_report_window_months), now
    )
    victims = (
        rules.incidents(SYSTEM)
        .filter(occurred_at__gte=since, victim_id__isnull=False)
        .values_list("victim_id", flat=True)
    )
    flagged = PersonStatus.objects.filter(
        Q(is_repeat=True) | Q(second_report=True) | Q(is_vulnerable=True)
    ).values_list("person_id", flat=True)
    return set(victims.distinct()) | set(flagged)
