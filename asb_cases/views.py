"""Pages for incidents and cases. Thin: parse input, call a selector or a service, render.

Reads go through asb_cases.selectors (scoped to the user; 404 for anything out of scope) and
are audited here: every case and incident viewed, every search with its terms.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import redaction, rules
from asb_cases import selectors, services
from asb_cases.forms import (
    ActionBreachForm,
    CaseActionForm,
    CaseDetailsForm,
    CaseLocationForm,
    CaseNoteForm,
    CaseOpenForm,
    CasePersonForm,
    CaseSearchForm,
    CaseShareForm,
    CaseStatusForm,
    CaseTaskForm,
    ClosureNoticeForm,
    ContactForm,
    IncidentForm,
    LinkIncidentForm,
    PreApplicationRiskForm,
    ReasonForm,
    ReferralForm,
    ReferralUpdateForm,
    StatementCorrectForm,
    StatementForm,
    TransferDecideForm,
    TransferProposeForm,
    action_requirements,
)
from asb_cases.models import Case
from asb_cases.services import closure as closure_notices
from partners.audit import audit_viewed
from partners.models import AuditEvent
from partners.paging import paginate
from partners.views import _add_errors
from victims import forms as victim_forms
from victims import matching as victim_matching
from victims import selectors as victim_selectors
from victims import services as victim_services

Verb = AuditEvent.Verb


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _audit_view(request: HttpRequest, target, action: str, **detail) -> None:
    audit_viewed(actor=request.user, action=action, target=target, detail=detail or None)


def _case_url(case: Case) -> str:
    return f"/cases/{case.uuid}/"


# Case lists ---------------------------------------------------------------------------------


# The search form's choice lists (value and label of each choice) and its unfilled HTML, by the
# choices it offers: the same for every organisation (the choices are the partnership's), read
# and rendered once per process, together, rather than three lists and nine templates on every
# visit to the list. A filled-in form is rendered each time, from the lists held.
_SEARCH_FORMS: dict[str, tuple[dict[str, list[tuple[str, str]]], str]] = {}
_SEARCH_FORMS_KEPT = 8
_SEARCH_CHOICE_FIELDS = ("incident_type", "lead_organisation", "area")


def _choice_lists(form: CaseSearchForm) -> dict[str, list[tuple[str, str]]]:
    """The value and label of every choice of the form's lists, read from their tables."""
    return {
        name: [(str(value), str(label)) for value, label in form.fields[name].choices]
        for name in _SEARCH_CHOICE_FIELDS
    }


def _search_choices_key(form: CaseSearchForm) -> str:
    """What the unfilled form's choices depend on. On PostgreSQL, a digest of every row of the
    choices' tables (incident types, organisations, local authorities: each label and order is
    made from its own row) computed in one statement, so a page using the cached HTML reads no
    choice lists: three queries and a model instance a choice fewer on every visit to the
    list. Any change to those tables changes the key, so a new choice still shows at once.
    Elsewhere (SQLite), the choices themselves."""
    if connection.vendor != "postgresql":
        return hashlib.sha256(repr(_choice_lists(form)).encode()).hexdigest()
    return selectors.reference_tables_digest(
        [form.fields[name].queryset.model for name in _SEARCH_CHOICE_FIELDS]
    )


def _search_form_held(form: CaseSearchForm) -> tuple[dict[str, list[tuple[str, str]]], str]:
    """The choice lists and the unfilled form's HTML for the choices `form` offers, read and
    rendered the first time they are asked for, whether by an unfilled form or a filled-in
    one (so which comes first changes nothing a page reads after)."""
    key = _search_choices_key(form)
    held = _SEARCH_FORMS.get(key)
    if held is None:
        if len(_SEARCH_FORMS) >= _SEARCH_FORMS_KEPT:
            _SEARCH_FORMS.clear()
        unfilled = CaseSearchForm()
        choices = _choice_lists(unfilled)
        for name, listed in choices.items():
            unfilled.fields[name].choices = listed
        html = render_to_string("asb_cases/_case_search_fields.html", {"form": unfilled})
        held = _SEARCH_FORMS[key] = (choices, html)
    return held


def _search_fields_html(form: CaseSearchForm) -> str:
    """The unfilled form's fields as HTML, as held; "" for a filled-in form, which the page
    renders with its values, from the choice lists held: three queries and a model instance a
    choice fewer (a value chosen still validates against its table: it is looked up by its
    field's queryset)."""
    choices, html = _search_form_held(form)
    if not form.is_bound:
        return mark_safe(html)  # noqa: S308 (our own template's output)
    for name, listed in choices.items():
        form.fields[name].choices = listed
    return ""


