"""Pages about people: the person page with its signpost, searching, "my victims", the
organisation's own details of a person and their consent, and merging its own records. Actions
on a victim within a case (risk, contact, referrals, statements) are case pages
(asb_cases.views), since the case decides who may act.

Every page reads through victims.selectors (access.rules) and shows people through
access.redaction; every page that shows a person's details is audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import redaction
from partners.audit import audit_viewed
from partners.models import AuditEvent
from partners.roles import is_partnership_admin
from partners.views import _add_errors
from victims import selectors, services, status
from victims.forms import (
    ConsentForm,
    ConsentWithdrawForm,
    MergeForm,
    PersonForm,
    PersonSearchForm,
    StatusDefinitionForm,
)

Verb = AuditEvent.Verb


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _person_url(person) -> str:
    return f"/people/{person.uuid}/"


@login_required
@permission_required("victims.view_person", raise_exception=True)
@require_GET
def my_victims(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    team = request.GET.get("team") == "1" and viewer.is_supervisor
    rows = selectors.my_victims(viewer=viewer, team=team)
    audit_viewed(
        actor=request.user,
        action="my_victims_view",
        target_type="victims.person",
        detail={"team": team, "people": [str(row.person.uuid) for row in rows]},
    )
    return render(
        request,
        "victims/my_victims.html",
        {
            "rows": rows,
            "team": team,
            "overdue": sum(1 for row in rows if row.contact.overdue),
            "can_see_team": viewer.is_supervisor,
        },
    )


@login_required
@permission_required("victims.view_person", raise_exception=True)
@require_GET
def person_search(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.GET or None)
    candidates = None
    if request.GET and form.is_valid():
        query = form.query()
        candidates = selectors.person_candidates(viewer=request.viewer, query=query, limit=20)
        audit_viewed(
            actor=request.user,
            verb=Verb.SEARCHED,
            action="person_search",
            target_type="victims.person",
            detail={
                "terms": {
                    "given_name": query.given_name,
                    "family_name": query.family_name,
                    "date_of_birth": str(query.date_of_birth or ""),
                    "postcode": query.postcode,
                    "uprn": query.uprn,
                },
                "results": [str(c.person.uuid) for c in candidates],
            },
        )
    return render(request, "victims/person_search.html", {"form": form, "candidates": candidates})


@login_required
@require_GET
def person_detail(request: HttpRequest, person_uuid) -> HttpResponse:
    person = selectors.person_get_for_viewer(viewer=request.viewer, person_uuid=person_uuid)
    if str(person.uuid) != str(person_uuid):
        return redirect(_person_url(person))  # a merged record: show the person it joined
    record = selectors.person_record_for_viewer(viewer=request.viewer, person=person)
    audit_viewed(
        actor=request.user,
        action="person_view",
        target=person,
        detail={"level": record.view.level},
    )
    return render(
        request,
        "victims/person_detail.html",
        {"record": record, "person": person, "view": record.view},
    )


@login_required
@permission_required("victims.change_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_uuid) -> HttpResponse:
    """The organisation's own details of the person (recorded here if it holds none)."""
    person = selectors.person_get_for_viewer(viewer=request.viewer, person_uuid=person_uuid)
    own = selectors.person_details_own(viewer=request.viewer, person=person)
    view = redaction.person_view(request.viewer, person)
    form = PersonForm(_post(request), instance=own)
    if request.method == "GET":
        audit_viewed(actor=request.user, action="person_edit_view", target=person)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        factors = list(data.pop("vulnerability_factors"))
        try:
            services.person_details_update(
                actor=request.user, person=person, vulnerability_factors=factors, **data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your organisation's details of the person are saved.")
            return redirect(_person_url(person))
    return render(
        request, "victims/person_form.html", {"person": person, "view": view, "form": form}
    )


@login_required
@permission_required("victims.change_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_consent(request: HttpRequest, person_uuid) -> HttpResponse:
    person = selectors.person_get_for_viewer(viewer=request.viewer, person_uuid=person_uuid)
    view = redaction.person_view(request.viewer, person)
    withdrawing = request.GET.get("withdraw") == "1" or "withdrawn_on-day" in request.POST
    form_class = ConsentWithdrawForm if withdrawing else ConsentForm
    form = form_class(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            if withdrawing:
                flagged = services.person_consent_withdraw(
                    actor=request.user,
                    person=person,
                    withdrawn_on=form.cleaned_data["withdrawn_on"],
                )
                messages.success(
                    request,
                    "Consent withdrawn. Nothing about the person will be shared further; "
                    f"{flagged} existing share{'s' if flagged != 1 else ''} flagged for review.",
                )
            else:
                services.person_consent_record(
                    actor=request.user,
                    person=person,
                    given_on=form.cleaned_data["given_on"],
                    scope=form.cleaned_data["scope"],
                )
                messages.success(request, "Consent to share has been recorded.")
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(_person_url(person))
    return render(
        request,
        "victims/person_consent.html",
        {"person": person, "view": view, "form": form, "withdrawing": withdrawing},
    )


@login_required
@permission_required("victims.merge_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_merge(request: HttpRequest, person_uuid) -> HttpResponse:
    """Merge another record the organisation holds itself into this one."""
    person = selectors.person_get_for_viewer(viewer=request.viewer, person_uuid=person_uuid)
    view = redaction.person_view(request.viewer, person)
    candidates = selectors.merge_candidates(viewer=request.viewer, person=person)
    form = MergeForm(_post(request), candidates=candidates)
    if request.method == "GET":
        audit_viewed(
            actor=request.user,
            action="person_merge_view",
            target=person,
            detail={"candidates": [str(c.person.uuid) for c in candidates]},
        )
    if request.method == "POST" and form.is_valid():
        duplicate = next(
            c.person for c in candidates if str(c.person.uuid) == form.cleaned_data["duplicate"]
        )
        try:
            services.person_merge(
                actor=request.user,
                survivor=person,
                duplicate=duplicate,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, "The records have been merged. You can undo this from the person's page."
            )
            return redirect(_person_url(person))
    return render(
        request,
        "victims/person_merge.html",
        {"person": person, "view": view, "form": form, "candidates": candidates},
    )


@login_required
@permission_required("victims.merge_person", raise_exception=True)
@require_POST
def person_merge_undo(request: HttpRequest, person_uuid, merge_id: int) -> HttpResponse:
    person = selectors.person_get_for_viewer(viewer=request.viewer, person_uuid=person_uuid)
    merge = selectors.person_merge_get(viewer=request.viewer, person=person, merge_id=merge_id)
    try:
        services.person_merge_undo(actor=request.user, merge=merge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The merge has been undone: the two records are separate.")
    return redirect(_person_url(person))


@login_required
@require_http_methods(["GET", "POST"])
def status_definition(request: HttpRequest) -> HttpResponse:
    # A partnership-wide definition: only the partnership's admin may change it.
    if not is_partnership_admin(request.user):
        raise PermissionDenied
    current = status.current_definition()
    form = StatusDefinitionForm(
        _post(request),
        initial={
            "repeat_incident_count": current.repeat_incident_count,
            "repeat_window_months": current.repeat_window_months,
            "second_report_window_months": current.second_report_window_months,
            "vulnerable_risk_bands": current.vulnerable_risk_bands,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.status_definition_update(actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            "The definitions have been saved. Everyone's status is recalculated tonight.",
        )
        return redirect("victims:status_definition")
    return render(request, "victims/status_definition.html", {"form": form, "current": current})
