"""Whose rows of the summaries a viewer reads (`summary_rows`), over which months (`Period`),
what every dashboard returns (`Dashboard`), and the helpers the dashboards share.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from access.viewer import Viewer
from asb_cases.models import CaseStatus
from partners.models import Organisation
from partners.paging import Page
from reporting import maps
from reporting.models import SummaryState
from reporting.services import months_before
from reporting.tables import Link, Table

# Lists to act on show this many rows on the page; the CSV has up to EXPORT_LIMIT.
PAGE_ROWS = 50
EXPORT_LIMIT = 10_000
OPEN_STATUSES = [
    CaseStatus.OPEN,
    CaseStatus.INVESTIGATING,
    CaseStatus.ACTION,
    CaseStatus.MONITORING,
]


# Who is asking -------------------------------------------------------------------------------
# The viewer (access.viewer): an organisation's member sees its own view of the summaries; the
# ASB Champion and analysts (`viewer.partnership`) see the partnership's rows; only those who
# see people (`viewer.sees_people`) see people; a supervisor (`viewer.is_supervisor`) sees their
# organisation's officers.


def summary_rows(viewer: Viewer) -> Q:
    """Whose rows of the summaries the viewer reads: the partnership's, or their organisation's
    (the summaries are built from access.rules, so those rows hold what it may see)."""
    if viewer.partnership:
        return Q(viewer__isnull=True)
    return Q(viewer_id=viewer.organisation_id)


def scope_label(viewer: Viewer) -> str:
    if viewer.partnership:
        return "the whole partnership"
    return f"{viewer.organisation.name}: its own cases and those shared with it"


def scope_key(viewer: Viewer) -> str:
    return "partnership" if viewer.partnership else f"organisation:{viewer.organisation.slug}"


# Periods --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole calendar months: `months` months from `start` (the first of a month)."""

    start: dt.date
    months: int

    @classmethod
    def ending(cls, last_month: dt.date, months: int) -> Period:
        first = last_month.replace(day=1)
        return cls(months_before(first, months - 1), months)

    @classmethod
    def between(cls, first: dt.date, last: dt.date) -> Period:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        return cls(first.replace(day=1), months)

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return months_before(self.start, -self.months)

    @property
    def last_month(self) -> dt.date:
        return months_before(self.start, -(self.months - 1))

    @property
    def previous(self) -> Period:
        return Period(months_before(self.start, self.months), self.months)

    @property
    def label(self) -> str:
        if self.months == 1:
            return f"{self.start:%B %Y}"
        return f"{self.start:%B %Y} to {self.last_month:%B %Y}"

    @property
    def month_list(self) -> list[dt.date]:
        return [months_before(self.start, -offset) for offset in range(self.months)]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes in the service's time zone, end exclusive."""
        return (
            timezone.make_aware(dt.datetime.combine(self.start, dt.time.min)),
            timezone.make_aware(dt.datetime.combine(self.end, dt.time.min)),
        )


def default_period(months: int = 12, today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period.ending(today, months)


# What every dashboard returns -----------------------------------------------------------------


@dataclass
class Dashboard:
    viewer: Viewer
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, SafeString | None] = field(default_factory=dict)
    maps: dict[str, maps.Map] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    as_of: dt.datetime | None = None
    period: Period | None = None
    page: Page | None = None

    def add(self, table: Table) -> Table:
        self.tables[table.key] = table
        return table


def _as_of(kind: str = SummaryState.Kind.CASES) -> dt.datetime | None:
    return SummaryState.objects.filter(kind=kind).values_list("refreshed_at", flat=True).first()


def _organisation_names() -> dict[Any, str]:
    return dict(Organisation.objects.values_list("id", "name"))


def _days_since(moment: dt.datetime | dt.date | None, today: dt.date) -> int | None:
    if moment is None:
        return None
    day = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    return (today - day).days


_PLACEHOLDER = str(uuid.UUID(int=0))


@functools.lru_cache(maxsize=32)
def _url_template(name: str, prefix: str, urlconf: str) -> str:
    return reverse(name, urlconf=urlconf, args=[_PLACEHOLDER])


def uuid_url(name: str, value) -> str:
    """`reverse(name, args=[value])` for a URL whose one argument is a UUID. The pattern is
    resolved once (per script prefix and URLconf) and the UUID put in its place: a dashboard
    links up to 200 rows, and resolving each cost more than the query behind the table."""
    template = _url_template(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return template.replace(_PLACEHOLDER, str(uuid.UUID(str(value))))


def _case_link(reference: str, case_uuid) -> Link:
    return Link(reference, uuid_url("asb_cases:case_detail", case_uuid))


def _limit(for_export: bool) -> int:
    return EXPORT_LIMIT if for_export else PAGE_ROWS
