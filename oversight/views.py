"""Pages for the PCC's review of "threshold not met" decisions and the published figures."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from access import rules
from community_trigger import selectors as case_review_selectors
from feedback.selectors import Period
from oversight import selectors, services
from oversight.forms import (
    HousingStockForm,
    OfficerPccReviewForm,
    PccReviewDecideForm,
    PublicPccReviewForm,
    YearForm,
)
from partners.throttle import allow
from partners.views import _add_errors

FIGURE_FIELDS = [
    "area",
    "area_code",
    "year",
    "applications_received",
    "threshold_not_met",
    "reviews_carried_out",
    "reviews_with_recommendations",
    "pcc_reviews_requested",
    "pcc_reviews_upheld",
]


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


# The public ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def pcc_review_public(request: HttpRequest) -> HttpResponse:
    form = PublicPccReviewForm(_post(request))
    if request.method == "POST":
        if not allow(request, scope="case-review-pcc-review", limit=20):
            return render(request, "community_trigger/public/too_many.html", status=429)
        if form.is_valid():
            data = form.cleaned_data
            application = case_review_selectors.application_for_applicant(
                reference=data["reference"], postcode=data["postcode"]
            )
            if application is None:
                form.add_error(
                    "reference", "We could not find an application with that reference and postcode"
                )
            else:
                try:
                    review = services.pcc_review_request(
                        actor=None, application=application, grounds=data["grounds"]
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    return render(
                        request, "oversight/public/pcc_review_done.html", {"review": review}
                    )
    return render(request, "oversight/public/pcc_review.html", {"form": form})


@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "oversight/public/figures.html",
        {"figures": selectors.published_figures(), "small_number": selectors.SMALL_NUMBER},
    )


@require_GET
def figures_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="asb-case-review-figures.csv"'
    writer = csv.DictWriter(response, fieldnames=FIGURE_FIELDS)
    writer.writeheader()
    for row in selectors.published_figures():
        writer.writerow({k: ("withheld" if v is None else v) for k, v in row.as_dict().items()})
    return response


@require_GET
def figures_json(request: HttpRequest) -> HttpResponse:
    body = {
        "title": "ASB Case Review figures, per local authority and financial year",
        "withheld": f"PCC review counts from 1 to {selectors.SMALL_NUMBER - 1} are null",
        "fields": FIGURE_FIELDS,
        "rows": [row.as_dict() for row in selectors.published_figures()],
    }
    return HttpResponse(json.dumps(body, indent=2), content_type="application/json")


# Staff ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pcc_review_request_for_victim(request: HttpRequest, application_uuid) -> HttpResponse:
    application = case_review_selectors.application_get_for_viewer(
        viewer=request.viewer, application_uuid=application_uuid
    )
    form = OfficerPccReviewForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.pcc_review_request(
                actor=request.user, application=application, grounds=form.cleaned_data["grounds"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The PCC's office has been asked to review the decision.")
            return redirect(f"/case-reviews/{application.uuid}/")
    return render(
        request,
        "oversight/pcc_review_request.html",
        {"form": form, "application": application},
    )


def _require_pcc_office(request: HttpRequest) -> None:
    if not rules.is_pcc_office(request.viewer):
        raise Http404("No such page")


@login_required
@require_GET
def pcc_review_queue(request: HttpRequest) -> HttpResponse:
    _require_pcc_office(request)
    return render(
        request,
        "oversight/pcc_review_queue.html",
        {"reviews": selectors.pcc_review_queue(viewer=request.viewer)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pcc_review_decide(request: HttpRequest, review_uuid) -> HttpResponse:
    _require_pcc_office(request)
    review = selectors.pcc_review_get(viewer=request.viewer, review_uuid=review_uuid)
    form = PccReviewDecideForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.pcc_review_decide(
                actor=request.user,
                review=review,
                upheld=form.cleaned_data["upheld"],
                reasons=form.cleaned_data["reasons"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The decision has been recorded and the applicant told.")
            return redirect("oversight:pcc_review_queue")
    return render(request, "oversight/pcc_review_decide.html", {"form": form, "review": review})


# The Tenant Satisfaction Measures, for housing partners ---------------------------------------

TSM_FIELDS = [
    "organisation",
    "year",
    "homes",
    "asb_cases_opened",
    "hate_cases_opened",
    "nm01_1_per_1000_homes",
    "nm01_2_per_1000_homes",
    "tp12_respondents",
    "tp12_satisfied",
    "tp12_percent",
]


def _tsm_years() -> list[tuple[int, str]]:
    current = Period.current().start_year
    return [(year, Period(year).label) for year in range(current, current - 5, -1)]


def _tsm_year(request: HttpRequest) -> tuple[YearForm, int]:
    form = YearForm(request.GET or None, years=_tsm_years())
    year = Period.current().start_year
    if form.is_bound and form.is_valid() and form.cleaned_data.get("year"):
        year = form.cleaned_data["year"]
    return form, year


@login_required
@require_http_methods(["GET", "POST"])
def tsm(request: HttpRequest) -> HttpResponse:
    form, year = _tsm_year(request)
    measures = selectors.tenant_satisfaction(viewer=request.viewer, year_start=year)
    if measures is None:
        raise Http404("No such page")
    stock_form = HousingStockForm(_post(request))
    if request.method == "POST" and stock_form.is_valid():
        try:
            services.housing_stock_record(
                actor=request.user, year_start=year, homes=stock_form.cleaned_data["homes"]
            )
        except ValidationError as exc:
            _add_errors(stock_form, exc)
        else:
            messages.success(request, "The number of homes has been recorded.")
            return redirect(f"{request.path}?year={year}")
    return render(
        request,
        "oversight/tsm.html",
        {
            "form": form,
            "stock_form": stock_form,
            "year": year,
            "measures": measures,
            "may_record_homes": request.viewer.role in ("partner_admin", "supervisor"),
        },
    )


@login_required
@require_GET
def tsm_csv(request: HttpRequest) -> HttpResponse:
    _, year = _tsm_year(request)
    measures = selectors.tenant_satisfaction(viewer=request.viewer, year_start=year)
    if measures is None:
        raise Http404("No such page")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tsm-nm01-tp12-{year}.csv"'
    writer = csv.DictWriter(response, fieldnames=TSM_FIELDS)
    writer.writeheader()
    writer.writerow(measures.as_row())
    return response
