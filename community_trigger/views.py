"""Pages for the ASB Case Review: the public's (apply, follow progress, add a statement, appeal,
the published figures) and the partnership's (the ASB Champion's pipeline, decisions, meetings,
recommendations, appeals, alerts and policies)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import redaction
from asb_cases import selectors as case_selectors
from community_trigger import public_apply, selectors, services
from community_trigger.forms import (
    AppealDecideForm,
    ClosureNoticeForm,
    ConfirmMatchForm,
    ConsultForm,
    ContactOfficerForm,
    DiscretionForm,
    ExplainForm,
    LookupForm,
    MeetingForm,
    MinutesForm,
    PolicyForm,
    PublicAppealForm,
    PublicStatementForm,
    RecommendationForm,
    RecommendationUpdateForm,
    SaveForm,
    StaffApplicationForm,
    TellApplicantForm,
    VerifyForm,
)
from community_trigger.models import Stage, ThresholdDecision
from community_trigger.public_apply import SubmitForm
from partners.audit import audit_viewed
from partners.models import AuditEvent, LocalAuthority
from partners.throttle import allow
from partners.views import _add_errors
from victims import selectors as victim_selectors

Verb = AuditEvent.Verb
LAST_REFERENCE = "case_review_reference"


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _url(application) -> str:
    return f"/case-reviews/{application.uuid}/"


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "community_trigger/public/too_many.html", status=429)


def _submit(request: HttpRequest, form, actor) -> object:
    data = form.cleaned_data
    return services.application_submit(
        actor=actor,
        applicant_name=data["applicant_name"],
        applicant_email=data.get("applicant_email", ""),
        applicant_phone=data.get("applicant_phone", ""),
        applicant_address=data.get("applicant_address", ""),
        relationship=data["relationship"],
        victim_consents=bool(data.get("victim_consents")),
        victim_given_name=data["victim_given_name"],
        victim_family_name=data["victim_family_name"],
        victim_date_of_birth=data.get("victim_date_of_birth"),
        problem_type=data["problem_type"],
        problem_address=data.get("problem_address", ""),
        problem_postcode=data["problem_postcode"],
        local_authority=data.get("local_authority"),
        description=data["description"],
        hate_motivated=data["hate_motivated"] == "yes",
        agencies_told=data.get("agencies_told") or [],
        lead_case=data.get("lead_case"),
        impact_statement=data.get("impact_statement", ""),
        reading=data.get("reading", ""),
        channel=data.get("channel", ""),
    )


# The public ---------------------------------------------------------------------------------


@require_GET
def guidance(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community_trigger/public/guidance.html",
        {"policies": selectors.policies_current()},
    )


DRAFT = "case_review_draft"


def _draft(request: HttpRequest):
    """The applicant's application in progress, from their session (or None)."""
    draft_uuid = request.session.get(DRAFT)
    if not draft_uuid:
        return None
    draft = selectors.draft_in_progress(draft_uuid)
    if draft is None:
        request.session.pop(DRAFT, None)
    return draft


def _go_on(answers: dict, after: str | None = None) -> HttpResponse:
    following = public_apply.next_step(answers, after=after)
    if following is None:
        return redirect("community_trigger:apply_check")
    return redirect("community_trigger:apply_step", step=following.slug)


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """The start page: what applying involves; "Start now" begins a new application (or goes
    on with the one in progress)."""
    draft = _draft(request)
    if request.method == "POST":
        if draft is None:
            draft = services.draft_create()
            request.session[DRAFT] = str(draft.uuid)
        return _go_on(draft.answers)
    return render(request, "community_trigger/public/apply/start.html", {"draft": draft})


