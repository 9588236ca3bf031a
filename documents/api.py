"""The documents API: the evidence and letters on a case a client's organisation may see, and
the file itself, through the same access rule and checks as the pages (ADR 0019)."""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import FileResponse
from django.http.multipartparser import MultiPartParserError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.exceptions import APIException
from rest_framework.parsers import DataAndFiles, MultiPartParser
from rest_framework.response import Response

from access import rules
from asb_cases import selectors as case_selectors
from community_trigger import selectors as review_selectors
from documents import selectors, services, uploads
from documents.forms import DocumentUploadForm
from documents.models import Document
from partners.api.base import PartnerAPIView


def _path_uuid(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=f"The {what}'s id"
    )


class DocumentSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    file_name = serializers.CharField()
    content_type = serializers.CharField(help_text="As sniffed from the file's content")
    size = serializers.IntegerField(help_text="Bytes")
    sha256 = serializers.CharField()
    visibility = serializers.ChoiceField(choices=Document.Visibility.choices)
    organisation = serializers.SlugField(help_text="Who added it")
    scan_status = serializers.ChoiceField(choices=Document.ScanStatus.choices)
    downloadable = serializers.BooleanField(help_text="False until the virus scan clears it")
    created_at = serializers.DateTimeField()

    def to_representation(self, document: Document) -> dict:
        return {
            "uuid": str(document.uuid),
            "kind": document.kind,
            "title": document.title,
            "description": document.description,
            "file_name": document.file_name,
            "content_type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
            "visibility": document.visibility,
            "organisation": document.organisation.slug,
            "scan_status": document.scan_status,
            "downloadable": document.released,
            "created_at": document.created_at.isoformat().replace("+00:00", "Z"),
        }


DOCUMENT_EXAMPLE = {
    "uuid": "0b7d2f4e-3c55-4d57-9a0e-2f1b8f1c6a10",
    "kind": "evidence",
    "title": "Noise diary, March",
    "description": "",
    "file_name": "diary.pdf",
    "content_type": "application/pdf",
    "size": 48213,
    "sha256": "9f2c5e0c4d1b7a3e8f6d2c1b0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e",
    "visibility": "all_agencies",
    "organisation": "livin",
    "scan_status": "clean",
    "downloadable": True,
    "created_at": "2026-11-22T10:30:00Z",
}


# Uploads --------------------------------------------------------------------------------------


class DocumentUploadSerializer(serializers.Serializer):
    # The upload's fields, for the schema only: the page's form (DocumentUploadForm) checks
    # them, with the page's messages.

    file = serializers.FileField(
        help_text=f"The file: {uploads.ALLOWED_DESCRIPTION}, its type sniffed from its content. "
        "Its name (as sent in the part's filename) is given back on download and must not "
        "contain / or \\, a control character or start with a full stop."
    )
    title = serializers.CharField(max_length=200, help_text="e.g. ‘Noise diary, March’")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(
        choices=Document.Visibility.choices,
        help_text="all_agencies: everyone who can see the record; my_organisation: yours only",
    )


