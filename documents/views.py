"""Pages for evidence: upload onto a case, an incident or a Case Review application, and the
one way a file ever leaves the service, the access-checked download. Thin: parse input, call
a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from access import rules
from asb_cases import selectors as case_selectors
from asb_cases.models import Case, Incident
from community_trigger import selectors as review_selectors
from documents import letters, selectors, services, uploads
from documents.forms import DocumentUploadForm, LetterForm, LetterKindForm, LetterTemplateForm
from documents.models import Document, LetterKind
from partners.audit import audit_viewed
from partners.views import _add_errors


def _record_page(record) -> tuple[str, str, str]:
    """Where a record's page is, what to call it, and its caption."""
    if isinstance(record, Case):
        return f"/cases/{record.uuid}/", record.reference, f"{record.reference} · {record.title}"
    if isinstance(record, Incident):
        reported = timezone.localtime(record.reported_at)
        return (
            f"/incidents/{record.uuid}/",
            "the incident",
            f"Incident reported {reported:%-d %b %Y}",
        )
    return f"/case-reviews/{record.uuid}/", record.reference, f"Case Review {record.reference}"


def _upload_page(request: HttpRequest, record) -> HttpResponse:
    if not rules.may_add_document(request.viewer, record):
        raise PermissionDenied("Cannot add documents here")
    back, back_label, caption = _record_page(record)
    form = DocumentUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        names_sent=getattr(request, "upload_names_sent", None),
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_upload(
                actor=request.user,
                record=record,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                visibility=form.cleaned_data["visibility"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if document.released:
                messages.success(request, f"‘{document.title}’ has been added.")
            else:
                messages.success(
                    request,
                    f"‘{document.title}’ has been added. It is being checked for viruses and "
                    "can be downloaded once the check is done.",
                )
            return redirect(f"{back}#documents")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "documents/upload.html",
        {"form": form, "back": back, "back_label": back_label, "caption": caption},
        status=status,
    )


def _upload_view(fetch):
    """An upload page for the record `fetch(request, uuid)` finds. The size limit goes in
    front of the upload handlers before the body is read, so CSRF is checked after it."""

    @csrf_exempt
    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, record_uuid) -> HttpResponse:
        uploads.install_size_limit(request)
        return csrf_protect(lambda req: _upload_page(req, fetch(req, record_uuid)))(request)

    return view


case_document_add = _upload_view(
    lambda request, uuid: case_selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=uuid)
)
incident_document_add = _upload_view(
    lambda request, uuid: case_selectors.incident_get_for_viewer(
        viewer=request.viewer, incident_uuid=uuid
    )
)
application_document_add = _upload_view(
    lambda request, uuid: review_selectors.application_get_for_viewer(
        viewer=request.viewer, application_uuid=uuid
    )
)


@login_required
@require_GET
def document_download(request: HttpRequest, document_uuid) -> HttpResponse:
    """The file, as an attachment, to those who may see it (404 for anyone else); a file not
    yet cleared by the virus scan is not sent."""
    document = selectors.document_get_for_viewer(viewer=request.viewer, document_uuid=document_uuid)
    if not document.released:
        back, back_label, _ = _record_page(document.attached_to)
        return render(
            request,
            "documents/held.html",
            {"document": document, "back": back, "back_label": back_label},
            status=409,
        )
    services.document_downloaded(actor=request.user, document=document)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# Letters --------------------------------------------------------------------------------------


def _case_for_letters(request: HttpRequest, case_uuid) -> Case:
    case = case_selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=case_uuid)
    if not rules.CaseAccess.of(request.viewer, case).allows(rules.CONTRIBUTE):
        raise PermissionDenied("Cannot write letters on this case")
    return case


