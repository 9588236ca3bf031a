"""The shares and ownership transfers API: sharing a case, revoking a share, proposing a
transfer, and the receiving organisation's list, view and decision.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from asb_cases import selectors, services
from asb_cases.api._common import Verb, _path_uuid
from asb_cases.api.cases import (
    CASE_EXAMPLE,
    CaseActionView,
    ShareSerializer,
    TransferSerializer,
    _case_worker,
)
from asb_cases.models import CaseShare
from partners.api.base import PartnerAPIView, StrictSerializer, validated


def _partner(viewer, slug: str, field: str):
    organisation = selectors.partner_organisations_for(viewer=viewer).filter(slug=slug).first()
    if organisation is None:
        raise exceptions.ValidationError({field: ["Not another active partner organisation"]})
    return organisation


class ShareInputSerializer(StrictSerializer):
    organisation = serializers.SlugField(max_length=60, help_text="The partner's slug")
    access_level = serializers.ChoiceField(choices=CaseShare.AccessLevel.choices)
    purpose = serializers.CharField(max_length=2000)
    legal_basis = serializers.ChoiceField(choices=CaseShare.LegalBasis.choices)
    include_people = serializers.BooleanField(
        default=True,
        help_text="Whether the partner sees the records of the people on the case, as each of "
        "them agreed (false: the case only, and a signpost of each person)",
    )


SHARE_EXAMPLE = {
    "uuid": "5d2c7b9a-6e1f-4a3b-8c7d-9e0f1a2b3c4d",
    "organisation": "durham-constabulary",
    "access_level": "view",
    "include_people": True,
    "purpose": "Joint working on the problem",
    "legal_basis": "cda_1998_s115",
    "shared_at": "2026-11-22T10:30:00Z",
    "revoked_at": None,
    "revoke_reason": "",
}


class CaseShareView(CaseActionView):
    required_permissions = {"POST": ["asb_cases.share_case"]}
    audit_verbs = {"POST": Verb.SHARED}

    @extend_schema(
        operation_id="cases_shares_create",
        tags=["shares"],
        summary="Share a case your organisation leads with a partner",
        parameters=[_path_uuid("case_uuid", "case")],
        request=ShareInputSerializer,
        responses={201: ShareSerializer},
        examples=[
            OpenApiExample(
                "With the police",
                value={
                    "organisation": "durham-constabulary",
                    "access_level": "view",
                    "purpose": "Joint working on the problem",
                    "legal_basis": "cda_1998_s115",
                },
                request_only=True,
            ),
            OpenApiExample("Shared", value=SHARE_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request, case_uuid: str):
        case = self.case(request, case_uuid)
        data = validated(ShareInputSerializer, request.data)
        share = services.case_share_with_partner(
            actor=request.user,
            case=case,
            organisation=_partner(self.viewer, data["organisation"], "organisation"),
            access_level=data["access_level"],
            purpose=data["purpose"],
            legal_basis=data["legal_basis"],
            include_people=data["include_people"],
        )
        return Response(ShareSerializer(share).data, status=201)


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CaseShareRevokeView(CaseActionView):
    required_permissions = {"POST": ["asb_cases.share_case"]}
    audit_verbs = {"POST": Verb.REVOKED}

    @extend_schema(
        operation_id="cases_shares_revoke",
        tags=["shares"],
        summary="Stop sharing a case with a partner (at once)",
        parameters=[_path_uuid("case_uuid", "case"), _path_uuid("share_uuid", "share")],
        request=ReasonSerializer,
        responses={200: ShareSerializer},
        examples=[
            OpenApiExample("Revoke", value={"reason": "No longer needed"}, request_only=True),
            OpenApiExample(
                "Revoked",
                value={
                    **SHARE_EXAMPLE,
                    "revoked_at": "2026-11-23T09:00:00Z",
                    "revoke_reason": "No longer needed",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, case_uuid: str, share_uuid: str):
        case = self.case(request, case_uuid)
        share = selectors.case_share_get(case=case, share_uuid=share_uuid)
        data = validated(ReasonSerializer, request.data)
        share = services.case_share_revoke(actor=request.user, share=share, reason=data["reason"])
        return Response(ShareSerializer(share).data)


class TransferProposeSerializer(StrictSerializer):
    to_organisation = serializers.SlugField(max_length=60)
    reason = serializers.CharField(max_length=2000)


TRANSFER_EXAMPLE = {
    "uuid": "8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968",
    "case": CASE_EXAMPLE["uuid"],
    "case_reference": CASE_EXAMPLE["reference"],
    "from_organisation": "livin",
    "to_organisation": "durham-county-council",
    "reason": "The council's team is better placed",
    "status": "pending",
    "proposed_at": "2026-11-22T10:30:00Z",
    "decided_at": None,
    "decision_reason": "",
}


class CaseTransferProposeView(CaseActionView):
    required_permissions = {"POST": ["asb_cases.share_case"]}
    audit_verbs = {"POST": Verb.CHANGED}

    @extend_schema(
        operation_id="cases_transfers_create",
        tags=["transfers"],
        summary="Propose that another organisation lead the case",
        parameters=[_path_uuid("case_uuid", "case")],
        request=TransferProposeSerializer,
        responses={201: TransferSerializer},
        examples=[
            OpenApiExample(
                "To the council",
                value={
                    "to_organisation": "durham-county-council",
                    "reason": "The council's team is better placed",
                },
                request_only=True,
            ),
            OpenApiExample("Proposed", value=TRANSFER_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request, case_uuid: str):
        case = self.case(request, case_uuid)
        data = validated(TransferProposeSerializer, request.data)
        transfer = services.case_transfer_propose(
            actor=request.user,
            case=case,
            to_organisation=_partner(self.viewer, data["to_organisation"], "to_organisation"),
            reason=data["reason"],
        )
        transfer.case = case
        return Response(TransferSerializer(transfer).data, status=201)


class TransferListView(PartnerAPIView):
    required_permissions = {"GET": ["asb_cases.view_case"]}

    @extend_schema(
        operation_id="transfers_list",
        tags=["transfers"],
        summary="Transfers to your organisation awaiting an answer, oldest first",
        responses=TransferSerializer(many=True),
        examples=[OpenApiExample("Awaiting", value=[TRANSFER_EXAMPLE])],
    )
    def get(self, request):
        transfers = selectors.transfers_awaiting_viewer(viewer=self.viewer).select_related(
            "to_organisation"
        )
        return Response(TransferSerializer(transfers, many=True).data)


class TransferDetailView(PartnerAPIView):
    required_permissions = {"GET": ["asb_cases.view_case"]}

    @extend_schema(
        operation_id="transfers_retrieve",
        tags=["transfers"],
        summary="A transfer your organisation proposed or was asked to accept",
        parameters=[_path_uuid("transfer_uuid", "transfer")],
        responses=TransferSerializer,
        examples=[OpenApiExample("A transfer", value=TRANSFER_EXAMPLE)],
    )
    def get(self, request, transfer_uuid: str):
        transfer = selectors.transfer_get_for_viewer(
            viewer=self.viewer, transfer_uuid=transfer_uuid
        )
        self.audit_target = transfer.case
        return Response(TransferSerializer(transfer).data)


class TransferAcceptSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    lead_officer = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=150,
        help_text="Username of the officer of your organisation who will lead it",
    )


class TransferDeclineSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000)


class TransferDecisionView(PartnerAPIView):
    """Accepting or declining needs a client with the supervisor role in the receiving
    organisation (403 otherwise)."""

    required_permissions = {"POST": ["asb_cases.decide_transfer"]}
    audit_verbs = {"POST": Verb.CHANGED}
    accept = True

    def post(self, request, transfer_uuid: str):
        transfer = selectors.transfer_get_for_viewer(
            viewer=self.viewer, transfer_uuid=transfer_uuid
        )
        self.audit_target = transfer.case
        if self.accept:
            data = validated(TransferAcceptSerializer, request.data)
            errors: dict[str, list[str]] = {}
            officer = _case_worker(request.user, data["lead_officer"], errors)
            if errors:
                raise exceptions.ValidationError(errors)
            services.case_transfer_accept(
                actor=request.user, transfer=transfer, lead_officer=officer, reason=data["reason"]
            )
        else:
            data = validated(TransferDeclineSerializer, request.data)
            services.case_transfer_decline(
                actor=request.user, transfer=transfer, reason=data["reason"]
            )
        transfer = selectors.transfer_get_for_viewer(
            viewer=self.viewer, transfer_uuid=transfer.uuid
        )
        return Response(TransferSerializer(transfer).data)


class TransferAcceptView(TransferDecisionView):
    accept = True

    @extend_schema(
        operation_id="transfers_accept",
        tags=["transfers"],
        summary="Take the lead of a case transferred to your organisation",
        parameters=[_path_uuid("transfer_uuid", "transfer")],
        request=TransferAcceptSerializer,
        responses={200: TransferSerializer},
        examples=[
            OpenApiExample("Accept", value={"reason": "We will take it"}, request_only=True),
            OpenApiExample(
                "Accepted",
                value={**TRANSFER_EXAMPLE, "status": "accepted"},
                response_only=True,
            ),
        ],
    )
    def post(self, request, transfer_uuid: str):
        return super().post(request, transfer_uuid)


class TransferDeclineView(TransferDecisionView):
    accept = False

    @extend_schema(
        operation_id="transfers_decline",
        tags=["transfers"],
        summary="Decline a case transferred to your organisation",
        parameters=[_path_uuid("transfer_uuid", "transfer")],
        request=TransferDeclineSerializer,
        responses={200: TransferSerializer},
        examples=[
            OpenApiExample("Decline", value={"reason": "Not ours"}, request_only=True),
            OpenApiExample(
                "Declined",
                value={**TRANSFER_EXAMPLE, "status": "declined", "decision_reason": "Not ours"},
                response_only=True,
            ),
        ],
    )
    def post(self, request, transfer_uuid: str):
        return super().post(request, transfer_uuid)
