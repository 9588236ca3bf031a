# ruff: noqa: S608 -- the SQL below is built from our own table names and fixed fragments only;
# every value is a query parameter.
"""Writes of the reporting app: the dashboards' summaries, police.uk imports, and the audit of
dashboard views and exports.

The summaries are rebuilt whole, in one transaction each, by Celery beat (config/celery.py):
readers keep seeing the previous rows until the new ones commit. They are built with a few
INSERT ... SELECT statements over temporary tables rather than the ORM, because the work is
"every incident, for every organisation that can see it": one pass in the database instead of
one query per organisation. Who sees what is never written here: the relations of
access.rules (`case_viewers`, `incident_viewers`) are compiled into the statements, so the
summaries follow the same rule as every page. The SQL is plain enough to run on PostgreSQL and
on the SQLite file `make run` uses by default; only the month expression differs.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from access import rules
from asb_cases.models import Lsoa
from partners.audit import SystemActor, audit_record
from partners.models import AuditEvent, User
from partners.outbox import outbox_enqueue
from reporting import policeuk
from reporting.models import (
    ActionMonth,
    AgeBand,
    CaseCostMonth,
    CaseOwnershipCount,
    HouseholdRank,
    IncidentAgencyMonth,
    IncidentAreaMonth,
    OpenDataImport,
    OpenDataIncident,
    SummaryState,
)

Verb = AuditEvent.Verb
SUMMARY_ACTOR = SystemActor("reporting-summaries")
IMPORT_ACTOR = SystemActor("policeuk-import")
HOUSEHOLD_MONTHS = (3, 6, 12)
HOUSEHOLD_TOP = 50
IMPORT_CHUNK = 2000
# The largest police.uk file accepted: a month of a big force is about 5 MB.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# Audit of reads --------------------------------------------------------------------------------


def dashboard_view_record(*, actor: User, dashboard: str, terms: dict, scope: str) -> None:
    """A dashboard was viewed; with filters it counts as a search, with its terms."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb=Verb.SEARCHED if terms else Verb.VIEWED,
            action=f"dashboard_{dashboard}",
            target_type="reporting.dashboard",
            target_id=dashboard,
            detail={"terms": terms, "scope": scope},
        )


def dashboard_export_record(
    *, actor: User, dashboard: str, table: str, terms: dict, scope: str, rows: int
) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb=Verb.EXPORTED,
            action="dashboard_export",
            target_type="reporting.dashboard",
            target_id=f"{dashboard}/{table}",
            detail={"terms": terms, "scope": scope, "rows": rows},
        )


# Summaries -------------------------------------------------------------------------------------


def _month_sql(column: str) -> str:
    """The first day of the month a timestamp falls in, in the service's time zone."""
    if connection.vendor == "postgresql":
        zone = settings.TIME_ZONE
        if not re.fullmatch(r"[A-Za-z0-9_/+-]+", zone):
            raise ValueError(f"Unexpected time zone name {zone!r}")
        return f"(date_trunc('month', {column} AT TIME ZONE '{zone}'))::date"
    # SQLite (`make run` without a database server) keeps UTC text: months are UTC months.
    return f"date({column}, 'start of month')"


def _relation(queryset) -> tuple[str, list]:
    """A rule's relation as SQL to embed in a statement, with its parameters."""
    sql, params = queryset.query.sql_with_params()
    return f"({sql})", list(params)


