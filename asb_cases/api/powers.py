"""The API for what the Crime and Policing Act 2026 tools need beyond an action: the
pre-application risk assessment, and breaches (offence referrals where breach is an offence).
The same services as the pages."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from asb_cases import selectors, services
from asb_cases.api._common import EARLIEST, _path_uuid
from asb_cases.api.cases import CaseActionView
from asb_cases.models import ActionBreach, PreApplicationRiskAssessment
from partners.api.base import StrictSerializer, iso, validated


class RiskInputSerializer(StrictSerializer):
    action_type = serializers.CharField(max_length=60, help_text="The order's code")
    subject = serializers.UUIDField(help_text="The person on the case it is against")
    harm_risk = serializers.CharField(max_length=5000, allow_blank=True)
    respondent_vulnerabilities = serializers.CharField(max_length=5000, allow_blank=True)
    alternatives_tried = serializers.CharField(max_length=5000, allow_blank=True)


class RiskSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    action_type = serializers.CharField()
    assessed_at = serializers.DateTimeField()

    def to_representation(self, assessment: PreApplicationRiskAssessment) -> dict:
        return {
            "uuid": str(assessment.uuid),
            "action_type": assessment.action_type.code,
            "assessed_at": iso(assessment.assessed_at),
        }


class CasePreApplicationRiskView(CaseActionView):
    required_permissions = {"POST": ["asb_cases.contribute_case"]}

    @extend_schema(
        operation_id="cases_pre_application_risks_create",
        tags=["cases"],
        summary="Record the risk assessment an application for an order must rest on",
        parameters=[_path_uuid("case_uuid", "case")],
        request=RiskInputSerializer,
        responses={201: RiskSerializer},
        examples=[
            OpenApiExample(
                "Before a Respect Order",
                value={
                    "action_type": "respect-order",
                    "subject": "5b0e8c1a-9d2f-4c3b-8e7a-1f2d3c4b5a69",
                    "harm_risk": "Repeated threats to neighbours on the landing.",
                    "respondent_vulnerabilities": "None known.",
                    "alternatives_tried": "Warning letter; acceptable behaviour agreement.",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Recorded",
                value={
                    "uuid": "0c9b1e2d-3f4a-4b5c-8d6e-7f8091a2b3c4",
                    "action_type": "respect-order",
                    "assessed_at": "2026-11-22T10:00:00Z",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, case_uuid: str):
        case = self.case(request, case_uuid)
        data = validated(RiskInputSerializer, request.data)
        errors: dict[str, list[str]] = {}
        action_type = selectors.action_types_active().filter(code=data["action_type"]).first()
        if action_type is None:
            errors["action_type"] = [f"{data['action_type']!r} is not a tool or power in use"]
        try:
            subject = selectors.case_person_get(
                viewer=self.viewer, case=case, person_uuid=data["subject"]
            )
        except Http404:
            errors["subject"] = ["No such person on this case"]
        if errors:
            raise exceptions.ValidationError(errors)
        assessment = services.case_add_pre_application_risk(
            actor=request.user,
            case=case,
            action_type=action_type,
            subject=subject,
            harm_risk=data["harm_risk"],
            respondent_vulnerabilities=data["respondent_vulnerabilities"],
            alternatives_tried=data["alternatives_tried"],
        )
        return Response(RiskSerializer(assessment).data, status=201)


class BreachInputSerializer(StrictSerializer):
    occurred_at = serializers.DateTimeField()
    details = serializers.CharField(max_length=5000, allow_blank=True)
    referred_to = serializers.CharField(max_length=200, allow_blank=True, default="")
    referral_reference = serializers.CharField(max_length=60, allow_blank=True, default="")

    def validate_occurred_at(self, value):
        if value < EARLIEST:
            raise serializers.ValidationError("This must be after 1900")
        return value


class BreachSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    occurred_at = serializers.DateTimeField()
    offence_referral = serializers.BooleanField()
    referred_to = serializers.CharField()

    def to_representation(self, breach: ActionBreach) -> dict:
        return {
            "uuid": str(breach.uuid),
            "occurred_at": iso(breach.occurred_at),
            "offence_referral": breach.offence_referral,
            "referred_to": breach.referred_to,
        }


class CaseActionBreachView(CaseActionView):
    required_permissions = {"POST": ["asb_cases.contribute_case"]}

    @extend_schema(
        operation_id="cases_actions_breaches_create",
        tags=["cases"],
        summary="Record a breach (an offence referral where breach is an offence)",
        parameters=[_path_uuid("case_uuid", "case"), _path_uuid("action_uuid", "action")],
        request=BreachInputSerializer,
        responses={201: BreachSerializer},
        examples=[
            OpenApiExample(
                "A breach of a Respect Order",
                value={
                    "occurred_at": "2026-11-25T21:00:00Z",
                    "details": "Went back to the flat.",
                    "referred_to": "Durham Constabulary",
                    "referral_reference": "OFF-123",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Recorded as an offence referral",
                value={
                    "uuid": "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                    "occurred_at": "2026-11-25T21:00:00Z",
                    "offence_referral": True,
                    "referred_to": "Durham Constabulary",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, case_uuid: str, action_uuid: str):
        case = self.case(request, case_uuid)
        action = selectors.case_action_get(viewer=self.viewer, case=case, action_uuid=action_uuid)
        data = validated(BreachInputSerializer, request.data)
        breach = services.action_record_breach(
            actor=request.user,
            action=action,
            occurred_at=data["occurred_at"],
            details=data["details"],
            referred_to=data["referred_to"],
            referral_reference=data["referral_reference"],
        )
        return Response(BreachSerializer(breach).data, status=201)
