"""Pages for an organisation's data protection lead (its partner admin): the retention review
queue and legal holds, subject access bundles, and who viewed what. Thin: parse, call a
selector or service, render. Every read is audited; anything not the organisation's is 404."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from documents.letters import pdf_from_html
from governance import selectors, services, sharing
from governance.forms import (
    CaseFindForm,
    LegalHoldForm,
    SharingRuleForm,
    SubjectAccessSearchForm,
    TrailFilterForm,
)
from governance.models import DisposalItem, SharingRule
from partners.audit import audit_viewed
from partners.models import AuditEvent
from partners.paging import paginate
from partners.roles import is_partnership_admin
from partners.views import _add_errors

Verb = AuditEvent.Verb


def _redact(request: HttpRequest) -> bool:
    """Third parties' names are redacted unless the admin chooses to release them."""
    return request.GET.get("redact", "1") != "0"


# Retention -----------------------------------------------------------------------------------


@login_required
@require_GET
def retention(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    status = request.GET.get("status", DisposalItem.Status.PENDING)
    if status not in DisposalItem.Status.values:
        status = DisposalItem.Status.PENDING
    page = paginate(selectors.queue_for_viewer(viewer=viewer, status=status), request.GET)
    audit_viewed(
        actor=request.user,
        action="retention_queue_view",
        target_type="governance.disposalitem",
        detail={"status": status},
    )
    return render(
        request,
        "governance/retention.html",
        {
            "page": page,
            "status": status,
            "statuses": DisposalItem.Status.choices,
            "policies": selectors.policies_for_viewer(viewer=viewer),
            "holds": selectors.holds_for_viewer(viewer=viewer),
        },
    )


@login_required
@require_POST
def retention_decide(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    selectors.queue_for_viewer(viewer=viewer)  # 404 for anyone but a data protection lead
    ids = [int(value) for value in request.POST.getlist("item") if value.isdigit()]
    approve = request.POST.get("decision") == "approve"
    if not ids or request.POST.get("decision") not in {"approve", "keep"}:
        messages.error(request, "Select the records, then approve or keep them")
        return redirect("governance:retention")
    count = services.queue_decide(
        actor=request.user, organisation=viewer.organisation, item_ids=ids, approve=approve
    )
    word = "approved for disposal" if approve else "kept"
    messages.success(request, f"{count} record{'s' if count != 1 else ''} {word}")
    return redirect("governance:retention")


@login_required
@require_http_methods(["GET", "POST"])
def hold_place(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    selectors.holds_for_viewer(viewer=viewer)  # 404 for anyone but a data protection lead
    form = LegalHoldForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = selectors.hold_target_find(
            viewer=viewer, scope=data["scope"], reference=data["reference"]
        )
        if target is None:
            form.add_error("reference", "Your organisation holds no record with this reference")
        else:
            try:
                services.legal_hold_place(
                    actor=request.user,
                    organisation=viewer.organisation,
                    scope=data["scope"],
                    target_id=target,
                    reason=data["reason"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, "Legal hold placed: those records will not be disposed of"
                )
                return redirect("governance:retention")
    return render(request, "governance/hold_place.html", {"form": form})


@login_required
@require_POST
def hold_release(request: HttpRequest, hold_id: int) -> HttpResponse:
    hold = selectors.hold_get_for_viewer(viewer=request.viewer, hold_id=hold_id)
    services.legal_hold_release(actor=request.user, hold=hold)
    messages.success(request, "Legal hold released: its records are back on the review queue")
    return redirect("governance:retention")


# Subject access ------------------------------------------------------------------------------


@login_required
@require_GET
def subject_access(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    selectors.queue_for_viewer(viewer=viewer)  # 404 for anyone but a data protection lead
    form = SubjectAccessSearchForm(request.GET or None)
    found = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        found = selectors.subject_access_search(
            viewer=viewer,
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
        )
        audit_viewed(
            actor=request.user,
            verb=Verb.SEARCHED,
            action="subject_access_search",
            target_type="victims.person",
            detail={
                "terms": {
                    "given_name": data["given_name"],
                    "family_name": data["family_name"],
                    "date_of_birth": str(data["date_of_birth"] or ""),
                },
                "results": [str(details.person.uuid) for details in found],
            },
        )
    return render(request, "governance/subject_access.html", {"form": form, "found": found})


@login_required
@require_GET
def subject_access_bundle(request: HttpRequest, person_uuid) -> HttpResponse:
    viewer = request.viewer
    person = selectors.held_person_get(viewer=viewer, person_uuid=person_uuid)
    redact = _redact(request)
    bundle = selectors.subject_access_bundle(viewer=viewer, person=person, redact=redact)
    audit_viewed(
        actor=request.user,
        action="subject_access_bundle",
        target=person,
        detail={"redacted": redact},
    )
    return render(
        request,
        "governance/subject_access_bundle.html",
        {"bundle": bundle, "person": person, "redact": redact},
    )


def _bundle_exported(request: HttpRequest, person_uuid, file_format: str):
    """The bundle of a person the organisation holds, read for export and the export audited."""
    viewer = request.viewer
    person = selectors.held_person_get(viewer=viewer, person_uuid=person_uuid)
    redact = _redact(request)
    bundle = selectors.subject_access_bundle(viewer=viewer, person=person, redact=redact)
    audit_viewed(
        actor=request.user,
        verb=Verb.EXPORTED,
        action="subject_access_export",
        target=person,
        detail={"redacted": redact, "format": file_format},
    )
    return person, bundle, redact


@login_required
@require_GET
def subject_access_json(request: HttpRequest, person_uuid) -> HttpResponse:
    person, bundle, _redacted = _bundle_exported(request, person_uuid, "json")
    response = HttpResponse(
        json.dumps(bundle.as_dict(), cls=DjangoJSONEncoder, indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="subject-access-{person.uuid}.json"'
    return response


@login_required
@require_GET
def subject_access_pdf(request: HttpRequest, person_uuid) -> HttpResponse:
    """The bundle as a PDF to release (WeasyPrint, fetching nothing: documents.letters)."""
    person, bundle, redact = _bundle_exported(request, person_uuid, "pdf")
    html = render_to_string(
        "governance/subject_access_pdf.html",
        {"bundle": bundle, "redact": redact, "produced_on": timezone.localdate()},
    )
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{person.uuid}.pdf"'
    return response


# Who viewed what -------------------------------------------------------------------------------


def _trail_page(request: HttpRequest, *, events, subject: str, target, label: str):
    form = TrailFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        events = events.none()
    if request.GET.get("format") == "csv" and not form.errors:
        audit_viewed(
            actor=request.user,
            verb=Verb.EXPORTED,
            action="who_viewed_export",
            target=target,
            detail={"filters": {k: v for k, v in request.GET.items() if k != "format"}},
        )
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="who-viewed-{subject}.csv"'
        writer = csv.writer(response)
        writer.writerow(["When", "Who", "Organisation", "What", "Action", "From"])
        for event in events[:10_000]:
            writer.writerow(
                [
                    event.occurred_at.isoformat(),
                    event.actor_label,
                    event.organisation.name if event.organisation else "",
                    event.get_verb_display(),
                    event.action,
                    event.ip_address or "",
                ]
            )
        return response
    page = paginate(events, request.GET)
    audit_viewed(
        actor=request.user,
        action="who_viewed",
        target=target,
        detail={"filters": dict(request.GET.items())},
    )
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "governance/who_viewed.html",
        {"form": form, "page": page, "label": label, "csv_query": query.urlencode()},
    )


@login_required
@require_GET
def who_viewed(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    selectors.queue_for_viewer(viewer=viewer)  # 404 for anyone but a data protection lead
    form = CaseFindForm(request.GET or None)
    if request.GET and form.is_valid():
        case = selectors.case_find_for_governance(
            viewer=viewer, reference=form.cleaned_data["reference"]
        )
        if case is not None:
            return redirect("governance:who_viewed_case", case_uuid=case.uuid)
        form.add_error(
            "reference",
            "Your organisation leads no case with this reference, and none was shared with it",
        )
    return render(request, "governance/who_viewed_find.html", {"form": form})


@login_required
@require_GET
def who_viewed_person(request: HttpRequest, person_uuid) -> HttpResponse:
    viewer = request.viewer
    person = selectors.held_person_get(viewer=viewer, person_uuid=person_uuid)
    filters = _filters(request)
    events = selectors.trail_for_person(viewer=viewer, person=person, filters=filters)
    return _trail_page(
        request,
        events=events,
        subject=str(person.uuid),
        target=person,
        label=f"Person record {str(person.uuid)[:8]}",
    )


@login_required
@require_GET
def who_viewed_case(request: HttpRequest, case_uuid) -> HttpResponse:
    viewer = request.viewer
    case = selectors.case_get_for_governance(viewer=viewer, case_uuid=case_uuid)
    events = selectors.trail_for_case(viewer=viewer, case=case, filters=_filters(request))
    return _trail_page(
        request, events=events, subject=case.reference, target=case, label=f"Case {case.reference}"
    )


def _filters(request: HttpRequest) -> selectors.TrailFilters:
    form = TrailFilterForm(request.GET or None)
    if not form.is_valid():
        return selectors.TrailFilters()
    data = form.cleaned_data
    return selectors.TrailFilters(
        verb=data.get("verb") or "",
        username=data.get("username") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


# The partnership's default sharing rules -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sharing_rules(request: HttpRequest) -> HttpResponse:
    """The partnership's admin lists, adds and retires the default sharing rules (404 for
    everyone else)."""
    if not is_partnership_admin(request.user):
        raise Http404
    form = SharingRuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = sharing.sharing_rule_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Rule added: {rule.describe()}")
            return redirect("governance:sharing_rules")
    rules = SharingRule.objects.filter(retired_at__isnull=True).select_related(
        "from_organisation", "to_organisation", "incident_type"
    )
    return render(request, "governance/sharing_rules.html", {"form": form, "rules": rules})


@login_required
@require_POST
def sharing_rule_retire(request: HttpRequest, rule_id: int) -> HttpResponse:
    if not is_partnership_admin(request.user):
        raise Http404
    rule = get_object_or_404(SharingRule, pk=rule_id, retired_at__isnull=True)
    sharing.sharing_rule_retire(actor=request.user, rule=rule)
    messages.success(request, "Rule retired: it shares no more cases")
    return redirect("governance:sharing_rules")