def _datetime(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _run(cursor, statements: Iterable[tuple[str, list]]) -> None:
    for sql, params in statements:
        cursor.execute(sql, params)


def _drop(cursor, *tables: str) -> None:
    for table in tables:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _count(cursor, table: str) -> int:
    """The rows of a summary just rebuilt; first gives the planner their statistics.

    Every refresh replaces all the rows, and until autovacuum's ANALYZE comes round (never,
    where it is off) the dashboards were planned for the old rows, or for none: the tools and
    powers page sorted 19,000 rows to aggregate them, estimated at two."""
    cursor.execute(f"ANALYZE {table}")
    cursor.execute(f"SELECT COUNT(*) FROM {table}")
    return cursor.fetchone()[0]


INCIDENTS = "reporting_tmp_incident"
SEEN = "reporting_tmp_seen"
COUNTED = "reporting_tmp_counted"
OPEN_CASES = "reporting_tmp_open_cases"


def _tune(cursor) -> None:
    """Room for the refresh's sorts and hashes to stay in memory (this transaction only)."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL work_mem = '64MB'")


def _build_incident_visibility(cursor) -> None:
    """Temporary tables: the incidents' columns the summaries need, with their month
    (`INCIDENTS`), and (incident, viewing organisation) for every incident reported to an
    organisation or linked to a case it can see (`SEEN`); `COUNTED` leaves out an incident
    recorded as a duplicate of another that the same organisation sees, so one event counts
    once."""
    _drop(cursor, COUNTED, SEEN, INCIDENTS)
    month = _month_sql("occurred_at")
    seen, seen_params = _relation(rules.incident_viewers())
    _run(
        cursor,
        [
            (
                f"""CREATE TEMPORARY TABLE {INCIDENTS} AS
                SELECT id, {month} AS month, incident_type_id, lsoa_code, lsoa_vintage,
                    ward_code, ward_year, local_authority_id, reported_to_id, duplicate_of_id
                FROM asb_cases_incident""",
                [],
            ),
            (
                f"""CREATE TEMPORARY TABLE {SEEN} AS
                SELECT v.incident_id, v.viewer_id FROM {seen} v""",
                seen_params,
            ),
            (f"CREATE INDEX {SEEN}_pair ON {SEEN} (incident_id, viewer_id)", []),
            (f"ANALYZE {SEEN}", []),
            (
                f"""CREATE TEMPORARY TABLE {COUNTED} AS
                SELECT s.incident_id, s.viewer_id
                FROM {SEEN} s JOIN {INCIDENTS} i ON i.id = s.incident_id
                WHERE i.duplicate_of_id IS NULL OR NOT EXISTS (
                    SELECT 1 FROM {SEEN} s2
                    WHERE s2.incident_id = i.duplicate_of_id AND s2.viewer_id = s.viewer_id)""",
                [],
            ),
            (f"ANALYZE {COUNTED}", []),
            (f"ANALYZE {INCIDENTS}", []),
        ],
    )


def _lock(kind: str) -> SummaryState | None:
    """Lock the state row of a kind of summary (inside the refresh's transaction), or None if
    a refresh of it is running. The row is created beforehand by `_state_row`."""
    return SummaryState.objects.select_for_update(skip_locked=True).filter(kind=kind).first()


def _state_row(kind: str) -> None:
    """Make sure the state row exists, outside the refresh's transaction, so two first
    refreshes cannot both try to create it."""
    if not SummaryState.objects.filter(kind=kind).exists():
        try:
            with transaction.atomic():
                SummaryState.objects.get_or_create(kind=kind)
        except IntegrityError:  # created by the other one meanwhile
            pass


@dataclass(frozen=True)
class RefreshResult:
    refreshed: bool
    rows: dict[str, int]
    duration_ms: int


def summaries_refresh(*, now: dt.datetime | None = None) -> RefreshResult:
    """Rebuild the ownership, incident and action summaries for every organisation and for
    the partnership. Runs every 15 minutes (config/celery.py); if a refresh is already
    running, does nothing."""
    now = now or timezone.now()
    started = time.monotonic()
    today = timezone.localtime(now).date()
    cutoffs = [
        _datetime(
            timezone.make_aware(dt.datetime.combine(months_before(today, months), dt.time.min))
        )
        for months in (3, 6, 12)
    ]
    age_band = (
        f"CASE WHEN c.opened_at >= %s THEN '{AgeBand.UNDER_3}' "
        f"WHEN c.opened_at >= %s THEN '{AgeBand.FROM_3}' "
        f"WHEN c.opened_at >= %s THEN '{AgeBand.FROM_6}' ELSE '{AgeBand.OVER_12}' END"
    )
    action_month = _month_sql("a.started_at")
    ownership = CaseOwnershipCount._meta.db_table
    areas = IncidentAreaMonth._meta.db_table
    agencies = IncidentAgencyMonth._meta.db_table
    actions = ActionMonth._meta.db_table
    case_costs = CaseCostMonth._meta.db_table
    _state_row(SummaryState.Kind.CASES)
    with transaction.atomic():
        state = _lock(SummaryState.Kind.CASES)
        if state is None:
            return RefreshResult(False, {}, 0)
        viewers, viewer_params = _relation(rules.case_viewers())
        with connection.cursor() as cursor:
            _tune(cursor)
            for table in (ownership, areas, agencies, actions, case_costs):
                cursor.execute(f"DELETE FROM {table}")
            _drop(cursor, OPEN_CASES)
            _run(
                cursor,
                [
                    # Open cases and who can see them.
                    (
                        f"""CREATE TEMPORARY TABLE {OPEN_CASES} AS
                        SELECT v.case_id, v.viewer_id
                        FROM {viewers} v JOIN asb_cases_case c ON c.id = v.case_id
                        WHERE c.status <> 'closed'""",
                        viewer_params,
                    ),
                    (
                        f"""INSERT INTO {ownership} (viewer_id, lead_organisation_id,
                            lead_officer_id, status, age_band, cases, unowned)
                        SELECT v.viewer_id, c.lead_organisation_id,
                            CASE WHEN c.lead_organisation_id = v.viewer_id
                                THEN c.lead_officer_id END,
                            c.status, {age_band}, COUNT(*),
                            SUM(CASE WHEN c.lead_officer_id IS NULL THEN 1 ELSE 0 END)
                        FROM {OPEN_CASES} v JOIN asb_cases_case c ON c.id = v.case_id
                        GROUP BY 1, 2, 3, 4, 5""",
                        cutoffs,
                    ),
                    (
                        f"""INSERT INTO {ownership} (viewer_id, lead_organisation_id,
                            lead_officer_id, status, age_band, cases, unowned)
                        SELECT NULL, c.lead_organisation_id, NULL, c.status, {age_band},
                            COUNT(*),
                            SUM(CASE WHEN c.lead_officer_id IS NULL THEN 1 ELSE 0 END)
                        FROM asb_cases_case c WHERE c.status <> 'closed'
                        GROUP BY 2, 4, 5""",
                        cutoffs,
                    ),
                ],
            )
            _build_incident_visibility(cursor)
            area_columns = (
                "i.incident_type_id, i.lsoa_code, i.lsoa_vintage, i.ward_code, i.ward_year, "
                "i.local_authority_id"
            )
            _run(
                cursor,
                [
                    (
                        f"""INSERT INTO {areas} (viewer_id, month, incident_type_id, lsoa_code,
                            lsoa_vintage, ward_code, ward_year, local_authority_id, incidents)
                        SELECT c.viewer_id, i.month, {area_columns}, COUNT(*)
                        FROM {COUNTED} c JOIN {INCIDENTS} i ON i.id = c.incident_id
                        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8""",
                        [],
                    ),
                    (
                        f"""INSERT INTO {areas} (viewer_id, month, incident_type_id, lsoa_code,
                            lsoa_vintage, ward_code, ward_year, local_authority_id, incidents)
                        SELECT NULL, i.month, {area_columns}, COUNT(*)
                        FROM {INCIDENTS} i WHERE i.duplicate_of_id IS NULL
                        GROUP BY 2, 3, 4, 5, 6, 7, 8""",
                        [],
                    ),
                    # All types together: what the hotspot map shows unless a type is chosen.
                    (
                        f"""INSERT INTO {areas} (viewer_id, month, incident_type_id, lsoa_code,
                            lsoa_vintage, ward_code, ward_year, local_authority_id, incidents)
                        SELECT viewer_id, month, NULL, lsoa_code, lsoa_vintage, ward_code,
                            ward_year, local_authority_id, SUM(incidents)
                        FROM {areas}
                        GROUP BY viewer_id, month, lsoa_code, lsoa_vintage, ward_code,
                            ward_year, local_authority_id""",
                        [],
                    ),
                    (
                        f"""INSERT INTO {agencies} (viewer_id, month, reported_to_id,
                            incident_type_id, incidents)
                        SELECT c.viewer_id, i.month, i.reported_to_id, i.incident_type_id,
                            COUNT(*)
                        FROM {COUNTED} c JOIN {INCIDENTS} i ON i.id = c.incident_id
                        GROUP BY 1, 2, 3, 4""",
                        [],
                    ),
                    (
                        f"""INSERT INTO {agencies} (viewer_id, month, reported_to_id,
                            incident_type_id, incidents)
                        SELECT NULL, i.month, i.reported_to_id, i.incident_type_id, COUNT(*)
                        FROM {INCIDENTS} i WHERE i.duplicate_of_id IS NULL
                        GROUP BY 2, 3, 4""",
                        [],
                    ),
                    (
                        f"""INSERT INTO {actions} (viewer_id, month, action_type_id,
                            organisation_id, local_authority_id, actions, cost_pounds)
                        SELECT v.viewer_id, {action_month}, a.action_type_id, a.organisation_id,
                            c.local_authority_id, COUNT(*), SUM(a.cost_pounds)
                        FROM asb_cases_caseaction a
                        JOIN asb_cases_case c ON c.id = a.case_id
                        JOIN {viewers} v ON v.case_id = a.case_id
                        GROUP BY 1, 2, 3, 4, 5""",
                        viewer_params,
                    ),
                    (
                        f"""INSERT INTO {actions} (viewer_id, month, action_type_id,
                            organisation_id, local_authority_id, actions, cost_pounds)
                        SELECT NULL, {action_month}, a.action_type_id, a.organisation_id,
                            c.local_authority_id, COUNT(*), SUM(a.cost_pounds)
                        FROM asb_cases_caseaction a JOIN asb_cases_case c ON c.id = a.case_id
                        GROUP BY 2, 3, 4, 5""",
                        [],
                    ),
                    (
                        f"""INSERT INTO {case_costs} (viewer_id, month, case_id, actions,
                            cost_pounds)
                        SELECT v.viewer_id, {action_month}, a.case_id, COUNT(*),
                            SUM(a.cost_pounds)
                        FROM asb_cases_caseaction a
                        JOIN {viewers} v ON v.case_id = a.case_id
                        WHERE a.cost_pounds > 0
                        GROUP BY 1, 2, 3""",
                        viewer_params,
                    ),
                    (
                        f"""INSERT INTO {case_costs} (viewer_id, month, case_id, actions,
                            cost_pounds)
                        SELECT NULL, {action_month}, a.case_id, COUNT(*), SUM(a.cost_pounds)
                        FROM asb_cases_caseaction a WHERE a.cost_pounds > 0
                        GROUP BY 2, 3""",
                        [],
                    ),
                ],
            )
            rows = {
                "ownership": _count(cursor, ownership),
                "areas": _count(cursor, areas),
                "agencies": _count(cursor, agencies),
                "actions": _count(cursor, actions),
                "case_costs": _count(cursor, case_costs),
            }
            _drop(cursor, COUNTED, SEEN, INCIDENTS, OPEN_CASES)
        duration = int((time.monotonic() - started) * 1000)
        SummaryState.objects.filter(pk=state.pk).update(
            refreshed_at=now, duration_ms=duration, rows=rows
        )
    return RefreshResult(True, rows, duration)


PERSON_PAIRS = "reporting_tmp_person_incident"
IN_WINDOW = "reporting_tmp_in_window"


def households_refresh(*, now: dt.datetime | None = None) -> RefreshResult:
    """Rebuild the High Impact Households lists: for each viewer (each organisation, and the
    partnership) and each window (3, 6 and 12 months to now), the addresses and the people
    with most incidents. Nightly (config/celery.py)."""
    now = now or timezone.now()
    started = time.monotonic()
    table = HouseholdRank._meta.db_table
    today = timezone.localtime(now).date()
    _state_row(SummaryState.Kind.HOUSEHOLDS)
    with transaction.atomic():
        state = _lock(SummaryState.Kind.HOUSEHOLDS)
        if state is None:
            return RefreshResult(False, {}, 0)
        with connection.cursor() as cursor:
            _tune(cursor)
            cursor.execute(f"DELETE FROM {table}")
            _build_incident_visibility(cursor)
            for months in HOUSEHOLD_MONTHS:
                since = _datetime(
                    timezone.make_aware(
                        dt.datetime.combine(months_before(today, months), dt.time.min)
                    )
                )
                _households_for_window(cursor, table, months, since)
            rows = {"households": _count(cursor, table)}
            _drop(cursor, COUNTED, SEEN, INCIDENTS, IN_WINDOW, PERSON_PAIRS)
        duration = int((time.monotonic() - started) * 1000)
        SummaryState.objects.filter(pk=state.pk).update(
            refreshed_at=now, duration_ms=duration, rows=rows
        )
    return RefreshResult(True, rows, duration)


def _households_for_window(cursor, table: str, months: int, since) -> None:
    _drop(cursor, IN_WINDOW, PERSON_PAIRS)
    viewers, viewer_params = _relation(rules.case_viewers())
    address_key = (
        "COALESCE(NULLIF(i.uprn, ''), UPPER(REPLACE(i.postcode, ' ', '')) || '|' || "
        "LOWER(TRIM(i.address)))"
    )
    columns = (
        "viewer_id, months, kind, rank, person_id, address, postcode, uprn, "
        "local_authority_id, incidents, as_victim, as_perpetrator, agencies, first_at, last_at"
    )
    _run(
        cursor,
        [
            # The incidents of the window and who sees them (NULL: the partnership).
            (
                f"""CREATE TEMPORARY TABLE {IN_WINDOW} AS
                SELECT c.viewer_id, i.id AS incident_id
                FROM {COUNTED} c JOIN asb_cases_incident i ON i.id = c.incident_id
                WHERE i.occurred_at >= %s
                UNION ALL
                SELECT NULL, i.id FROM asb_cases_incident i
                WHERE i.occurred_at >= %s AND i.duplicate_of_id IS NULL""",
                [since, since],
            ),
            (
                f"""INSERT INTO {table} ({columns})
                SELECT viewer_id, %s, 'address', rnk, NULL, address, postcode, uprn,
                    local_authority_id, incidents, 0, 0, agencies, first_at, last_at
                FROM (
                    SELECT g.*, ROW_NUMBER() OVER (
                        PARTITION BY viewer_id
                        ORDER BY incidents DESC, last_at DESC, address_key) AS rnk
                    FROM (
                        SELECT w.viewer_id, {address_key} AS address_key,
                            MAX(i.address) AS address, MAX(i.postcode) AS postcode,
                            MAX(i.uprn) AS uprn, MAX(i.local_authority_id) AS local_authority_id,
                            COUNT(*) AS incidents, COUNT(DISTINCT i.reported_to_id) AS agencies,
                            MIN(i.occurred_at) AS first_at, MAX(i.occurred_at) AS last_at
                        FROM {IN_WINDOW} w JOIN asb_cases_incident i ON i.id = w.incident_id
                        WHERE i.address <> '' OR i.uprn <> ''
                        GROUP BY 1, 2
                    ) g
                ) ranked
                WHERE rnk <= %s""",
                [months, HOUSEHOLD_TOP],
            ),
            # People: the victim or reporter of each incident, and the alleged perpetrators
            # named on cases the incident is linked to (cases the viewer can see). Merged
            # records count as the person they were merged into.
            (
                f"""CREATE TEMPORARY TABLE {PERSON_PAIRS} AS
                SELECT w.viewer_id, COALESCE(p.merged_into_id, p.id) AS person_id,
                    w.incident_id, 1 AS as_victim, 0 AS as_perpetrator
                FROM {IN_WINDOW} w JOIN asb_cases_incident i ON i.id = w.incident_id
                JOIN victims_person p ON p.id = i.victim_id
                UNION ALL
                SELECT w.viewer_id, COALESCE(p.merged_into_id, p.id), w.incident_id, 1, 0
                FROM {IN_WINDOW} w JOIN asb_cases_incident i ON i.id = w.incident_id
                JOIN victims_person p ON p.id = i.reporter_id
                WHERE i.victim_id IS NULL OR i.victim_id <> i.reporter_id
                UNION ALL
                SELECT w.viewer_id, COALESCE(p.merged_into_id, p.id), w.incident_id, 0, 1
                FROM {IN_WINDOW} w
                JOIN asb_cases_caseincident ci ON ci.incident_id = w.incident_id
                JOIN asb_cases_caseperson cp ON cp.case_id = ci.case_id
                    AND cp.role = 'perpetrator'
                JOIN victims_person p ON p.id = cp.person_id
                WHERE w.viewer_id IS NULL OR EXISTS (
                    SELECT 1 FROM {viewers} v
                    WHERE v.case_id = ci.case_id AND v.viewer_id = w.viewer_id)""",
                viewer_params,
            ),
            (
                f"""INSERT INTO {table} ({columns})
                SELECT viewer_id, %s, 'person', rnk, person_id, '', '', '', NULL, incidents,
                    as_victim, as_perpetrator, agencies, first_at, last_at
                FROM (
                    SELECT g.*, ROW_NUMBER() OVER (
                        PARTITION BY viewer_id
                        ORDER BY incidents DESC, last_at DESC, person_id) AS rnk
                    FROM (
                        SELECT pp.viewer_id, pp.person_id,
                            COUNT(DISTINCT pp.incident_id) AS incidents,
                            COUNT(DISTINCT CASE WHEN pp.as_victim = 1
                                THEN pp.incident_id END) AS as_victim,
                            COUNT(DISTINCT CASE WHEN pp.as_perpetrator = 1
                                THEN pp.incident_id END) AS as_perpetrator,
                            COUNT(DISTINCT i.reported_to_id) AS agencies,
                            MIN(i.occurred_at) AS first_at, MAX(i.occurred_at) AS last_at
                        FROM {PERSON_PAIRS} pp
                        JOIN asb_cases_incident i ON i.id = pp.incident_id
                        GROUP BY 1, 2
                    ) g
                ) ranked
                WHERE rnk <= %s""",
                [months, HOUSEHOLD_TOP],
            ),
        ],
    )


def summary_state(kind: str) -> SummaryState | None:
    return SummaryState.objects.filter(kind=kind).first()


# police.uk open data -------------------------------------------------------------------------


def _lsoas() -> policeuk.Lsoas:
    found: policeuk.Lsoas = {}
    for code, vintage, ward_code, ward_year, la_id, la_code in Lsoa.objects.values_list(
        "code", "vintage", "ward__code", "ward__year", "local_authority_id", "local_authority__code"
    ):
        found.setdefault(code, {})[vintage] = policeuk.AreaOf(
            ward_code=ward_code or "",
            ward_year=ward_year,
            local_authority_id=la_id,
            local_authority_code=la_code,
        )
    return found


def policeuk_upload(*, actor: User, file_name: str, content: bytes) -> OpenDataImport:
    """Keep an uploaded police.uk file and queue it for loading (through the outbox, so the
    work survives a broker that is away). The file's header has been checked by the form."""
    if not actor.has_perm("reporting.import_open_data"):
        raise PermissionError("Only analysts can import open data")
    with transaction.atomic():
        record = OpenDataImport.objects.create(
            source=OpenDataImport.Source.UPLOAD,
            file_name=file_name[:200],
            content=content,
            rows_total=policeuk.data_rows(content),
            uploaded_by=actor,
        )
        audit_record(
            actor=actor,
            verb=Verb.CREATED,
            action="policeuk_upload",
            target=record,
            detail={"file": record.file_name, "bytes": len(content), "rows": record.rows_total},
        )
        outbox_enqueue(task_name="reporting.policeuk_import", kwargs={"import_id": record.pk})
    return record


def policeuk_import_stored(*, import_id: int) -> OpenDataImport | None:
    """Load an uploaded file (the Celery task). Idempotent: a finished import is left alone,
    and loading the same rows again finds their keys already there."""
    with transaction.atomic():
        record = (
            OpenDataImport.objects.select_for_update(skip_locked=True).filter(pk=import_id).first()
        )
        if record is None or record.status == OpenDataImport.Status.DONE:
            return record
        content = bytes(record.content)
        OpenDataImport.objects.filter(pk=record.pk).update(
            status=OpenDataImport.Status.RUNNING, started_at=timezone.now()
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _import_failed(record, "The file is not UTF-8 text")
    return policeuk_import_run(record=record, lines=text.splitlines(keepends=True))


def policeuk_import_file(*, path, actor: User | None = None) -> OpenDataImport:
    """Load one police.uk file from disk (`manage.py import_policeuk`, the demo data)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        content = handle.read()
    record = OpenDataImport.objects.create(
        source=OpenDataImport.Source.COMMAND,
        file_name=str(getattr(path, "name", path)).rsplit("/", 1)[-1][:200],
        rows_total=policeuk.data_rows(content.encode()),
        uploaded_by=actor,
        status=OpenDataImport.Status.RUNNING,
        started_at=timezone.now(),
    )
    return policeuk_import_run(record=record, lines=content.splitlines(keepends=True))


def _import_failed(record: OpenDataImport, error: str) -> OpenDataImport:
    with transaction.atomic():
        OpenDataImport.objects.filter(pk=record.pk).update(
            status=OpenDataImport.Status.FAILED,
            error=error,
            finished_at=timezone.now(),
            content=b"",
        )
        audit_record(
            actor=record.uploaded_by or IMPORT_ACTOR,
            verb=Verb.CHANGED,
            action="policeuk_import_failed",
            target=record,
            detail={"error": error},
        )
    record.refresh_from_db()
    return record


def policeuk_import_run(*, record: OpenDataImport, lines: Iterable[str]) -> OpenDataImport:
    """Load the ASB rows of a police.uk file that fall in the partnership's area, in chunks
    (each its own transaction, so progress shows and a failure keeps what was loaded), and
    record what was loaded, already there, or skipped and why."""
    lsoas = _lsoas()
    reasons: Counter[str] = Counter()
    months: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    state = {"done": 0, "loaded": 0, "already": 0}
    chunk: list[policeuk.Row] = []

    def flush() -> None:
        keys = {row.key for row in chunk}
        with transaction.atomic():
            existing = set(
                OpenDataIncident.objects.filter(key__in=keys).values_list("key", flat=True)
            )
            new = [row for row in chunk if row.key not in existing]
            OpenDataIncident.objects.bulk_create(
                [
                    OpenDataIncident(
                        key=row.key,
                        month=row.month,
                        crime_type=row.crime_type,
                        reported_by=row.reported_by,
                        falls_within=row.falls_within,
                        location=row.location,
                        longitude=row.longitude,
                        latitude=row.latitude,
                        lsoa_code=row.lsoa_code,
                        lsoa_vintage=row.lsoa_vintage,
                        ward_code=row.area.ward_code,
                        ward_year=row.area.ward_year,
                        local_authority_id=row.area.local_authority_id,
                        loaded_by=record,
                    )
                    for row in new
                ],
                ignore_conflicts=True,
            )
            for row in new:
                months[f"{row.month:%Y-%m}"] += 1
                areas[row.area.local_authority_code] += 1
            state["loaded"] += len(new)
            state["already"] += len(chunk) - len(new)
            OpenDataImport.objects.filter(pk=record.pk).update(
                rows_done=state["done"],
                loaded=state["loaded"],
                already_loaded=state["already"],
                skipped=sum(reasons.values()),
            )
        chunk.clear()

    try:
        for item in policeuk.read(lines, lsoas):
            state["done"] += 1
            if isinstance(item, policeuk.Row):
                chunk.append(item)
            else:
                reasons[item.value] += 1
            if len(chunk) >= IMPORT_CHUNK or (state["done"] % IMPORT_CHUNK == 0):
                flush()
        flush()
    except policeuk.NotPoliceUkFile as exc:
        return _import_failed(record, str(exc))
    except Exception as exc:  # a broken file must end as a failed import, not a stuck one
        _import_failed(record, f"The file could not be read: {type(exc).__name__}")
        raise
    summary: dict[str, Any] = {
        "rows": state["done"],
        "loaded": state["loaded"],
        "already_loaded": state["already"],
        "skipped": dict(reasons),
    }
    with transaction.atomic():
        OpenDataImport.objects.filter(pk=record.pk).update(
            status=OpenDataImport.Status.DONE,
            rows_total=state["done"],
            rows_done=state["done"],
            loaded=state["loaded"],
            already_loaded=state["already"],
            skipped=sum(reasons.values()),
            skipped_reasons=dict(reasons),
            months=dict(sorted(months.items())),
            areas=dict(sorted(areas.items())),
            finished_at=timezone.now(),
            content=b"",
        )
        audit_record(
            actor=record.uploaded_by or IMPORT_ACTOR,
            verb=Verb.CREATED,
            action="policeuk_import",
            target=record,
            detail={"file": record.file_name, **summary},
        )
    record.refresh_from_db()
    return record