UNREADABLE = (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class DocumentMultiPartParser(MultiPartParser):
    """multipart/form-data read as the upload page reads it: streamed past the size limit
    (documents.uploads.SizeLimitUploadHandler, put in place by the view before the body is
    read) into a temporary file, with each file's name kept as sent."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]._request  # Django's, which holds the handlers
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            parser = uploads.NameKeepingMultiPartParser(
                request, meta, stream, request.upload_handlers, request.encoding or "utf-8"
            )
            data, files = parser.parse()
        except UNREADABLE as exc:
            raise exceptions.ParseError(f"The multipart body could not be read: {exc}") from None
        return DataAndFiles(data, files)


UPLOAD_FIELDS = frozenset(DocumentUploadForm.base_fields)


class DocumentUploadView(PartnerAPIView):
    """Upload evidence onto a record (POST, multipart/form-data), and list the documents on it
    the client's organisation may see (GET). The record is fetched through its viewer-scoped
    selector (404), then `access.rules.may_add_document` decides, as on the page (403), before
    the body is read; the page's form checks the fields and the page's service keeps the file.
    """

    parser_classes = [DocumentMultiPartParser]

    def record(self, uuid: str):  # pragma: no cover - each view says
        raise NotImplementedError

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            # Before anything reads the body (an Idempotency-Key's fingerprint does, in initial).
            uploads.install_size_limit(request._request)
        super().initial(request, *args, **kwargs)

    def idempotency_body(self, request) -> str:
        """The fields as sent, and each file by its name as sent, size and SHA-256 (hashed as
        it streamed in): never the bytes themselves (docs/adr/0015-idempotency-keys.md)."""
        django_request = request._request
        names = getattr(django_request, "upload_names_sent", {})
        digests = getattr(django_request, "upload_digests", {})
        fields = {name: request.POST.getlist(name) for name in sorted(request.POST)}
        files = {
            name: [
                {
                    "name": names.get(name, upload.name),
                    "size": upload.size,
                    "sha256": digests.get(name),
                }
                for upload in request.FILES.getlist(name)
            ]
            for name in sorted(request.FILES)
        }
        return json.dumps({"fields": fields, "files": files}, sort_keys=True, default=str)

    def list(self, uuid: str) -> Response:
        record = self.record(uuid)
        self.audit_target = record
        documents = selectors.documents_on(viewer=self.viewer, record=record)
        return Response(DocumentSerializer(documents, many=True).data)

    def upload(self, request, uuid: str) -> Response:
        record = self.record(uuid)
        self.audit_target = record
        if not rules.may_add_document(self.viewer, record):
            raise exceptions.PermissionDenied("Your organisation may not add documents here.")
        unknown = (set(request.POST) | set(request.FILES)) - UPLOAD_FIELDS
        unknown |= set(request.FILES) - {"file"}
        errors = {
            str(name): ["This field is not part of the API: remove it."] for name in sorted(unknown)
        }
        form = DocumentUploadForm(
            request.POST,
            request.FILES,
            names_sent=getattr(request._request, "upload_names_sent", None),
        )
        if not form.is_valid() or errors:
            errors.update(
                {
                    "non_field_errors" if name == "__all__" else name: list(messages)
                    for name, messages in form.errors.items()
                }
            )
            raise exceptions.ValidationError(dict(sorted(errors.items())))
        document = services.document_upload(
            actor=request.user,
            record=record,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            visibility=form.cleaned_data["visibility"],
        )
        self.audit_detail["document"] = str(document.uuid)
        return Response(DocumentSerializer(document).data, status=201)


def _upload_schema(operation_id: str, what: str, path_name: str):
    return extend_schema(
        operation_id=operation_id,
        tags=["documents"],
        summary=f"Add evidence to {what}",
        description=(
            "multipart/form-data with `file`, `title`, `visibility` and optionally "
            "`description`, as the service's upload page takes them, with the same checks "
            f"and the same size limit ({uploads.size_label(uploads.max_bytes())}). The file "
            "is streamed, never held whole. Where a virus scanner is configured the document "
            "is `pending` (not downloadable) until the scan clears it: read `scan_status`. "
            "Send an Idempotency-Key to retry safely: a retry must carry the same fields and "
            "the same file (compared by name, size and SHA-256)."
        ),
        parameters=[_path_uuid(path_name, what.split()[-1])],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        examples=[
            OpenApiExample(
                "A noise diary",
                value={
                    "file": "(the file's bytes: diary.pdf)",
                    "title": "Noise diary, March",
                    "description": "",
                    "visibility": "all_agencies",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Added",
                value={**DOCUMENT_EXAMPLE, "scan_status": "pending", "downloadable": False},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )


def _list_schema(operation_id: str, what: str, path_name: str):
    return extend_schema(
        operation_id=operation_id,
        tags=["documents"],
        summary=f"The evidence on {what} that your organisation may see",
        parameters=[_path_uuid(path_name, what.split()[-1])],
        responses={200: DocumentSerializer(many=True)},
        examples=[OpenApiExample("A noise diary", value=[DOCUMENT_EXAMPLE], response_only=True)],
    )


class CaseDocumentListView(DocumentUploadView):
    required_permissions = {
        "GET": ["asb_cases.view_case"],
        "POST": ["asb_cases.contribute_case"],
    }

    def record(self, uuid: str):
        return case_selectors.case_get_for_viewer(viewer=self.viewer, case_uuid=uuid)

    @extend_schema(
        operation_id="cases_documents_list",
        tags=["documents"],
        summary="The evidence and letters on a case that your organisation may see",
        parameters=[_path_uuid("case_uuid", "case")],
        responses={200: DocumentSerializer(many=True)},
        examples=[
            OpenApiExample(
                "A noise diary",
                value=[
                    {
                        "uuid": "0b7d2f4e-3c55-4d57-9a0e-2f1b8f1c6a10",
                        "kind": "evidence",
                        "title": "Noise diary, March",
                        "description": "",
                        "file_name": "diary.pdf",
                        "content_type": "application/pdf",
                        "size": 48213,
                        "sha256": "9f2c5e0c4d1b7a3e8f6d2c1b0a9e8d7c"
                        "6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e",
                        "visibility": "all_agencies",
                        "organisation": "livin",
                        "scan_status": "clean",
                        "downloadable": True,
                        "created_at": "2026-11-22T10:30:00Z",
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request, case_uuid: str):
        return self.list(case_uuid)

    @_upload_schema("cases_documents_create", "a case", "case_uuid")
    def post(self, request, case_uuid: str):
        return self.upload(request, case_uuid)


class IncidentDocumentView(DocumentUploadView):
    # Who may add to an incident (its organisation, or a contributor to a case it is on) is
    # access.rules.may_add_document's to say, after the role may see incidents at all.
    required_permissions = {
        "GET": ["asb_cases.view_incident"],
        "POST": ["asb_cases.view_incident"],
    }

    def record(self, uuid: str):
        return case_selectors.incident_get_for_viewer(viewer=self.viewer, incident_uuid=uuid)

    @_list_schema("incidents_documents_list", "an incident", "incident_uuid")
    def get(self, request, incident_uuid: str):
        return self.list(incident_uuid)

    @_upload_schema("incidents_documents_create", "an incident", "incident_uuid")
    def post(self, request, incident_uuid: str):
        return self.upload(request, incident_uuid)


class ApplicationDocumentView(DocumentUploadView):
    required_permissions = {
        "GET": ["community_trigger.view_application"],
        "POST": ["community_trigger.view_application", "asb_cases.contribute_case"],
    }

    def record(self, uuid: str):
        return review_selectors.application_get_for_viewer(
            viewer=self.viewer, application_uuid=uuid
        )

    @_list_schema("case_reviews_documents_list", "a Case Review application", "application_uuid")
    def get(self, request, application_uuid: str):
        return self.list(application_uuid)

    @_upload_schema(
        "case_reviews_documents_create", "a Case Review application", "application_uuid"
    )
    def post(self, request, application_uuid: str):
        return self.upload(request, application_uuid)


class StillScanning(APIException):
    status_code = 409
    default_code = "still_scanning"
    default_detail = "The file has not been cleared by the virus scan"


class DocumentContentView(PartnerAPIView):
    required_permissions = {"GET": ["asb_cases.view_case"]}

    @extend_schema(
        operation_id="documents_content",
        tags=["documents"],
        summary="Download a document (an attachment, with the type sniffed from its content)",
        parameters=[_path_uuid("document_uuid", "document")],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(description="Still being checked for viruses, or infected"),
        },
    )
    def get(self, request, document_uuid: str):
        document = selectors.document_get_for_viewer(
            viewer=self.viewer, document_uuid=document_uuid
        )
        self.audit_target = document
        if not document.released:
            raise StillScanning()
        services.document_downloaded(actor=request.user, document=document)
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.file_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
