"""Dashboard pages, their CSV exports, and the police.uk upload. Thin: parse the filters, call a
user-scoped selector, record the audit event, render.

Every table on a page can be downloaded as CSV from the same selector with the same filters, so
an export holds exactly what the page does; exports are audited with their filters and size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access.viewer import Viewer
from reporting import selectors, services
from reporting.forms import (
    CostsForm,
    HotspotForm,
    HouseholdsForm,
    OpenDataUploadForm,
    PeriodForm,
    TrendsForm,
)
from reporting.selectors import Dashboard, default_period, scope_key, scope_label
from reporting.tables import write_csv

Built = tuple[object | None, Dashboard | None]  # (the filter form, the dashboard or None)


def _ownership(request: HttpRequest, viewer: Viewer, for_export: bool = False) -> Built:
    return None, selectors.ownership_dashboard(viewer=viewer, for_export=for_export)


def _victims(request: HttpRequest, viewer: Viewer, for_export: bool = False) -> Built:
    return None, selectors.victims_dashboard(
        viewer=viewer, params=request.GET, for_export=for_export
    )


def _case_reviews(request: HttpRequest, viewer: Viewer, for_export: bool = False) -> Built:
    return None, selectors.case_review_dashboard(viewer=viewer, for_export=for_export)


def _hotspots(request: HttpRequest, viewer: Viewer, for_export: bool = False) -> Built:
    form = HotspotForm.from_query(request.GET)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, selectors.hotspots_dashboard(viewer=viewer, filters=form.filters())


def _households(request: HttpRequest, viewer: Viewer, for_export: bool = False) -> Built:
    form = HouseholdsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, selectors.households_dashboard(
        viewer=viewer, months=form.chosen(), for_export=for_export
    )


def _costs(request: HttpRequest, viewer: Viewer, for_export: bool = False) -> Built:
    form = CostsForm.from_query(request.GET)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, selectors.costs_dashboard(
        viewer=viewer, period=form.period(), for_export=for_export
    )


def _trends(request: HttpRequest, viewer: Viewer, for_export: bool = False) -> Built:
    form = TrendsForm.from_query(request.GET)
    if form.is_bound and not form.is_valid():
        return form, None
    incident_type = form.cleaned_data.get("type") if form.is_bound else None
    return form, selectors.trends_dashboard(
        viewer=viewer, period=form.period(), incident_type=incident_type
    )


@dataclass(frozen=True)
class Board:
    name: str
    title: str
    summary: str
    build: Callable[..., Built]
    # "people": only for viewers who see people (never analysts).
    also_needs: str = ""

    @property
    def template(self) -> str:
        return f"reporting/{self.name.replace('-', '_')}.html"

    @property
    def url(self) -> str:
        return reverse(f"reporting:{self.name.replace('-', '_')}")

    def allowed(self, viewer: Viewer) -> bool:
        if self.also_needs == "people":
            return viewer.may("reporting.view_dashboards") and viewer.sees_people
        return viewer.may("reporting.view_dashboards")


BOARDS = {
    board.name: board
    for board in [
        Board(
            "ownership",
            "Ownership and case drift",
            "Open cases by lead organisation, officer, status and age; unowned cases, "
            "transfers waiting, overdue tasks and risk reviews.",
            _ownership,
        ),
        Board(
            "victims",
            "Repeat and vulnerable victims",
            "Victims flagged repeat or vulnerable on open cases, their risk and whether "
            "contact standards are met.",
            _victims,
        ),
        Board(
            "case-reviews",
            "ASB Case Reviews",
            "Applications by stage, decisions and steps against their deadlines, meetings and "
            "recommendations by agency.",
            _case_reviews,
        ),
        Board(
            "hotspots",
            "Hotspots: High Impact Localities",
            "Incidents by neighbourhood (LSOA) and ward, ranked and mapped, against the previous "
            "period, with police.uk open data beside them.",
            _hotspots,
        ),
        Board(
            "households",
            "High Impact Households",
            "The addresses and people with most incidents across agencies.",
            _households,
            also_needs="people",
        ),
        Board(
            "costs",
            "Tools, powers and costs",
            "Tools and powers used by type and agency over time, and what they cost, by agency, "
            "case and area.",
            _costs,
        ),
        Board(
            "trends",
            "Trends",
            "Incidents by month, by type and by the agency they were reported to, as charts "
            "with their figures.",
            _trends,
        ),
    ]
}


def _board(name: str, viewer: Viewer) -> Board:
    board = BOARDS.get(name)
    if board is None:
        raise Http404("No such dashboard")
    if not board.allowed(viewer):
        raise PermissionDenied("This dashboard is not available to your role")
    return board


def _boards_for(viewer: Viewer) -> list[Board]:
    return [board for board in BOARDS.values() if board.allowed(viewer)]


@login_required
@permission_required("reporting.view_dashboards", raise_exception=True)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reporting/index.html",
        {
            "boards": _boards_for(request.viewer),
            "scope_label": scope_label(request.viewer),
            "as_of": services.summary_state("cases"),
        },
    )


@login_required
@permission_required("reporting.view_dashboards", raise_exception=True)
@require_GET
def dashboard(request: HttpRequest, name: str) -> HttpResponse:
    viewer = request.viewer
    board = _board(name, viewer)
    try:
        form, data = board.build(request, viewer)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    if data is not None:
        services.dashboard_view_record(
            actor=request.user,
            dashboard=board.name,
            terms=form.terms() if form is not None else {},
            scope=scope_key(viewer),
        )
    return render(
        request,
        board.template,
        {
            "board": board,
            "boards": _boards_for(viewer),
            "form": form,
            "data": data,
            "scope_label": scope_label(viewer),
            "quick_periods": _quick_periods(request, form),
            "open_data_note": _open_data_note(data),
        },
    )


def _quick_periods(request: HttpRequest, form) -> list[tuple[str, str]]:
    """Links to the last few months, keeping the page's other filters."""
    if not isinstance(form, PeriodForm):
        return []
    links = []
    lengths = (12, 24, 36) if form.default_months > 12 else (3, 6, 12)
    for months in lengths:
        period = default_period(months)
        query = request.GET.copy()
        for key in [key for key in query if key.startswith("date_") or key == "page"]:
            del query[key]
        for name, day in (("date_from", period.start), ("date_to", period.last_month)):
            query[f"{name}-month"], query[f"{name}-year"] = str(day.month), str(day.year)
        links.append((f"{months} months", "?" + query.urlencode()))
    return links