@require_http_methods(["GET", "POST"])
def apply_step(request: HttpRequest, step: str) -> HttpResponse:
    """One question page. "Save and come back later" keeps what is valid on the page (nothing
    already saved is lost) and goes to the page that e-mails a link."""
    draft = _draft(request)
    if draft is None:
        return redirect("community_trigger:apply")
    page = public_apply.BY_SLUG.get(step)
    answers = dict(draft.answers)
    if page is None or not page.applies_to(answers):
        raise Http404("No such question")
    form = public_apply.bound_form(page, answers, _post(request))
    changing = request.GET.get("change") == "1"
    if request.method == "POST":
        saving = "save" in request.POST
        if form.is_valid():
            answers.update(form.to_answers())
            services.draft_save(draft=draft, answers=public_apply.settle(answers))
            if saving:
                return redirect("community_trigger:apply_save")
            if changing and public_apply.next_step(answers) is None:
                return redirect("community_trigger:apply_check")
            return _go_on(answers, after=page.slug)
        if saving:
            return redirect("community_trigger:apply_save")
    previous = public_apply.previous_step(answers, page.slug)
    return render(
        request,
        page.template,
        {
            "form": form,
            "page": page,
            "heading": page.heading(answers),
            "answers": answers,
            "back": (
                reverse("community_trigger:apply_check")
                if changing
                else reverse("community_trigger:apply_step", kwargs={"step": previous.slug})
                if previous
                else reverse("community_trigger:apply")
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def apply_check(request: HttpRequest) -> HttpResponse:
    """Check your answers, then send the application."""
    draft = _draft(request)
    if draft is None:
        return redirect("community_trigger:apply")
    answers = dict(draft.answers)
    missing = public_apply.check_answers(answers)
    form = SubmitForm(_post(request))
    problems: list[tuple[str, str]] = []
    if request.method == "POST":
        if not allow(request, scope="case-review-apply", limit=10):
            return _too_many(request)
        if missing:
            problems = [
                (
                    reverse("community_trigger:apply_step", kwargs={"step": slug}),
                    f"Answer the question: {public_apply.BY_SLUG[slug].heading(answers)}",
                )
                for slug in missing
            ]
        elif form.is_valid():
            if form.cleaned_data.get("website"):
                return redirect("community_trigger:apply_done")  # a robot: say nothing
            try:
                application = services.application_submit(
                    actor=None, **public_apply.submission(answers)
                )
            except ValidationError as exc:
                problems = _problems_from(exc, answers)
            else:
                draft.submitted_as = application
                draft.save(update_fields=["submitted_as", "updated_at"])
                request.session.pop(DRAFT, None)
                request.session[LAST_REFERENCE] = application.reference
                return redirect("community_trigger:apply_done")
    elif missing and not any(public_apply.answered(s, answers) for s in public_apply.STEPS):
        return _go_on(answers)
    return render(
        request,
        "community_trigger/public/apply/check.html",
        {
            "rows": public_apply.summary(answers),
            "form": form,
            "problems": problems,
            "missing": missing,
        },
    )


def _problems_from(exc: ValidationError, answers: dict) -> list[tuple[str, str]]:
    """The service's objections, each linking to the page that asks the question, in page
    order."""
    order = [step.slug for step in public_apply.STEPS]
    found = []
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    for field, messages_ in errors.items():
        slug = public_apply.STEP_OF_FIELD.get(field, "")
        if field == "local_authority":
            slug = "area" if public_apply.area_unknown(answers) else "where"
        link = reverse("community_trigger:apply_step", kwargs={"step": slug}) if slug else ""
        for message in messages_:
            found.append((order.index(slug) if slug in order else len(order), link, message))
    return [(link, message) for _, link, message in sorted(found, key=lambda f: f[0])]


@require_http_methods(["GET", "POST"])
def apply_save(request: HttpRequest) -> HttpResponse:
    """Save the application and e-mail a link to come back to it."""
    draft = _draft(request)
    if draft is None:
        return redirect("community_trigger:apply")
    form = SaveForm(
        _post(request), initial={"email": draft.email or draft.answers.get("applicant_email")}
    )
    if request.method == "POST" and form.is_valid():
        if not allow(request, scope="case-review-save", limit=10):
            return _too_many(request)
        services.draft_request_link(draft=draft, email=form.cleaned_data["email"])
        request.session.pop(DRAFT, None)
        request.session["case_review_saved_to"] = form.cleaned_data["email"]
        return redirect("community_trigger:apply_saved")
    return render(request, "community_trigger/public/apply/save.html", {"form": form})


@require_GET
def apply_saved(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community_trigger/public/apply/saved.html",
        {"email": request.session.get("case_review_saved_to"), "days": services.RESUME_LINK_DAYS},
    )


@require_GET
def apply_resume(request: HttpRequest, token: str) -> HttpResponse:
    """A link e-mailed to come back: it works once, until it expires; otherwise a clear page."""
    if not allow(request, scope="case-review-resume", limit=30):
        return _too_many(request)
    try:
        draft = services.draft_resume(token=token)
    except services.ResumeRefused as refused:
        return render(
            request,
            "community_trigger/public/apply/link_refused.html",
            {"reason": refused.reason, "days": services.RESUME_LINK_DAYS},
            status=410 if refused.reason in ("expired", "used", "submitted") else 404,
        )
    request.session[DRAFT] = str(draft.uuid)
    return _go_on(draft.answers)


@require_GET
def apply_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community_trigger/public/apply_done.html",
        {"reference": request.session.get(LAST_REFERENCE)},
    )


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    form = LookupForm(_post(request))
    application = None
    not_found = False
    if request.method == "POST":
        if not allow(request, scope="case-review-status", limit=30):
            return _too_many(request)
        if form.is_valid():
            application = selectors.application_for_applicant(
                reference=form.cleaned_data["reference"], postcode=form.cleaned_data["postcode"]
            )
            not_found = application is None
    return render(
        request,
        "community_trigger/public/status.html",
        {
            "form": form,
            "application": application,
            "not_found": not_found,
            "progress": selectors.public_progress(application) if application else None,
            "contact": selectors.public_contact(application) if application else None,
            "closure": selectors.public_closure(application) if application else None,
        },
    )


@require_http_methods(["GET", "POST"])
def statement(request: HttpRequest) -> HttpResponse:
    form = PublicStatementForm(_post(request))
    if request.method == "POST":
        if not allow(request, scope="case-review-statement", limit=20):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            application = selectors.application_for_applicant(
                reference=data["reference"], postcode=data["postcode"]
            )
            if application is None:
                form.add_error(
                    "reference", "We could not find an application with that reference and postcode"
                )
            else:
                # It stays on the application: read at the review, never added to anyone's
                # records of the person.
                services.application_statement_add(
                    actor=None, application=application, text=data["text"], reading=data["reading"]
                )
                return render(request, "community_trigger/public/statement_done.html")
    return render(request, "community_trigger/public/statement.html", {"form": form})


@require_http_methods(["GET", "POST"])
def appeal(request: HttpRequest) -> HttpResponse:
    form = PublicAppealForm(_post(request))
    if request.method == "POST":
        if not allow(request, scope="case-review-appeal", limit=20):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            application = selectors.application_for_applicant(
                reference=data["reference"], postcode=data["postcode"]
            )
            if application is None:
                form.add_error(
                    "reference", "We could not find an application with that reference and postcode"
                )
            else:
                try:
                    services.appeal_lodge(
                        actor=None,
                        application=application,
                        grounds=data["grounds"],
                        details=data["details"],
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    return render(request, "community_trigger/public/appeal_done.html")
    return render(request, "community_trigger/public/appeal.html", {"form": form})


# The ASB Champion and partners ---------------------------------------------------------------


@login_required
@permission_required("community_trigger.view_application", raise_exception=True)
@require_GET
def pipeline(request: HttpRequest) -> HttpResponse:
    by_stage = selectors.pipeline(viewer=request.viewer)
    audit_viewed(
        actor=request.user,
        action="case_review_list",
        target_type="community_trigger.application",
        detail={"shown": [a.reference for stage in by_stage.values() for a in stage]},
    )
    return render(
        request,
        "community_trigger/pipeline.html",
        {
            "by_stage": [
                (stage, label, by_stage[stage])
                for stage, label in Stage.choices
                if stage
                in (Stage.RECEIVED, Stage.AWAITING_DISCRETION, Stage.REVIEW, Stage.MEETING_HELD)
            ],
            "closed": [a for stage in (Stage.NOT_MET, Stage.COMPLETED) for a in by_stage[stage]],
            "meetings": selectors.meetings_upcoming(viewer=request.viewer),
            "alerts": selectors.alerts_with_people(viewer=request.viewer, limit=10),
            "is_champion": request.viewer.is_champion,
            "clocks": {a.pk: selectors.clocks_for(a) for stage in by_stage.values() for a in stage},
        },
    )


@login_required
@permission_required("community_trigger.add_application", raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_apply(request: HttpRequest) -> HttpResponse:
    cases = case_selectors.case_list_for_viewer(viewer=request.viewer).exclude(status="closed")[
        :200
    ]
    form = StaffApplicationForm(
        _post(request),
        cases=case_selectors.case_list_for_viewer(viewer=request.viewer).filter(
            pk__in=[c.pk for c in cases]
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = _submit(request, form, actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"Application {application.reference} has been recorded. The threshold check "
                "runs now; the applicant can follow it with this reference.",
            )
            return redirect(_url(application))
    return render(request, "community_trigger/staff_apply.html", {"form": form})


@login_required
@require_GET
def application_detail(request: HttpRequest, application_uuid) -> HttpResponse:
    application = selectors.application_get_for_viewer(
        viewer=request.viewer, application_uuid=application_uuid
    )
    record = selectors.application_record_for_viewer(viewer=request.viewer, application=application)
    audit_viewed(actor=request.user, action="application_view", target=application)
    return render(
        request,
        "community_trigger/application_detail.html",
        {
            "application": application,
            "record": record,
            "clocks": selectors.clocks_for(application),
            "is_champion": request.viewer.is_champion,
        },
    )


def _champion_page(
    request,
    application_uuid,
    *,
    form_class,
    heading,
    button,
    handle,
    form_kwargs=None,
    template="community_trigger/form.html",
    context=None,
):
    application = selectors.application_get_for_viewer(
        viewer=request.viewer, application_uuid=application_uuid
    )
    if not request.viewer.is_champion:
        raise PermissionDenied("Only the ASB Champion can do this")
    kwargs = form_kwargs(application) if callable(form_kwargs) else (form_kwargs or {})
    form = form_class(_post(request), **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            message = handle(application, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(_url(application))
    extra = context(application) if callable(context) else (context or {})
    return render(
        request,
        template,
        {"application": application, "form": form, "heading": heading, "button": button, **extra},
    )


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, application_uuid) -> HttpResponse:
    def handle(application, data):
        decision = services.application_decide_discretion(
            actor=request.user,
            application=application,
            outcome=data["outcome"],
            route=data.get("route", ""),
            reasons=data["reasons"],
            caveats=data.get("caveats") or [],
            caveat_justification=data.get("caveat_justification", ""),
        )
        if decision.outcome == ThresholdDecision.Outcome.MET:
            return "The Case Review will go ahead. Arrange the meeting."
        return "The threshold is not met. The applicant will be told the reasons."

    return _champion_page(
        request,
        application_uuid,
        form_class=DiscretionForm,
        heading="Decide whether the Case Review goes ahead",
        button="Record decision",
        handle=handle,
        template="community_trigger/decide.html",
        form_kwargs=lambda application: {"policy": application.policy},
        context=lambda application: {
            "record": selectors.application_record_for_viewer(
                viewer=request.viewer, application=application
            )
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, application_uuid) -> HttpResponse:
    """The ASB Champion confirms who made an online application, and which person it is about:
    one the partnership already knows (shown as the Champion's organisation may see them), or a
    new record made from the application."""
    application = selectors.application_get_for_viewer(
        viewer=request.viewer, application_uuid=application_uuid
    )
    if not request.viewer.is_champion:
        raise PermissionDenied("Only the ASB Champion can verify an applicant")
    if application.is_verified:
        return redirect(_url(application))
    candidates = victim_selectors.person_candidates(
        viewer=request.viewer, query=selectors.victim_query(application)
    )
    form = VerifyForm(_post(request), candidates=candidates)
    if request.method == "GET":
        audit_viewed(
            actor=request.user,
            action="application_verify_view",
            target=application,
            detail={"candidates": [str(c.person.uuid) for c in candidates]},
        )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["person"]
        person = next((c.person for c in candidates if str(c.person.uuid) == chosen), None)
        try:
            services.application_verify(
                actor=request.user,
                application=application,
                person=person,
                new_person=chosen == "new",
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The applicant is verified. The threshold check runs now.")
            return redirect(_url(application))
    return render(
        request,
        "community_trigger/verify.html",
        {"application": application, "form": form, "candidates": candidates},
    )


@login_required
@require_http_methods(["GET", "POST"])
def confirm_match(request: HttpRequest, application_uuid) -> HttpResponse:
    """The ASB Champion settles an uncertain match between the applicant's details and a
    person the partnership knows: the threshold decision stands only once they have."""
    application = selectors.application_get_for_viewer(
        viewer=request.viewer, application_uuid=application_uuid
    )
    if not request.viewer.is_champion:
        raise PermissionDenied("Only the ASB Champion can confirm who an application is about")
    if not application.match_awaits_confirmation:
        return redirect(_url(application))
    candidates = victim_selectors.person_candidates(
        viewer=request.viewer, query=selectors.victim_query(application)
    )
    proposed = [c for c in candidates if c.person.pk == application.victim_id]
    candidates = proposed + [c for c in candidates if c.person.pk != application.victim_id]
    form = ConfirmMatchForm(
        _post(request),
        candidates=candidates,
        initial={"person": str(application.victim.uuid) if proposed else None},
    )
    if request.method == "GET":
        audit_viewed(
            actor=request.user,
            action="application_confirm_match_view",
            target=application,
            detail={"candidates": [str(c.person.uuid) for c in candidates]},
        )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["person"]
        person = next((c.person for c in candidates if str(c.person.uuid) == chosen), None)
        try:
            services.application_confirm_match(
                actor=request.user, application=application, person=person
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, "Recorded who the application is about. The threshold is checked again."
            )
            return redirect(_url(application))
    return render(
        request,
        "community_trigger/confirm_match.html",
        {"application": application, "form": form, "candidates": candidates},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest, application_uuid) -> HttpResponse:
    def handle(application, data):
        meeting = services.meeting_schedule(
            actor=request.user,
            application=application,
            scheduled_for=data["scheduled_for"],
            location=data["location"],
            invited=data["invited"],
            victim_participation=data["victim_participation"],
            chair=data.get("chair"),
            independent_chair_name=data.get("independent_chair_name", ""),
        )
        return (
            f"The meeting is arranged for "
            f"{timezone.localtime(meeting.scheduled_for):%-d %B %Y at %H:%M}; "
            "the invited agencies have been told."
        )

    return _champion_page(
        request,
        application_uuid,
        form_class=MeetingForm,
        heading="Arrange the review meeting",
        button="Arrange meeting",
        handle=handle,
        form_kwargs={"chairs": services.champions()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_minutes(request: HttpRequest, application_uuid, meeting_uuid) -> HttpResponse:
    def handle(application, data):
        meeting = selectors.meeting_get(
            viewer=request.viewer, application=application, meeting_uuid=meeting_uuid
        )
        services.meeting_record_held(
            actor=request.user,
            meeting=meeting,
            minutes=data["minutes"],
            held_at=data["held_at"],
        )
        return "The meeting is recorded as held. Add the recommendations."

    return _champion_page(
        request,
        application_uuid,
        form_class=MinutesForm,
        heading="Record the meeting",
        button="Save minutes",
        handle=handle,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_add(request: HttpRequest, application_uuid) -> HttpResponse:
    def handle(application, data):
        meeting = application.meetings.filter(status="held").order_by("-held_at").first()
        services.recommendation_add(
            actor=request.user,
            application=application,
            text=data["text"],
            lead_organisation=data["lead_organisation"],
            lead_person=data["lead_person"],
            due_on=data["due_on"],
            meeting=meeting,
        )
        return "The recommendation has been added to the action plan."

    return _champion_page(
        request,
        application_uuid,
        form_class=RecommendationForm,
        heading="Add a recommendation",
        button="Add recommendation",
        handle=handle,
    )


@login_required
@require_http_methods(["GET", "POST"])
def consult(request: HttpRequest, application_uuid) -> HttpResponse:
    def handle(application, data):
        services.plan_consult_victim(
            actor=request.user, application=application, comments=data["comments"]
        )
        return "The victim's views on the action plan have been recorded."

    return _champion_page(
        request,
        application_uuid,
        form_class=ConsultForm,
        heading="Consult the victim on the action plan",
        button="Save",
        handle=handle,
    )


@login_required
@require_http_methods(["GET", "POST"])
def tell_applicant(request: HttpRequest, application_uuid) -> HttpResponse:
    def handle(application, data):
        services.application_record_applicant_told(
            actor=request.user, application=application, how=data["how"]
        )
        return "Recorded that the applicant has been told."

    return _champion_page(
        request,
        application_uuid,
        form_class=TellApplicantForm,
        heading="Record that the applicant has been told",
        button="Save",
        handle=handle,
    )


@login_required
@require_POST
def outcome_send(request: HttpRequest, application_uuid) -> HttpResponse:
    application = selectors.application_get_for_viewer(
        viewer=request.viewer, application_uuid=application_uuid
    )
    try:
        services.outcome_send(actor=request.user, application=application)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The action plan is final and the outcome has been sent.")
    return redirect(_url(application))


@login_required
@require_GET
def letter(request: HttpRequest, application_uuid) -> HttpResponse:
    application = selectors.application_get_for_viewer(
        viewer=request.viewer, application_uuid=application_uuid
    )
    record = selectors.application_record_for_viewer(viewer=request.viewer, application=application)
    audit_viewed(actor=request.user, action="application_letter_view", target=application)
    return render(
        request, "community_trigger/letter.html", {"application": application, "record": record}
    )


@login_required
@require_GET
def agenda(request: HttpRequest, application_uuid) -> HttpResponse:
    """The pack for the meeting, built from the shared case record: what the user may see."""
    application = selectors.application_get_for_viewer(
        viewer=request.viewer, application_uuid=application_uuid
    )
    record = selectors.application_record_for_viewer(viewer=request.viewer, application=application)
    case_record = None
    if application.lead_case_id:
        try:
            case = case_selectors.case_get_for_viewer(
                viewer=request.viewer, case_uuid=application.lead_case.uuid
            )
        except Http404:  # the case is not shared with the user's organisation
            case = None
        if case is not None:
            case_record = case_selectors.case_record_for_viewer(viewer=request.viewer, case=case)
    audit_viewed(actor=request.user, action="agenda_view", target=application)
    return render(
        request,
        "community_trigger/agenda.html",
        {"application": application, "record": record, "case_record": case_record},
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_update(request: HttpRequest, recommendation_uuid) -> HttpResponse:
    recommendation = selectors.recommendation_get_for_viewer(
        viewer=request.viewer, recommendation_uuid=recommendation_uuid
    )
    form = RecommendationUpdateForm(
        _post(request),
        initial={"status": recommendation.status, "progress": recommendation.progress},
    )
    if request.method == "POST" and form.is_valid():
        services.recommendation_update(
            actor=request.user,
            recommendation=recommendation,
            status=form.cleaned_data["status"],
            progress=form.cleaned_data.get("progress", ""),
        )
        messages.success(request, "The recommendation has been updated.")
        return redirect(_url(recommendation.application))
    return render(
        request,
        "community_trigger/form.html",
        {
            "application": recommendation.application,
            "form": form,
            "button": "Save",
            "heading": "Update the recommendation",
            "intro": recommendation.text,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal_decide(request: HttpRequest, application_uuid, appeal_uuid) -> HttpResponse:
    def handle(application, data):
        appeal_ = selectors.appeal_get(application=application, appeal_uuid=appeal_uuid)
        services.appeal_decide(
            actor=request.user,
            appeal=appeal_,
            reviewer=data["reviewer"],
            reviewer_organisation=data.get("reviewer_organisation", ""),
            status=data["status"],
            outcome=data.get("outcome", ""),
        )
        return "The appeal has been updated."

    return _champion_page(
        request,
        application_uuid,
        form_class=AppealDecideForm,
        heading="The independent review of the appeal",
        button="Save",
        handle=handle,
    )


@login_required
@permission_required("community_trigger.view_application", raise_exception=True)
@require_GET
def recommendations(request: HttpRequest) -> HttpResponse:
    groups = selectors.recommendations_open_by_agency(viewer=request.viewer)
    audit_viewed(
        actor=request.user,
        action="recommendations_view",
        target_type="community_trigger.recommendation",
        detail={"shown": [str(r.uuid) for _, items in groups for r in items]},
    )
    return render(
        request,
        "community_trigger/recommendations.html",
        {"groups": groups, "today": timezone.localdate()},
    )


@login_required
@permission_required("community_trigger.view_sweepalert", raise_exception=True)
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community_trigger/alerts.html",
        {"alerts": selectors.alerts_with_people(viewer=request.viewer, limit=200)},
    )


@login_required
@permission_required("community_trigger.change_sweepalert", raise_exception=True)
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_get_for_viewer(viewer=request.viewer, alert_id=alert_id)
    services.alert_acknowledge(actor=request.user, alert=alert)
    messages.success(request, "The alert has been acknowledged.")
    return redirect("community_trigger:alerts")


@login_required
@permission_required("community_trigger.view_thresholdpolicy", raise_exception=True)
@require_GET
def policies(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community_trigger/policies.html",
        {
            "policies": selectors.policies_current(),
            "can_change": request.viewer.may("community_trigger.change_threshold_policy"),
        },
    )


@login_required
@permission_required("community_trigger.change_threshold_policy", raise_exception=True)
@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest, area_code: str) -> HttpResponse:
    area = LocalAuthority.objects.filter(code=area_code).first()
    current = next((p for p in selectors.policies_current() if p.local_authority == area), None)
    if area is None or current is None:
        raise Http404("No such area")
    fields = [name for name in PolicyForm.base_fields if name != "effective_from"]
    form = PolicyForm(
        _post(request),
        initial={name: getattr(current, name) for name in fields}
        | {"effective_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(
                actor=request.user, local_authority=area, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Version {policy.version} of {area}'s policy is saved.")
            return redirect("community_trigger:policies")
    return render(
        request,
        "community_trigger/policy_form.html",
        {
            "form": form,
            "area": area,
            "current": current,
            "history": selectors.policy_history(local_authority=area),
        },
    )


# The 2025 guidance ------------------------------------------------------------------------------


@login_required
@permission_required("asb_cases.view_incident", raise_exception=True)
@require_http_methods(["GET", "POST"])
def explain(request: HttpRequest, explanation_uuid) -> HttpResponse:
    """A victim's second report in six months: explain the ASB Case Review to them, and record
    that you did and how."""
    explanation = selectors.explanation_get_for_viewer(
        viewer=request.viewer, explanation_uuid=explanation_uuid
    )
    form = ExplainForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.explanation_record(
                actor=request.user,
                explanation=explanation,
                how=form.cleaned_data["how"],
                notes=form.cleaned_data.get("notes", ""),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Recorded that you explained the ASB Case Review.")
            return redirect("community_trigger:dashboard")
    person = redaction.person_view(request.viewer, explanation.person)
    return render(
        request,
        "community_trigger/explain.html",
        {"explanation": explanation, "form": form, "person": person},
    )


@login_required
@permission_required("community_trigger.view_application", raise_exception=True)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Second-report victims told about the Case Review within the contact standard, and
    applications by the way they were made."""
    since = timezone.localdate() - dt.timedelta(days=365)
    return render(
        request,
        "community_trigger/dashboard.html",
        {
            "shares": selectors.explained_shares(viewer=request.viewer, since=since),
            "since": since,
            "channels": selectors.applications_by_channel(viewer=request.viewer),
            "prompts": selectors.prompts_for(viewer=request.viewer, limit=50),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, application_uuid) -> HttpResponse:
    def handle(application, data):
        services.application_set_contact(
            actor=request.user, application=application, officer=data["officer"]
        )
        return "The victim's single point of contact is recorded."

    return _champion_page(
        request,
        application_uuid,
        form_class=ContactOfficerForm,
        heading="Name the victim's single point of contact",
        button="Save",
        handle=handle,
        form_kwargs=lambda application: {
            "officers": selectors.contact_candidates(viewer=request.viewer, application=application)
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def closure_notice(request: HttpRequest, application_uuid) -> HttpResponse:
    def handle(application, data):
        services.closure_notice_record(
            actor=request.user,
            application=application,
            reasons=data["reasons"],
            how=data["how"],
        )
        return "The closure notice is recorded."

    return _champion_page(
        request,
        application_uuid,
        form_class=ClosureNoticeForm,
        heading="Record the closure notice sent to the victim",
        button="Save",
        handle=handle,
    )