@login_required
@permission_required("asb_cases.view_case", raise_exception=True)
def case_list(request: HttpRequest, mine: bool = False) -> HttpResponse:
    form = CaseSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else getattr(form, "cleaned_data", {})
    filters = selectors.CaseFilters(
        q=data.get("q", ""),
        statuses=data.get("status") or [],
        risk_bands=data.get("risk") or [],
        incident_type=data.get("incident_type"),
        lead_organisation=data.get("lead_organisation"),
        local_authority_code=data["area"].code if data.get("area") else "",
        opened_from=data.get("opened_from"),
        opened_to=data.get("opened_to"),
        mine=mine,
        sort=data.get("sort") or "updated",
    )
    page = paginate(
        selectors.case_list_for_viewer(viewer=request.viewer, filters=filters), request.GET
    )
    audit_viewed(
        actor=request.user,
        verb=Verb.SEARCHED if filters.is_search() else Verb.VIEWED,
        action="case_search" if filters.is_search() else "case_list",
        target_type="asb_cases.case",
        detail={
            "terms": filters.terms(),
            "results": page.count_label,
            "shown": [case.reference for case in page.items],
        },
    )
    return render(
        request,
        "asb_cases/case_list.html",
        {
            "form": form,
            "search_fields": _search_fields_html(form),
            "page": page,
            "mine": mine,
            "searching": filters.is_search(),
            "transfers_waiting": selectors.transfers_awaiting_viewer(viewer=request.viewer).count(),
        },
    )


@login_required
@permission_required("asb_cases.view_case", raise_exception=True)
def transfer_inbox(request: HttpRequest) -> HttpResponse:
    transfers = selectors.transfers_awaiting_viewer(viewer=request.viewer)
    return render(
        request,
        "asb_cases/transfer_inbox.html",
        {"transfers": transfers, "may_decide": request.viewer.is_supervisor},
    )


# Case page ----------------------------------------------------------------------------------


@login_required
@require_GET
def case_detail(request: HttpRequest, case_uuid) -> HttpResponse:
    case = selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=case_uuid)
    record = selectors.case_record_for_viewer(viewer=request.viewer, case=case)
    _audit_view(request, case, "case_view")
    return render(request, "asb_cases/case_detail.html", {"record": record, "case": case})