def _open_data_note(data: Dashboard | None) -> str:
    if data is not None and data.facts.get("open_data_boundary") == "lsoa11":
        return "Drawn on the 2011 LSOA boundaries: police.uk files before 2022 use 2011 LSOA codes."
    return ""


@login_required
@permission_required("reporting.view_dashboards", raise_exception=True)
@require_GET
def export(request: HttpRequest, name: str, table: str) -> HttpResponse:
    """One table of a dashboard as CSV: the same selector, filters and access as the page."""
    viewer = request.viewer
    board = _board(name, viewer)
    try:
        form, data = board.build(request, viewer, for_export=True)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    if data is None:  # the filters are wrong: the page explains how
        query = request.GET.urlencode()
        return redirect(board.url + (f"?{query}" if query else ""))
    chosen = data.tables.get(table)
    if chosen is None:
        raise Http404("No such table on this dashboard")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{board.name}-{chosen.key}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    rows = write_csv(chosen, response)
    services.dashboard_export_record(
        actor=request.user,
        dashboard=board.name,
        table=chosen.key,
        terms=form.terms() if form is not None else {},
        scope=scope_key(viewer),
        rows=rows,
    )
    return response


# police.uk open data ---------------------------------------------------------------------------


@login_required
@permission_required("reporting.import_open_data", raise_exception=True)
@require_http_methods(["GET", "POST"])
def open_data(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = OpenDataUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        record = services.policeuk_upload(
            actor=request.user, file_name=form.cleaned_data["file"].name, content=form.content
        )
        messages.success(request, f"{record.file_name} has been uploaded and is being loaded.")
        return redirect("reporting:open_data_import", import_uuid=record.uuid)
    return render(
        request,
        "reporting/open_data.html",
        {
            "form": form,
            "imports": selectors.open_data_imports(),
            "loaded": selectors.open_data_summary(),
            "boards": _boards_for(request.viewer),
        },
    )


@login_required
@permission_required("reporting.import_open_data", raise_exception=True)
@require_GET
def open_data_import(request: HttpRequest, import_uuid) -> HttpResponse:
    record = selectors.open_data_import_get(import_uuid=import_uuid)
    return render(
        request,
        "reporting/open_data_import.html",
        {
            "record": record,
            "reasons": selectors.skip_reasons(record),
            "areas": selectors.loaded_areas(record),
            "boards": _boards_for(request.viewer),
        },
    )


@login_required
@permission_required("reporting.import_open_data", raise_exception=True)
@require_GET
def open_data_progress(request: HttpRequest, import_uuid) -> JsonResponse:
    """The progress of an import, for the page's optional script."""
    record = selectors.open_data_import_get(import_uuid=import_uuid)
    return JsonResponse(
        {
            "status": record.status,
            "status_label": record.get_status_display(),
            "percent": record.percent_done,
            "rows_done": record.rows_done,
            "rows_total": record.rows_total,
            "finished": not record.in_progress,
        }
    )