@login_required
@require_http_methods(["GET", "POST"])
def letter_choose(request: HttpRequest, case_uuid) -> HttpResponse:
    case = _case_for_letters(request, case_uuid)
    form = LetterKindForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return redirect("documents:letter_new", case_uuid=case.uuid, kind=form.cleaned_data["kind"])
    return render(
        request,
        "documents/letter_choose.html",
        {"case": case, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def letter_new(request: HttpRequest, case_uuid, kind: str) -> HttpResponse:
    case = _case_for_letters(request, case_uuid)
    if kind not in LetterKind.values:
        raise Http404("No such kind of letter")
    template = selectors.letter_template_current(viewer=request.viewer, kind=kind)
    recipients = selectors.letter_recipients(viewer=request.viewer, case=case, kind=kind)
    fields = letters.FIELDS_FOR[kind]
    form = LetterForm(
        request.POST if request.method == "POST" else None,
        kind=kind,
        fields=fields,
        recipients=[(str(pk), view.name) for pk, view in recipients.items()],
    )
    if "recipient" in fields:
        # A letter to a person stays with the writer's organisation (docs/adr/0020-letters.md).
        del form.fields["visibility"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.letter_create(
                actor=request.user,
                case=case,
                kind=kind,
                recipient_id=int(data["recipient"]) if data.get("recipient") else None,
                fields=data,
                visibility=data.get("visibility", Document.Visibility.MY_ORGANISATION),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"The {LetterKind(kind).label.lower()} has been added.")
            return redirect(f"/cases/{case.uuid}/#documents")
    return render(
        request,
        "documents/letter_form.html",
        {
            "case": case,
            "form": form,
            "kind": LetterKind(kind),
            "template": template,
            "no_recipients": "recipient" in fields and not recipients,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def letter_templates(request: HttpRequest) -> HttpResponse:
    if not request.viewer.is_member or not request.viewer.may("asb_cases.view_case"):
        raise PermissionDenied("Letter templates are for case workers")
    return render(
        request,
        "documents/letter_templates.html",
        {
            "templates": selectors.letter_templates_current(viewer=request.viewer),
            "may_publish": services.may_publish_letter_templates(request.viewer),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def letter_template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in LetterKind.values:
        raise Http404("No such kind of letter")
    if not services.may_publish_letter_templates(request.viewer):
        raise PermissionDenied("Only supervisors and administrators change letter templates")
    current = selectors.letter_template_current(viewer=request.viewer, kind=kind)
    form = LetterTemplateForm(
        request.POST if request.method == "POST" else None,
        initial={"subject": current.subject, "body": current.body},
    )
    if request.method == "POST" and form.is_valid():
        try:
            template = services.letter_template_publish(
                actor=request.user,
                kind=kind,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"Version {template.version} of the {template.get_kind_display().lower()} "
                "is now used for new letters.",
            )
            return redirect("documents:letter_templates")
    return render(
        request,
        "documents/letter_template_form.html",
        {
            "form": form,
            "kind": LetterKind(kind),
            "current": current,
            "history": selectors.letter_template_history(viewer=request.viewer, kind=kind),
            "placeholders": letters.PLACEHOLDERS,
        },
        status=400 if request.method == "POST" else 200,
    )


# Printable case summary -----------------------------------------------------------------------


@login_required
@require_GET
def case_summary(request: HttpRequest, case_uuid) -> HttpResponse:
    """The case on one page for printing: what the viewer may see of it, with notes kept to
    their own organisation left out of the print unless they choose to include them."""
    case = case_selectors.case_get_for_viewer(viewer=request.viewer, case_uuid=case_uuid)
    record = case_selectors.case_record_for_viewer(viewer=request.viewer, case=case)
    with_own_notes = request.GET.get("own_notes") == "yes"
    notes = [
        {**entry, "own": entry["item"].visibility == "my_organisation"}
        for entry in record.timeline
        if entry["kind"] == "note"
    ]
    audit_viewed(
        actor=request.user,
        action="case_summary_view",
        target=case,
        detail={"own_notes": with_own_notes},
    )
    return render(
        request,
        "documents/case_summary.html",
        {
            "case": case,
            "record": record,
            "notes": notes,
            "with_own_notes": with_own_notes,
            "documents": selectors.documents_on(
                viewer=request.viewer, record=case, access=record.access
            ),
            "printed_at": timezone.now(),
        },
    )
