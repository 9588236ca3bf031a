"""The documents API: the evidence and letters on a case a client's organisation may see, and
the file itself, through the same access rule and checks as the pages (ADR 0019)."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from asb_cases import selectors as case_selectors
from documents import selectors, services
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


class CaseDocumentListView(PartnerAPIView):
    required_permissions = {"GET": ["asb_cases.view_case"]}

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
        case = case_selectors.case_get_for_viewer(viewer=self.viewer, case_uuid=case_uuid)
        self.audit_target = case
        documents = selectors.documents_on(viewer=self.viewer, record=case)
        return Response(DocumentSerializer(documents, many=True).data)


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
