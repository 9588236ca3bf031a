"""The victim's survey (public, by link) and the feedback dashboard (staff)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from feedback import selectors, services
from feedback.forms import PeriodForm, SurveyForm
from partners.throttle import allow
from partners.views import _add_errors

LINK_PROBLEMS = {
    "unknown": (404, "This link does not work"),
    "expired": (410, "This link has expired"),
    "used": (410, "You have already told us what you think"),
}


def _link_problem(request: HttpRequest, reason: str) -> HttpResponse:
    status, heading = LINK_PROBLEMS[reason]
    return render(
        request,
        "feedback/public/link_problem.html",
        {"heading": heading, "reason": reason},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and not allow(request, scope="feedback-survey", limit=30):
        return render(request, "community_trigger/public/too_many.html", status=429)
    try:
        services.invitation_for_token(token)
    except services.LinkProblem as problem:
        return _link_problem(request, problem.reason)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.survey_respond(
                token=token,
                answers=services.Answers(
                    satisfaction=data["satisfaction"],
                    listened_to=data["listened_to"],
                    would_report_again=data["would_report_again"],
                    comments=data.get("comments") or "",
                ),
            )
        except services.LinkProblem as problem:
            return _link_problem(request, problem.reason)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("feedback:thanks")
    return render(request, "feedback/public/survey.html", {"form": form})


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/public/thanks.html")


def _years() -> list[tuple[int, str]]:
    current = selectors.Period.current().start_year
    return [(year, selectors.Period(year).label) for year in range(current, current - 5, -1)]


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None, years=_years())
    year = selectors.Period.current().start_year
    if form.is_bound and form.is_valid() and form.cleaned_data.get("year"):
        year = form.cleaned_data["year"]
    period = selectors.Period(year)
    return render(
        request,
        "feedback/dashboard.html",
        {
            "form": form,
            "period": period,
            "rows": selectors.feedback_by_organisation(viewer=request.viewer, period=period),
            "comments": selectors.own_comments(viewer=request.viewer, period=period),
            "organisation": request.viewer.organisation,
            "now": timezone.now(),
        },
    )