def _case_form_page(
    request: HttpRequest,
    case_uuid,
    *,
    codename: str,
    form_class,
    heading: str,
    button: str,
    handle,
    form_kwargs=None,
    context=None,
    template: str = "asb_cases/case_form.html",
) -> HttpResponse:
    """The shape every 'do something to a case' page shares: fetch the case the user may act on
    (404 otherwise), validate, call the service, show its errors on the form."""
    case = selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=case_uuid)
    access = selectors.case_record_access(viewer=request.viewer, case=case)
    if not getattr(access, f"can_{codename}"):
        raise PermissionDenied(f"Cannot {codename} on this case")
    kwargs = form_kwargs(case) if callable(form_kwargs) else (form_kwargs or {})
    form = form_class(_post(request), **kwargs)
    if request.method == "GET":
        _audit_view(request, case, f"case_{codename}_form_view", form=form_class.__name__)
    if request.method == "POST" and form.is_valid():
        try:
            message = handle(case, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except services.CaseConflict:
            return _conflict(request, case)
        else:
            messages.success(request, message)
            return redirect(_case_url(case))
    extra = context(case) if callable(context) else (context or {})
    return render(
        request,
        template,
        {"case": case, "form": form, "heading": heading, "button": button, **extra},
    )


def _conflict(request: HttpRequest, case: Case) -> HttpResponse:
    case.refresh_from_db()
    return render(request, "asb_cases/conflict.html", {"case": case}, status=409)


@login_required
@require_http_methods(["GET", "POST"])
def case_note_add(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        services.case_add_note(
            actor=request.user, case=case, body=data["body"], visibility=data["visibility"]
        )
        return "Your note has been added."

    return _case_form_page(
        request,
        case_uuid,
        codename="contribute",
        form_class=CaseNoteForm,
        heading="Add a note",
        button="Add note",
        handle=handle,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_action_add(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        action = services.case_add_action(
            actor=request.user,
            case=case,
            action_type=data["action_type"],
            started_at=data["started_at"],
            subject=data.get("subject"),
            outcome=data["outcome"],
            cost_pounds=data["cost_pounds"],
            notes=data.get("notes", ""),
            gates=services.GateInput(
                risk_assessment=data.get("risk_assessment"),
                requirements=action_requirements(data),
                notice_hours=data.get("notice_hours"),
                authorised_by_name=data.get("authorised_by_name") or "",
                authorised_by_role=data.get("authorised_by_role") or "",
                prior_warning_given=data.get("prior_warning_given"),
            ),
        )
        return f"{action.action_type.name} has been recorded."

    return _case_form_page(
        request,
        case_uuid,
        codename="contribute",
        form_class=CaseActionForm,
        heading="Record a tool or power",
        button="Record it",
        handle=handle,
        template="asb_cases/case_action_form.html",
        form_kwargs=lambda case: {
            "people": selectors.case_people_choices(viewer=request.viewer, case=case),
            "risk_assessments": selectors.case_pre_application_risks(
                viewer=request.viewer, case=case
            ),
        },
        context=lambda case: {"action_types": selectors.action_types_active()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_pre_application_risk_add(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        services.case_add_pre_application_risk(
            actor=request.user,
            case=case,
            action_type=data["action_type"],
            subject=data["subject"],
            harm_risk=data["harm_risk"],
            respondent_vulnerabilities=data["respondent_vulnerabilities"],
            alternatives_tried=data["alternatives_tried"],
        )
        return "The pre-application risk assessment has been recorded."

    return _case_form_page(
        request,
        case_uuid,
        codename="contribute",
        form_class=PreApplicationRiskForm,
        heading="Record a pre-application risk assessment",
        button="Record it",
        handle=handle,
        form_kwargs=lambda case: {
            "people": selectors.case_people_choices(viewer=request.viewer, case=case)
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_action_breach_add(request: HttpRequest, case_uuid, action_uuid) -> HttpResponse:
    def handle(case, data):
        action = selectors.case_action_get(
            viewer=request.viewer, case=case, action_uuid=action_uuid
        )
        breach = services.action_record_breach(
            actor=request.user,
            action=action,
            occurred_at=data["occurred_at"],
            details=data["details"],
            referred_to=data.get("referred_to") or "",
            referral_reference=data.get("referral_reference") or "",
        )
        if breach.offence_referral:
            return f"The breach has been recorded as an offence referral to {breach.referred_to}."
        return "The breach has been recorded."

    case = selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=case_uuid)
    action = selectors.case_action_get(viewer=request.viewer, case=case, action_uuid=action_uuid)
    return _case_form_page(
        request,
        case_uuid,
        codename="contribute",
        form_class=ActionBreachForm,
        heading=f"Record a breach of the {action.action_type.name}",
        button="Record the breach",
        handle=handle,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_task_add(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        task = services.case_add_task(
            actor=request.user,
            case=case,
            title=data["title"],
            due_on=data["due_on"],
            assignee=data["assignee"],
        )
        return f"The task has been given to {task.assignee.display_name}."

    return _case_form_page(
        request,
        case_uuid,
        codename="contribute",
        form_class=CaseTaskForm,
        heading="Add a task",
        button="Add task",
        handle=handle,
        form_kwargs=lambda case: {"assignees": selectors.case_assignees_for(case=case)},
    )


@login_required
@require_POST
def case_task_complete(request: HttpRequest, task_uuid) -> HttpResponse:
    task = selectors.case_task_get_for_viewer(viewer=request.viewer, task_uuid=task_uuid)
    services.case_task_complete(actor=request.user, task=task)
    messages.success(request, f"‘{task.title}’ is done.")
    return redirect(_case_url(task.case))


@login_required
@require_http_methods(["GET", "POST"])
def case_status_change(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        services.case_change_status(
            actor=request.user,
            case=case,
            status=data["status"],
            closure_reason=data.get("closure_reason", ""),
            note=data.get("note", ""),
            expected_version=data["version"],
        )
        if case.is_closed:
            return (
                "The case is now closed. Record the closure notice to the victim: why it "
                "closed, and who their single point of contact is."
            )
        return f"The case is now {case.get_status_display().lower()}."

    return _case_form_page(
        request,
        case_uuid,
        codename="change",
        form_class=CaseStatusForm,
        heading="Change the status",
        button="Change status",
        handle=handle,
        form_kwargs=lambda case: {"initial": {"version": case.version}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_closure_notice(request: HttpRequest, case_uuid) -> HttpResponse:
    """Record the closure notice a victim was given: why the case closed, how they were told,
    and their single point of contact (the lead officer). The lead organisation only."""
    case = selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=case_uuid)
    if not closure_notices.closure_notice_allowed(actor=request.user, case=case):
        raise PermissionDenied("Only the lead organisation tells the victim the case closed")
    recipients = closure_notices.closure_notice_recipients(actor=request.user, case=case)
    initial = {"reasons": f"{case.get_closure_reason_display()}." if case.closure_reason else ""}
    form = ClosureNoticeForm(_post(request), recipients=recipients, initial=initial)
    if request.method == "GET":
        _audit_view(request, case, "case_closure_notice_form_view")
    if request.method == "POST" and form.is_valid():
        person = next(p for p, _ in recipients if str(p.uuid) == form.cleaned_data["person"])
        try:
            closure_notices.case_closure_notice_record(
                actor=request.user,
                case=case,
                person=person,
                reasons=form.cleaned_data["reasons"],
                how=form.cleaned_data["how"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The closure notice is recorded.")
            return redirect(_case_url(case))
    return render(
        request,
        "asb_cases/closure_notice_form.html",
        {
            "case": case,
            "form": form,
            "recipients": recipients,
            "heading": "Record the closure notice to the victim",
            "button": "Save closure notice",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        services.case_update_details(
            actor=request.user,
            case=case,
            expected_version=data["version"],
            title=data["title"],
            summary=data.get("summary", ""),
            incident_type=data["incident_type"],
            risk_band=data["risk_band"],
            lead_officer=data.get("lead_officer"),
        )
        return "The case details have been saved."

    return _case_form_page(
        request,
        case_uuid,
        codename="change",
        form_class=CaseDetailsForm,
        heading="Change case details",
        button="Save details",
        handle=handle,
        form_kwargs=lambda case: {
            "workers": selectors.case_workers_for(organisation=case.lead_organisation),
            "initial": {
                "version": case.version,
                "title": case.title,
                "summary": case.summary,
                "incident_type": case.incident_type_id,
                "risk_band": case.risk_band,
                "lead_officer": case.lead_officer_id,
            },
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_share(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        share = services.case_share_with_partner(
            actor=request.user,
            case=case,
            organisation=data["organisation"],
            access_level=data["access_level"],
            purpose=data["purpose"],
            legal_basis=data["legal_basis"],
            include_people=data["include_people"] == "yes",
        )
        return f"The case has been shared with {share.organisation}."

    return _case_form_page(
        request,
        case_uuid,
        codename="share",
        form_class=CaseShareForm,
        heading="Share the case with a partner",
        button="Share case",
        handle=handle,
        template="asb_cases/case_share_form.html",
        form_kwargs=lambda case: {
            "partners": selectors.partner_organisations_for(viewer=request.viewer)
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_share_revoke(request: HttpRequest, case_uuid, share_uuid) -> HttpResponse:
    def handle(case, data):
        share = selectors.case_share_get(case=case, share_uuid=share_uuid)
        services.case_share_revoke(actor=request.user, share=share, reason=data.get("reason", ""))
        return f"{share.organisation} can no longer see the case."

    return _case_form_page(
        request,
        case_uuid,
        codename="share",
        form_class=ReasonForm,
        heading="Stop sharing the case",
        button="Stop sharing",
        handle=handle,
        template="asb_cases/case_share_revoke.html",
        context=lambda case: {"share": selectors.case_share_get(case=case, share_uuid=share_uuid)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_transfer(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        transfer = services.case_transfer_propose(
            actor=request.user,
            case=case,
            to_organisation=data["to_organisation"],
            reason=data["reason"],
        )
        return (
            f"{transfer.to_organisation} has been asked to lead the case. Your organisation "
            "leads it until they accept."
        )

    return _case_form_page(
        request,
        case_uuid,
        codename="share",
        form_class=TransferProposeForm,
        heading="Ask another organisation to lead the case",
        button="Send request",
        handle=handle,
        form_kwargs=lambda case: {
            "partners": selectors.partner_organisations_for(viewer=request.viewer)
        },
    )


@login_required
@require_POST
def case_transfer_withdraw(request: HttpRequest, transfer_uuid) -> HttpResponse:
    transfer = selectors.transfer_get_for_viewer(viewer=request.viewer, transfer_uuid=transfer_uuid)
    try:
        services.case_transfer_withdraw(actor=request.user, transfer=transfer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The transfer has been withdrawn.")
    return redirect(_case_url(transfer.case))


@login_required
@require_http_methods(["GET", "POST"])
def transfer_decide(request: HttpRequest, transfer_uuid) -> HttpResponse:
    transfer = selectors.transfer_get_for_viewer(viewer=request.viewer, transfer_uuid=transfer_uuid)
    if transfer.to_organisation_id != request.viewer.organisation_id:
        raise Http404("No such transfer")
    if not request.viewer.is_supervisor:
        raise PermissionDenied("Only a supervisor can accept or decline a transfer")
    form = TransferDecideForm(
        _post(request),
        workers=selectors.case_workers_for(organisation=transfer.to_organisation),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                services.case_transfer_accept(
                    actor=request.user,
                    transfer=transfer,
                    lead_officer=data.get("lead_officer"),
                    reason=data.get("reason", ""),
                )
                messages.success(request, f"Your organisation now leads {transfer.case.reference}.")
                return redirect(_case_url(transfer.case))
            services.case_transfer_decline(
                actor=request.user, transfer=transfer, reason=data.get("reason", "")
            )
            messages.success(
                request,
                f"You have declined {transfer.case.reference}; "
                f"{transfer.from_organisation} still leads it.",
            )
            return redirect("asb_cases:transfer_inbox")
        except ValidationError as exc:
            _add_errors(form, exc)
    return render(request, "asb_cases/transfer_decide.html", {"transfer": transfer, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def case_person_add(request: HttpRequest, case_uuid) -> HttpResponse:
    case = selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=case_uuid)
    if not selectors.case_record_access(viewer=request.viewer, case=case).can_contribute:
        raise PermissionDenied("Cannot contribute to this case")
    data = request.POST.copy() if request.method == "POST" else None
    form = CasePersonForm(data)
    panels: list[PersonPanel] = []
    if request.method == "POST" and form.is_valid():
        panels = _person_panels(request, form, ["person_"])
        if not request.POST.get("people_reviewed") and any(p.candidates for p in panels):
            pass  # show the candidates first
        elif _check_panels(form, panels):
            try:
                with transaction.atomic():
                    person = _person_for(request, form, panels, "person_")
                    services.case_add_person(
                        actor=request.user,
                        case=case,
                        person=person,
                        role=form.cleaned_data["role"],
                    )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "The person has been added to the case.")
                return redirect(_case_url(case))
    return render(
        request,
        "asb_cases/case_person_form.html",
        {
            "case": case,
            "form": form,
            "panels": panels,
            "heading": "Add a person to the case",
            "button": "Add person",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_location_add(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        services.case_add_location(actor=request.user, case=case, location=form.location_input())
        return "The location has been added."

    # The form instance is needed by the handler for its location helper.
    case = selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=case_uuid)
    form = CaseLocationForm(_post(request))
    access = selectors.case_record_access(viewer=request.viewer, case=case)
    if not access.can_contribute:
        raise PermissionDenied("Cannot contribute to this case")
    if request.method == "POST" and form.is_valid():
        try:
            messages.success(request, handle(case, form.cleaned_data))
            return redirect(_case_url(case))
        except ValidationError as exc:
            _add_errors(form, exc)
    return render(
        request,
        "asb_cases/case_form.html",
        {"case": case, "form": form, "heading": "Add a location", "button": "Add location"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_incident_link(request: HttpRequest, case_uuid) -> HttpResponse:
    def handle(case, data):
        incident = selectors.incident_get_linkable(
            viewer=request.viewer, incident_uuid=data["incident"]
        )
        services.case_link_incident(actor=request.user, case=case, incident=incident)
        return "The incident has been added to the case."

    return _case_form_page(
        request,
        case_uuid,
        codename="contribute",
        form_class=LinkIncidentForm,
        heading="Add an incident to the case",
        button="Add incident",
        handle=handle,
        template="asb_cases/case_incident_link.html",
        form_kwargs=lambda case: {
            "incidents": selectors.incidents_linkable_for_viewer(viewer=request.viewer, case=case)
        },
    )


# Opening a case -----------------------------------------------------------------------------


@login_required
@permission_required("asb_cases.add_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    # Each once, however many times the form carried it.
    incident_ids = list(
        dict.fromkeys(request.POST.getlist("incidents") or request.GET.getlist("incident"))
    )
    # Only incidents reported to the organisation, or on cases it leads (access.rules
    # .incidents_linkable): a partner's incident seen through a share is not its to pass on.
    incidents = [
        selectors.incident_get_linkable(viewer=request.viewer, incident_uuid=incident_id)
        for incident_id in incident_ids
    ]
    first = incidents[0] if incidents else None
    initial = {"incidents": [str(i.uuid) for i in incidents]}
    if first:
        initial |= {
            "incident_type": first.incident_type_id,
            "address": first.address,
            "postcode": first.postcode,
            "title": f"{first.incident_type} at {first.location_summary}"[:200],
            "lead_officer": request.user.pk,
        }
    workers = selectors.case_workers_for(organisation=request.user.membership.organisation)
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and data.get("change"):  # back from the question page, to edit
        data.pop("duplicates_reviewed", None)
        form = CaseOpenForm(data, workers=workers, initial=initial)
        return render(
            request,
            "asb_cases/case_new.html",
            {"form": form, "incidents": incidents, "duplicates": None},
        )
    form = CaseOpenForm(data, workers=workers, initial=initial)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        if not cleaned.get("duplicates_reviewed"):
            duplicates = selectors.possible_duplicates_for_viewer(
                viewer=request.viewer,
                postcode=cleaned.get("postcode", ""),
                address=cleaned.get("address", ""),
                person_ids=[
                    p.pk for i in incidents for p in (i.victim, i.reporter) if p is not None
                ],
            )
            # Only incidents the organisation may put on its case are offered to include.
            linkable = set(
                rules.incidents_linkable(request.viewer)
                .filter(pk__in=[i.pk for i in duplicates.incidents])
                .values_list("pk", flat=True)
            )
            duplicates.incidents = [
                i for i in duplicates.incidents if i not in incidents and i.pk in linkable
            ]
        if duplicates:
            data["duplicates_reviewed"] = "1"
            form = CaseOpenForm(data, workers=workers, initial=initial)
            form.is_valid()
            return _duplicates_question(
                request,
                form=form,
                data=data,
                duplicates=duplicates,
                panels=[],
                caption=f"{request.viewer.organisation.name} will lead it",
                doing="open a case",
                labels=CASE_LABELS,
            )
        else:
            choice = request.POST.get("duplicate_choice", "new")
            if choice.startswith("same:"):
                # The incident found is part of the same problem: the new case includes it
                # too (if the organisation may put it on a case).
                same = selectors.incident_get_linkable(
                    viewer=request.viewer, incident_uuid=choice[5:]
                )
                if same not in incidents:
                    incidents.append(same)
            if choice.startswith("case:"):
                existing = selectors.case_get_for_viewer(
                    viewer=request.viewer, case_uuid=choice[5:], codename=rules.CONTRIBUTE
                )
                for incident in incidents:
                    services.case_link_incident(
                        actor=request.user, case=existing, incident=incident
                    )
                messages.success(
                    request, f"No new case was opened: the incident is now on {existing.reference}."
                )
                return redirect(_case_url(existing))
            try:
                case = services.case_open(
                    actor=request.user,
                    title=cleaned["title"],
                    summary=cleaned.get("summary", ""),
                    incident_type=cleaned["incident_type"],
                    risk_band=cleaned["risk_band"],
                    lead_officer=cleaned.get("lead_officer"),
                    incidents=incidents,
                    location=form.location_input(),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"Case {case.reference} has been opened.")
                return redirect(_case_url(case))
    return render(
        request,
        "asb_cases/case_new.html",
        {"form": form, "incidents": incidents, "duplicates": duplicates},
    )


# Incidents ----------------------------------------------------------------------------------


@login_required
@permission_required("asb_cases.view_incident", raise_exception=True)
def incident_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    own_only = request.GET.get("own") == "1"
    page = selectors.incident_page_for_viewer(
        viewer=request.viewer, params=request.GET, q=q, own_only=own_only
    )
    audit_viewed(
        actor=request.user,
        verb=Verb.SEARCHED if q else Verb.VIEWED,
        action="incident_search" if q else "incident_list",
        target_type="asb_cases.incident",
        detail={
            "terms": {"q": q, "own": own_only},
            "shown": [str(incident.uuid) for incident in page.items],
        },
    )
    return render(
        request, "asb_cases/incident_list.html", {"page": page, "q": q, "own_only": own_only}
    )


@login_required
@require_GET
def incident_detail(request: HttpRequest, incident_uuid) -> HttpResponse:
    incident = selectors.incident_get_for_viewer(viewer=request.viewer, incident_uuid=incident_uuid)
    cases = selectors.incident_cases_for_viewer(viewer=request.viewer, incident=incident)
    people = redaction.person_views(request.viewer, [incident.reporter, incident.victim])
    _audit_view(request, incident, "incident_view")
    return render(
        request,
        "asb_cases/incident_detail.html",
        {
            "incident": incident,
            "places": selectors.place_names(incident),
            "cases": cases,
            "reporter": people.get(incident.reporter_id),
            "victim": people.get(incident.victim_id),
        },
    )


@dataclass
class PersonPanel:
    """'Is this someone the partnership already knows?' for one person typed into a form."""

    prefix: str
    name: str  # the radio's name
    typed_name: str
    candidates: list
    chosen: str = ""
    choice_error: str = ""

    def chosen_person(self):
        if not self.candidates or self.chosen in ("", "new"):
            return None
        return next(c.person for c in self.candidates if str(c.person.uuid) == self.chosen)


def _person_panels(request, form, prefixes) -> list[PersonPanel]:
    panels = []
    for prefix in prefixes:
        details = form.person_data(prefix)
        if details is None:
            continue
        query = victim_matching.Query(
            given_name=details["given_name"],
            family_name=details["family_name"],
            date_of_birth=details.get("date_of_birth"),
            postcode=details.get("postcode", ""),
        )
        panels.append(
            PersonPanel(
                prefix=prefix,
                name=f"{prefix}match",
                typed_name=f"{details['given_name']} {details['family_name']}",
                candidates=victim_selectors.person_candidates(viewer=request.viewer, query=query),
                chosen=request.POST.get(f"{prefix}match", ""),
            )
        )
    return panels


# What the question page about possible duplicates does not carry forward as hidden fields:
# the answers it asks for.
_NOT_CARRIED = {"csrfmiddlewaretoken", "duplicate_choice", "change"}


def _carried(data, panels) -> list[tuple[str, str]]:
    """Everything typed on the form, carried through the question page unchanged."""
    asked = _NOT_CARRIED | {panel.name for panel in panels}
    return [(name, value) for name in data for value in data.getlist(name) if name not in asked]


def _duplicates_question(request, *, form, data, duplicates, panels, caption, doing, labels):
    """The question 'is this one of these?' on a page of its own, before anything is recorded
    (rather than under the whole form, where the page reloads at the top unchanged)."""
    return render(
        request,
        "asb_cases/possible_duplicates.html",
        {
            "form": form,
            "carried": _carried(data, panels),
            "duplicates": duplicates,
            "panels": panels,
            "choice_error": getattr(form, "choice_error", ""),
            "caption": caption,
            "doing": doing,
            **labels,
        },
    )


INCIDENT_LABELS = {
    "same_label": "The same incident, already recorded",
    "case_label": "A new incident, added to case",
    "new_label": "None of these: a new incident",
}
CASE_LABELS = {
    "same_label": "Include this incident in the new case",
    "case_label": "Add the incident to the existing case",
    "new_label": "None of these: open a new case",
}


def _check_panels(form, panels: list[PersonPanel]) -> bool:
    """Every panel with candidates needs an answer that is one of them, or 'new'."""
    ok = True
    for panel in panels:
        if not panel.candidates:
            continue
        allowed = {"new"} | {str(c.person.uuid) for c in panel.candidates}
        if panel.chosen not in allowed:
            panel.choice_error = f"Select whether {panel.typed_name} is one of these people"
            form.add_error(None, panel.choice_error)
            ok = False
    return ok


def _person_for(request, form, panels: list[PersonPanel], prefix: str):
    """The chosen existing person, or a new one, with what was typed as the organisation's own
    details of them (choosing a match shows it no one else's)."""
    panel = next((p for p in panels if p.prefix == prefix), None)
    if panel is None:
        return None
    existing = panel.chosen_person()
    if existing is not None:
        return victim_services.person_link(
            actor=request.user, person=existing, **form.person_data(prefix)
        )
    return victim_services.person_create(actor=request.user, **form.person_data(prefix))


INCIDENT_PEOPLE = ("reporter_", "victim_")


@login_required
@permission_required("asb_cases.add_incident", raise_exception=True)
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and data.get("change"):  # back from the question page, to edit
        data.pop("duplicates_reviewed", None)
        return render(
            request,
            "asb_cases/incident_new.html",
            {"form": IncidentForm(data), "duplicates": None, "panels": []},
        )
    form = IncidentForm(data)
    duplicates = None
    panels: list[PersonPanel] = []
    choice_error = ""
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        people = [
            prefix
            for prefix in INCIDENT_PEOPLE
            if not (prefix == "reporter_" and cleaned.get("anonymous"))
            and not (prefix == "victim_" and cleaned["victim_is"] != "other")
        ]
        panels = _person_panels(request, form, people)
        duplicates = selectors.possible_duplicates_for_viewer(
            viewer=request.viewer,
            postcode=cleaned.get("postcode", ""),
            address=cleaned.get("address", ""),
            people=form.people_for_duplicates(),
        )
        audit_viewed(
            actor=request.user,
            verb=Verb.SEARCHED,
            action="incident_new_candidates",
            target_type="victims.person",
            detail={
                "people": [str(c.person.uuid) for panel in panels for c in panel.candidates],
                "incidents": [str(i.uuid) for i in duplicates.incidents],
                "cases": [c.reference for c in duplicates.cases],
            },
        )
        if not cleaned.get("duplicates_reviewed") and (
            duplicates or any(panel.candidates for panel in panels)
        ):
            data["duplicates_reviewed"] = "1"
            form = IncidentForm(data)
            form.is_valid()
        else:
            ready = _check_panels(form, panels)
            if duplicates and "duplicate_choice" not in request.POST:
                choice_error = "Select whether this is the same as a record below, or new"
                form.add_error(None, choice_error)
                ready = False
            if ready:
                try:
                    incident, case = _record_incident(
                        request, form, request.POST.get("duplicate_choice", "new"), panels
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    if case is not None:
                        messages.success(
                            request,
                            f"The incident has been recorded and added to {case.reference}.",
                        )
                        return redirect(_case_url(case))
                    messages.success(request, "The incident has been recorded.")
                    return redirect(f"/incidents/{incident.uuid}/")
        if duplicates or any(panel.candidates for panel in panels):
            form.choice_error = choice_error
            return _duplicates_question(
                request,
                form=form,
                data=data,
                duplicates=duplicates,
                panels=panels,
                caption=f"Record an incident for {request.viewer.organisation.name}",
                doing="record this incident",
                labels=INCIDENT_LABELS,
            )
    return render(
        request,
        "asb_cases/incident_new.html",
        {"form": form, "duplicates": duplicates, "choice_error": choice_error, "panels": panels},
    )


@transaction.atomic
def _record_incident(request: HttpRequest, form: IncidentForm, choice: str, panels):
    """Find or create the people, then record the incident; link it as the officer chose."""
    cleaned = form.cleaned_data
    duplicate_of = link_to_case = None
    if choice.startswith("same:"):
        duplicate_of = selectors.incident_get_for_viewer(
            viewer=request.viewer, incident_uuid=choice[5:]
        )
    elif choice.startswith("case:"):
        link_to_case = selectors.case_get_for_viewer(
            viewer=request.viewer, case_uuid=choice[5:], codename=rules.CONTRIBUTE
        )
    reporter = None if cleaned.get("anonymous") else _person_for(request, form, panels, "reporter_")
    victim = None
    if cleaned["victim_is"] == "reporter":
        victim = reporter
    elif cleaned["victim_is"] == "other":
        victim = _person_for(request, form, panels, "victim_")
    incident = services.incident_record(
        actor=request.user,
        data=services.IncidentInput(
            occurred_at=cleaned["occurred_at"],
            reported_at=cleaned["reported_at"],
            channel=cleaned["channel"],
            category=cleaned["category"],
            incident_type=cleaned["incident_type"],
            description=cleaned["description"],
            location=form.location_input(),
            hate_motivated=cleaned["hate_motivated"] == "yes",
            protected_characteristic=cleaned.get("protected_characteristic", ""),
            anonymous=bool(cleaned.get("anonymous")),
            reporter=reporter,
            victim=victim,
            external_ref=cleaned.get("external_ref", ""),
        ),
        duplicate_of=duplicate_of,
        link_to_case=link_to_case,
    )
    return incident, link_to_case


# A victim's support on a case ----------------------------------------------------------------


def _victim_page(request, case_uuid, person_uuid, *, contribute: bool = True):
    case = selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=case_uuid)
    person = selectors.case_person_get(viewer=request.viewer, case=case, person_uuid=person_uuid)
    if (
        contribute
        and not selectors.case_record_access(viewer=request.viewer, case=case).can_contribute
    ):
        raise PermissionDenied("Cannot contribute to this case")
    return case, person


def _victim_url(case, person) -> str:
    return f"/cases/{case.uuid}/people/{person.uuid}/"


@login_required
@require_GET
def case_victim(request: HttpRequest, case_uuid, person_uuid) -> HttpResponse:
    case, person = _victim_page(request, case_uuid, person_uuid, contribute=False)
    record = selectors.case_victim_record(viewer=request.viewer, case=case, person=person)
    _audit_view(request, person, "case_victim_view", case=case.reference, level=record.view.level)
    return render(
        request,
        "asb_cases/case_victim.html",
        {
            "case": case,
            "person": person,
            "view": record.view,
            "record": record,
            "access": selectors.case_record_access(viewer=request.viewer, case=case),
        },
    )


def _victim_form_page(
    request,
    case_uuid,
    person_uuid,
    *,
    form_class,
    heading,
    button,
    handle,
    form_kwargs=None,
    template="asb_cases/victim_form.html",
):
    case, person = _victim_page(request, case_uuid, person_uuid)
    view = redaction.person_view(request.viewer, person)
    form = form_class(_post(request), **(form_kwargs or {}))
    if request.method == "GET":
        _audit_view(request, person, "case_victim_form_view", case=case.reference, form=heading)
    if request.method == "POST" and form.is_valid():
        try:
            message = handle(case, person, form)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(_victim_url(case, person))
    return render(
        request,
        template,
        {
            "case": case,
            "person": person,
            "view": view,
            "form": form,
            "heading": heading,
            "button": button,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_victim_risk(request: HttpRequest, case_uuid, person_uuid) -> HttpResponse:
    questionnaire = victim_selectors.questionnaire_current()

    def handle(case, person, form):
        assessment = services.case_victim_assess_risk(
            actor=request.user,
            case=case,
            person=person,
            questionnaire=questionnaire,
            answers=form.answers(),
            notes=form.cleaned_data.get("notes", ""),
        )
        message = (
            f"Risk assessed as {assessment.get_band_display().lower()} (score {assessment.score})."
        )
        if assessment.referral_prompted:
            message += f" The score is {questionnaire.referral_from} or more: refer "
            message += "them to victim support."
        return message

    return _victim_form_page(
        request,
        case_uuid,
        person_uuid,
        form_class=victim_forms.RiskAssessmentForm,
        heading="Assess risk",
        button="Save assessment",
        handle=handle,
        form_kwargs={"questionnaire": questionnaire},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_victim_contact(request: HttpRequest, case_uuid, person_uuid) -> HttpResponse:
    def handle(case, person, form):
        data = form.cleaned_data
        services.case_victim_contact(
            actor=request.user,
            case=case,
            person=person,
            contacted_at=data["contacted_at"],
            method=data["method"],
            summary=data["summary"],
            made_contact=data["made_contact"] == "yes",
        )
        return "The contact has been recorded."

    return _victim_form_page(
        request,
        case_uuid,
        person_uuid,
        form_class=ContactForm,
        heading="Record contact",
        button="Save contact",
        handle=handle,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_victim_refer(request: HttpRequest, case_uuid, person_uuid) -> HttpResponse:
    def handle(case, person, form):
        data = form.cleaned_data
        referral = services.case_victim_refer(
            actor=request.user,
            case=case,
            person=person,
            service=data["service"],
            provider=data.get("provider", ""),
            reason=data["reason"],
        )
        return f"The referral to {referral.get_service_display().lower()} has been recorded."

    return _victim_form_page(
        request,
        case_uuid,
        person_uuid,
        form_class=ReferralForm,
        heading="Refer for support",
        button="Save referral",
        handle=handle,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_victim_referral(request: HttpRequest, case_uuid, person_uuid, referral_uuid):
    case, _person = _victim_page(request, case_uuid, person_uuid)
    referral = selectors.case_referral_get(
        viewer=request.viewer, case=case, referral_uuid=referral_uuid
    )
    if not rules.may_change_victim_record(request.viewer, referral):
        raise PermissionDenied("Only the organisation that made this referral can update it")

    def handle(case, person, form):
        services.case_victim_referral_update(
            actor=request.user,
            referral=referral,
            status=form.cleaned_data["status"],
            outcome=form.cleaned_data.get("outcome", ""),
        )
        return "The referral has been updated."

    return _victim_form_page(
        request,
        case_uuid,
        person_uuid,
        form_class=ReferralUpdateForm,
        heading=f"Update the referral to {referral.get_service_display().lower()}",
        button="Save",
        handle=handle,
        form_kwargs={"initial": {"status": referral.status, "outcome": referral.outcome}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_victim_statement(request: HttpRequest, case_uuid, person_uuid) -> HttpResponse:
    def handle(case, person, form):
        services.case_victim_statement(
            actor=request.user,
            case=case,
            person=person,
            text=form.cleaned_data["text"],
            reading=form.cleaned_data["reading"],
        )
        return "The impact statement has been recorded."

    return _victim_form_page(
        request,
        case_uuid,
        person_uuid,
        form_class=StatementForm,
        heading="Record an impact statement",
        button="Save statement",
        handle=handle,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_victim_statement_correct(request, case_uuid, person_uuid, statement_uuid):
    case, _person = _victim_page(request, case_uuid, person_uuid)
    statement = selectors.case_statement_get(
        viewer=request.viewer, case=case, statement_uuid=statement_uuid
    )
    if not rules.may_change_victim_record(request.viewer, statement):
        raise PermissionDenied("Only the organisation that recorded this statement can correct it")

    def handle(case, person, form):
        data = form.cleaned_data
        corrected = services.case_victim_statement_correct(
            actor=request.user,
            statement=statement,
            text=data["text"],
            reading=data["reading"],
            correction_note=data["correction_note"],
        )
        return f"Version {corrected.version} of the statement has been saved."

    return _victim_form_page(
        request,
        case_uuid,
        person_uuid,
        form_class=StatementCorrectForm,
        heading="Correct the impact statement",
        button="Save as a new version",
        handle=handle,
        form_kwargs={"initial": {"text": statement.text, "reading": statement.reading}},
    )
