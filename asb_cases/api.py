"""The API for incidents, cases, shares and ownership transfers.

Thin, like the pages: validate the input, call the same selectors and services, shape the output.
Reads go through asb_cases.selectors, scoped to the API client's organisation; anything it may
not see is 404. Every call is audited against the client (partners.api.base.PartnerAPIView).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from asb_cases import selectors, services
from asb_cases.models import (
    Case,
    CaseAction,
    CaseNote,
    CaseShare,
    CaseStatus,
    Category,
    Channel,
    ClosureReason,
    Incident,
    OwnershipTransfer,
    PersonRole,
    ProtectedCharacteristic,
)
from partners.api.base import (
    DateOrderFilterSet,
    PartnerAPIView,
    StrictSerializer,
    UpdatedCursorPagination,
    UTCDateTimeFilter,
    iso,
    validated,
)
from partners.models import AuditEvent
from partners.postcodes import is_valid_postcode, normalise_postcode
from victims.models import RiskBand

Verb = AuditEvent.Verb
BULK_LIMIT = 500
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def _path_uuid(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=f"The {what}'s id"
    )


def nest(errors: dict[str, list[str]]) -> dict:
    """{"reporter.postcode": [...]} -> {"reporter": {"postcode": [...]}}."""
    nested: dict[str, Any] = {}
    for name, messages in errors.items():
        parent, _, child = name.partition(".")
        if child:
            nested.setdefault(parent, {}).setdefault(child, []).extend(messages)
        else:
            nested.setdefault("__all__" if name == "__all__" else name, []).extend(messages)
    if "__all__" in nested:
        nested["non_field_errors"] = nested.pop("__all__")
    return nested


def _decimal(value) -> str | None:
    return None if value is None else str(value)


# Incidents: input -------------------------------------------------------------------------------


class LocationInputSerializer(StrictSerializer):
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    uprn = serializers.RegexField(
        r"^\d{1,12}$", required=False, allow_blank=True, default="", help_text="Digits only"
    )
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
    )

    def validate_postcode(self, value: str) -> str:
        if value.strip() and not is_valid_postcode(value):
            raise serializers.ValidationError("Enter a real postcode, like DL1 5QT")
        return normalise_postcode(value) if value.strip() else ""

    def validate(self, attrs):
        if (attrs.get("latitude") is None) != (attrs.get("longitude") is None):
            raise serializers.ValidationError(
                {"latitude": ["Give both a latitude and a longitude, or neither"]}
            )
        return attrs


class PersonInputSerializer(StrictSerializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Without it the person cannot be matched to someone the partnership knows",
    )
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate_date_of_birth(self, value):
        if value is not None and not (dt.date(1900, 1, 1) <= value <= timezone.localdate()):
            raise serializers.ValidationError("The date of birth must be a real date in the past")
        return value

    def validate_postcode(self, value: str) -> str:
        if value.strip() and not is_valid_postcode(value):
            raise serializers.ValidationError("Enter a real postcode, like DL1 5QT")
        return value.strip()


PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "given_name": {"type": "string", "maxLength": 100, "minLength": 1},
        "family_name": {"type": "string", "maxLength": 100, "minLength": 1},
        "date_of_birth": {"type": "string", "format": "date", "nullable": True},
        "postcode": {"type": "string", "maxLength": 10},
        "address": {"type": "string", "maxLength": 300},
    },
    "required": ["given_name", "family_name"],
    "additionalProperties": False,
}


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "enum": ["reporter"]}, PERSON_SCHEMA],
        "nullable": True,
        "description": 'The victim: "reporter" when the reporter is the victim, or the person',
    }
)
class VictimField(serializers.Field):
    def to_internal_value(self, data):
        if data == "reporter":
            return "reporter"
        if not isinstance(data, dict):
            raise serializers.ValidationError('Give "reporter" or the victim\'s details')
        serializer = PersonInputSerializer(data=data)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        return serializer.validated_data

    def to_representation(self, value):
        return value


class IncidentInputSerializer(StrictSerializer):
    external_ref = serializers.CharField(
        max_length=100, help_text="Your system's own reference: sending it again updates"
    )
    occurred_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()
    category = serializers.ChoiceField(choices=Category.choices, help_text="NSIR qualifier")
    incident_type = serializers.CharField(
        max_length=60, help_text="The incident type's code, e.g. noise, fly-tipping"
    )
    description = serializers.CharField(max_length=5000)
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, default=Channel.PARTNER_SYSTEM
    )
    location = LocationInputSerializer(required=False)
    hate_motivated = serializers.BooleanField(required=False, default=False)
    protected_characteristic = serializers.ChoiceField(
        choices=ProtectedCharacteristic.choices, required=False, allow_blank=True, default=""
    )
    anonymous = serializers.BooleanField(required=False, default=False)
    reporter = PersonInputSerializer(required=False, allow_null=True)
    victim = VictimField(required=False, allow_null=True)

    def validate_external_ref(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Enter your reference")
        return value.strip()

    def validate_incident_type(self, value: str):
        incident_type = self.context["incident_types"].get(value)
        if incident_type is None:
            raise serializers.ValidationError(f"{value!r} is not an incident type in use")
        return incident_type

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        latest = timezone.now() + services.CLOCK_SKEW
        for name in ("occurred_at", "reported_at"):
            if attrs[name] > latest:
                errors[name] = ["This must be in the past"]
            elif attrs[name] < EARLIEST:
                errors[name] = ["This must be after 1900"]
        if not errors and attrs["reported_at"] < attrs["occurred_at"]:
            errors["reported_at"] = ["It cannot have been reported before it happened"]
        if attrs.get("hate_motivated") and not attrs.get("protected_characteristic"):
            errors["protected_characteristic"] = [
                "Give the protected characteristic the hatred was about"
            ]
        reporter = attrs.get("reporter")
        if attrs.get("anonymous") and reporter:
            errors["reporter"] = ["An anonymous report cannot name its reporter"]
        elif not attrs.get("anonymous") and not reporter:
            errors["reporter"] = ['Give the reporter, or "anonymous": true']
        if attrs.get("victim") == "reporter" and not reporter:
            errors["victim"] = ['"reporter" needs a reporter']
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _person(details: dict | None) -> services.PersonDetails | None:
    if not details:
        return None
    return services.PersonDetails(
        given_name=details["given_name"],
        family_name=details["family_name"],
        date_of_birth=details.get("date_of_birth"),
        postcode=details.get("postcode", ""),
        address=details.get("address", ""),
    )


def to_import(data: dict) -> services.IncidentImport:
    location = data.get("location") or {}
    victim = data.get("victim")
    return services.IncidentImport(
        data=services.IncidentInput(
            occurred_at=data["occurred_at"],
            reported_at=data["reported_at"],
            channel=data["channel"],
            category=data["category"],
            incident_type=data["incident_type"],
            description=data["description"],
            location=services.LocationInput(
                address=location.get("address", ""),
                postcode=location.get("postcode", ""),
                uprn=location.get("uprn", ""),
                latitude=location.get("latitude"),
                longitude=location.get("longitude"),
            ),
            hate_motivated=data["hate_motivated"],
            protected_characteristic=data["protected_characteristic"],
            anonymous=data["anonymous"],
            external_ref=data["external_ref"],
        ),
        reporter=None if data["anonymous"] else _person(data.get("reporter")),
        victim=None if victim == "reporter" else _person(victim),
        victim_is_reporter=victim == "reporter",
    )


def _incident_types() -> dict:
    return {
        incident_type.code: incident_type for incident_type in selectors.incident_types_active()
    }


# Incidents: output ------------------------------------------------------------------------------


class LocationSerializer(serializers.Serializer):
    address = serializers.CharField()
    postcode = serializers.CharField()
    uprn = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    lsoa_code = serializers.CharField(help_text="Derived from the coordinates or postcode")
    lsoa_vintage = serializers.IntegerField(allow_null=True)
    ward_code = serializers.CharField()
    ward_year = serializers.IntegerField(allow_null=True)
    local_authority = serializers.CharField(allow_null=True, help_text="ONS code")


def _location(record) -> dict:
    return {
        "address": record.address,
        "postcode": record.postcode,
        "uprn": record.uprn,
        "latitude": _decimal(record.latitude),
        "longitude": _decimal(record.longitude),
        "lsoa_code": record.lsoa_code,
        "lsoa_vintage": record.lsoa_vintage,
        "ward_code": record.ward_code,
        "ward_year": record.ward_year,
        "local_authority": record.local_authority.code if record.local_authority_id else None,
    }


class IncidentSerializer(serializers.Serializer):
    """An incident as the API shows it. The people are named by id: GET /api/v1/people/<id>/
    shows what the client's organisation may see of them."""

    uuid = serializers.UUIDField()
    external_ref = serializers.CharField()
    reported_to = serializers.SlugField(help_text="The organisation's slug")
    occurred_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    incident_type = serializers.CharField()
    description = serializers.CharField()
    location = LocationSerializer()
    hate_motivated = serializers.BooleanField()
    protected_characteristic = serializers.ChoiceField(
        choices=[("", "None"), *ProtectedCharacteristic.choices]
    )
    anonymous = serializers.BooleanField()
    reporter = serializers.UUIDField(allow_null=True)
    victim = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, incident: Incident) -> dict:
        return {
            "uuid": str(incident.uuid),
            "external_ref": incident.external_ref,
            "reported_to": incident.reported_to.slug,
            "occurred_at": iso(incident.occurred_at),
            "reported_at": iso(incident.reported_at),
            "channel": incident.channel,
            "category": incident.category,
            "incident_type": incident.incident_type.code,
            "description": incident.description,
            "location": _location(incident),
            "hate_motivated": incident.hate_motivated,
            "protected_characteristic": incident.protected_characteristic,
            "anonymous": incident.anonymous,
            "reporter": str(incident.reporter.uuid) if incident.reporter_id else None,
            "victim": str(incident.victim.uuid) if incident.victim_id else None,
            "created_at": iso(incident.created_at),
            "updated_at": iso(incident.updated_at),
        }


class IncidentWrittenSerializer(IncidentSerializer):
    outcome = serializers.ChoiceField(
        choices=["created", "updated"],
        help_text="created (201) for a new reference, updated (200) for one sent before",
    )
    changed = serializers.ListField(
        child=serializers.CharField(), help_text="The fields an update changed"
    )


class BulkRequestSerializer(serializers.Serializer):
    incidents = IncidentInputSerializer(many=True, help_text=f"1 to {BULK_LIMIT} incidents")


class BulkEnvelopeSerializer(StrictSerializer):
    incidents = serializers.ListField(
        child=serializers.JSONField(), min_length=1, max_length=BULK_LIMIT
    )


class BulkItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the request, from 0")
    external_ref = serializers.CharField(allow_null=True)
    outcome = serializers.ChoiceField(choices=["created", "updated", "error"])
    incident = serializers.UUIDField(allow_null=True)
    changed = serializers.ListField(child=serializers.CharField())
    errors = serializers.DictField(help_text="By field, as in a 400 response; empty if none")


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    errors = serializers.IntegerField()
    results = BulkItemSerializer(many=True)


# Incidents: examples ----------------------------------------------------------------------------

INCIDENT_INPUT_EXAMPLE = {
    "external_ref": "CRM-2026-004512",
    "occurred_at": "2026-11-20T22:40:00Z",
    "reported_at": "2026-11-21T08:15:00Z",
    "category": "personal",
    "incident_type": "noise",
    "description": "Loud music from the flat above until 2am, third night this week.",
    "location": {
        "address": "14 Elm Court, Darlington",
        "postcode": "DL1 4QT",
        "latitude": "54.518100",
        "longitude": "-1.548900",
    },
    "hate_motivated": False,
    "protected_characteristic": "",
    "reporter": {
        "given_name": "Jamie",
        "family_name": "Example",
        "date_of_birth": "1980-04-01",
        "postcode": "DL1 4QT",
    },
    "victim": "reporter",
}
INCIDENT_EXAMPLE = {
    "uuid": "6f1c1a8e-3f8e-4a3e-9a53-1f1d2b7c9e10",
    "external_ref": "CRM-2026-004512",
    "reported_to": "livin",
    "occurred_at": "2026-11-20T22:40:00Z",
    "reported_at": "2026-11-21T08:15:00Z",
    "channel": "partner_system",
    "category": "personal",
    "incident_type": "noise",
    "description": "Loud music from the flat above until 2am, third night this week.",
    "location": {
        "address": "14 Elm Court, Darlington",
        "postcode": "DL1 4QT",
        "uprn": "",
        "latitude": "54.518100",
        "longitude": "-1.548900",
        "lsoa_code": "E01012345",
        "lsoa_vintage": 2021,
        "ward_code": "E05012345",
        "ward_year": 2025,
        "local_authority": "E06000005",
    },
    "hate_motivated": False,
    "protected_characteristic": "",
    "anonymous": False,
    "reporter": "0b8f3c2e-8d44-4a8a-bb0e-6f0b2a4f1c55",
    "victim": "0b8f3c2e-8d44-4a8a-bb0e-6f0b2a4f1c55",
    "created_at": "2026-11-21T08:16:02Z",
    "updated_at": "2026-11-21T08:16:02Z",
}


# Incidents: filters and views -------------------------------------------------------------------


class IncidentFilter(DateOrderFilterSet):
    updated_since = UTCDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after (for syncing)"
    )
    occurred_from = UTCDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_to = UTCDateTimeFilter(field_name="occurred_at", lookup_expr="lte")
    reported_from = UTCDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_to = UTCDateTimeFilter(field_name="reported_at", lookup_expr="lte")
    category = filters.MultipleChoiceFilter(choices=Category.choices)
    incident_type = filters.CharFilter(field_name="incident_type__code", max_length=60)
    area = filters.CharFilter(
        field_name="local_authority__code", max_length=9, help_text="Local authority (ONS code)"
    )
    lsoa = filters.CharFilter(field_name="lsoa_code", max_length=9)
    ward = filters.CharFilter(field_name="ward_code", max_length=9)
    external_ref = filters.CharFilter(field_name="external_ref", max_length=100)
    own = filters.BooleanFilter(
        method="filter_own", help_text="Only incidents reported to your organisation"
    )

    class Meta:
        model = Incident
        fields: list[str] = []

    date_pairs = (("occurred_from", "occurred_to"), ("reported_from", "reported_to"))

    def filter_own(self, queryset, name, value):
        if value:
            return queryset.filter(reported_to_id=self.request.user.membership.organisation_id)
        return queryset


class IncidentListView(PartnerAPIView, ListModelMixin, GenericAPIView):
    required_permissions = {"GET": ["asb_cases.view_incident"], "POST": ["asb_cases.add_incident"]}
    serializer_class = IncidentSerializer
    pagination_class = UpdatedCursorPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = IncidentFilter

    def get_queryset(self):
        return (
            selectors.incident_list_for_user(user=self.request.user)
            .select_related("reporter", "victim", "local_authority")
            .order_by("-updated_at", "-id")
        )

    @extend_schema(
        operation_id="incidents_list",
        tags=["incidents"],
        summary="Incidents your organisation can see",
        description="Reported to your organisation, or on a case it can see. Newest change "
        "first; follow `next`. To sync, pass `updated_since` = when your last sync started.",
        examples=[OpenApiExample("A page", value=INCIDENT_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        operation_id="incidents_upsert",
        tags=["incidents"],
        summary="Record an incident, or update the one with the same external_ref",
        description="The reporter is matched to a person the partnership knows only when the "
        "name and date of birth are the same; otherwise a new person is recorded. 201 and "
        '`"outcome": "created"` for a new reference; 200 and `"outcome": "updated"` for one '
        "sent before.",
        request=IncidentInputSerializer,
        responses={201: IncidentWrittenSerializer, 200: IncidentWrittenSerializer},
        examples=[
            OpenApiExample("A noise report", value=INCIDENT_INPUT_EXAMPLE, request_only=True),
            OpenApiExample(
                "Recorded",
                value={**INCIDENT_EXAMPLE, "outcome": "created", "changed": []},
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "Updated",
                value={**INCIDENT_EXAMPLE, "outcome": "updated", "changed": ["description"]},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request):
        data = validated(
            IncidentInputSerializer, request.data, context={"incident_types": _incident_types()}
        )
        result = services.incidents_import(actor=request.user, items=[to_import(data)])[0]
        if result.outcome == services.IMPORT_ERROR:
            raise exceptions.ValidationError(nest(result.errors))
        self.audit_target = result.incident
        self.audit_detail = {"external_ref": result.external_ref, "outcome": result.outcome}
        body = {
            **IncidentSerializer(result.incident).data,
            "outcome": result.outcome,
            "changed": result.changed,
        }
        return Response(body, status=201 if result.outcome == services.IMPORT_CREATED else 200)

    def audit_verb(self, request) -> str:
        if request.method == "POST" and getattr(self, "audit_detail", {}).get("outcome") == (
            services.IMPORT_UPDATED
        ):
            return Verb.CHANGED
        return super().audit_verb(request)


class IncidentBulkView(PartnerAPIView):
    required_permissions = {"POST": ["asb_cases.add_incident"]}
    throttle_scope = "api_bulk"

    @extend_schema(
        operation_id="incidents_bulk",
        tags=["incidents"],
        summary=f"Record or update up to {BULK_LIMIT} incidents at once",
        description="Each incident is handled as the single endpoint handles it, in its own "
        "transaction savepoint: one with errors is reported (outcome `error`, with its field "
        "errors) and the others are kept. 200 whatever the outcomes; 400 only when the request "
        f"itself is malformed (not a list, empty, or more than {BULK_LIMIT}).",
        request=BulkRequestSerializer,
        responses={200: BulkResultSerializer},
        examples=[
            OpenApiExample(
                "Two incidents", value={"incidents": [INCIDENT_INPUT_EXAMPLE]}, request_only=True
            ),
            OpenApiExample(
                "Outcomes",
                value={
                    "created": 1,
                    "updated": 0,
                    "errors": 1,
                    "results": [
                        {
                            "index": 0,
                            "external_ref": "CRM-2026-004512",
                            "outcome": "created",
                            "incident": INCIDENT_EXAMPLE["uuid"],
                            "changed": [],
                            "errors": {},
                        },
                        {
                            "index": 1,
                            "external_ref": "CRM-2026-004513",
                            "outcome": "error",
                            "incident": None,
                            "changed": [],
                            "errors": {"incident_type": ["'noisy' is not an incident type in use"]},
                        },
                    ],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        raw_items = validated(BulkEnvelopeSerializer, request.data)["incidents"]
        context = {"incident_types": _incident_types()}
        results: list[dict | None] = [None] * len(raw_items)
        valid: list[tuple[int, services.IncidentImport]] = []
        serializer = IncidentInputSerializer(context=context)  # its fields are bound once
        for index, raw in enumerate(raw_items):
            try:
                valid.append((index, to_import(serializer.run_validation(raw))))
            except exceptions.ValidationError as exc:
                ref = raw.get("external_ref") if isinstance(raw, dict) else None
                results[index] = _bulk_item(index, ref if isinstance(ref, str) else None, "error")
                results[index]["errors"] = exc.detail
        outcomes = services.incidents_import(actor=request.user, items=[item for _, item in valid])
        for (index, _), result in zip(valid, outcomes, strict=True):
            results[index] = _bulk_item(index, result.external_ref, result.outcome)
            results[index]["incident"] = str(result.incident.uuid) if result.incident else None
            results[index]["changed"] = result.changed
            results[index]["errors"] = nest(result.errors)
        counts = dict.fromkeys(("created", "updated", "error"), 0)
        for item in results:
            counts[item["outcome"]] += 1
        self.audit_detail = {"incidents": len(results), **counts}
        return Response(
            {
                "created": counts["created"],
                "updated": counts["updated"],
                "errors": counts["error"],
                "results": results,
            }
        )


def _bulk_item(index: int, ref: str | None, outcome: str) -> dict:
    return {
        "index": index,
        "external_ref": ref,
        "outcome": outcome,
        "incident": None,
        "changed": [],
        "errors": {},
    }


class IncidentDetailView(PartnerAPIView):
    required_permissions = {"GET": ["asb_cases.view_incident"]}

    @extend_schema(
        operation_id="incidents_retrieve",
        tags=["incidents"],
        summary="One incident your organisation can see",
        parameters=[_path_uuid("incident_uuid", "incident")],
        responses=IncidentSerializer,
        examples=[OpenApiExample("An incident", value=INCIDENT_EXAMPLE)],
    )
    def get(self, request, incident_uuid: str):
        incident = selectors.incident_get_for_user(user=request.user, incident_uuid=incident_uuid)
        self.audit_target = incident
        return Response(IncidentSerializer(incident).data)


# Cases: output ----------------------------------------------------------------------------------


class OfficerSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()


def _officer(user) -> dict | None:
    if user is None:
        return None
    return {"name": user.display_name, "email": user.email}


class CaseSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    reference = serializers.CharField(help_text="e.g. ASB-2026-000123")
    title = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    closure_reason = serializers.ChoiceField(choices=[("", "Open"), *ClosureReason.choices])
    risk_band = serializers.ChoiceField(choices=RiskBand.choices)
    incident_type = serializers.CharField()
    lead_organisation = serializers.SlugField()
    lead_officer = OfficerSerializer(allow_null=True)
    local_authority = serializers.CharField(allow_null=True, help_text="ONS code")
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text="Send it back when changing the status")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, case: Case) -> dict:
        return {
            "uuid": str(case.uuid),
            "reference": case.reference,
            "title": case.title,
            "summary": case.summary,
            "status": case.status,
            "closure_reason": case.closure_reason,
            "risk_band": case.risk_band,
            "incident_type": case.incident_type.code,
            "lead_organisation": case.lead_organisation.slug,
            "lead_officer": _officer(case.lead_officer),
            "local_authority": case.local_authority.code if case.local_authority_id else None,
            "opened_at": iso(case.opened_at),
            "closed_at": iso(case.closed_at),
            "version": case.version,
            "created_at": iso(case.created_at),
            "updated_at": iso(case.updated_at),
        }


class CasePersonSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    role = serializers.ChoiceField(choices=PersonRole.choices)


class ShareSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    organisation = serializers.SlugField()
    access_level = serializers.ChoiceField(choices=CaseShare.AccessLevel.choices)
    purpose = serializers.CharField()
    legal_basis = serializers.ChoiceField(choices=CaseShare.LegalBasis.choices)
    shared_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField()

    def to_representation(self, share: CaseShare) -> dict:
        return {
            "uuid": str(share.uuid),
            "organisation": share.organisation.slug,
            "access_level": share.access_level,
            "purpose": share.purpose,
            "legal_basis": share.legal_basis,
            "shared_at": iso(share.shared_at),
            "revoked_at": iso(share.revoked_at),
            "revoke_reason": share.revoke_reason,
        }


class TransferSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    case = serializers.UUIDField()
    case_reference = serializers.CharField()
    from_organisation = serializers.SlugField()
    to_organisation = serializers.SlugField()
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=OwnershipTransfer.Status.choices)
    proposed_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()

    def to_representation(self, transfer: OwnershipTransfer) -> dict:
        return {
            "uuid": str(transfer.uuid),
            "case": str(transfer.case.uuid),
            "case_reference": transfer.case.reference,
            "from_organisation": transfer.from_organisation.slug,
            "to_organisation": transfer.to_organisation.slug,
            "reason": transfer.reason,
            "status": transfer.status,
            "proposed_at": iso(transfer.proposed_at),
            "decided_at": iso(transfer.decided_at),
            "decision_reason": transfer.decision_reason,
        }


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    visibility = serializers.ChoiceField(choices=CaseNote.Visibility.choices)
    organisation = serializers.SlugField()
    author = serializers.CharField()
    created_at = serializers.DateTimeField()

    def to_representation(self, note: CaseNote) -> dict:
        return {
            "id": note.pk,
            "body": note.body,
            "visibility": note.visibility,
            "organisation": note.organisation.slug,
            "author": note.author.display_name,
            "created_at": iso(note.created_at),
        }


class ActionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    action_type = serializers.CharField()
    organisation = serializers.SlugField()
    officer = serializers.CharField()
    subject = serializers.UUIDField(allow_null=True)
    started_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    review_on = serializers.DateField(allow_null=True)
    appeal_by = serializers.DateField(allow_null=True)
    outcome = serializers.ChoiceField(choices=CaseAction.Outcome.choices)
    cost_pounds = serializers.DecimalField(max_digits=10, decimal_places=2)
    notes = serializers.CharField()

    def to_representation(self, action: CaseAction) -> dict:
        return {
            "uuid": str(action.uuid),
            "action_type": action.action_type.code,
            "organisation": action.organisation.slug,
            "officer": action.officer.display_name,
            "subject": str(action.subject.uuid) if action.subject_id else None,
            "started_at": iso(action.started_at),
            "expires_at": iso(action.expires_at),
            "review_on": iso(action.review_on),
            "appeal_by": iso(action.appeal_by),
            "outcome": action.outcome,
            "cost_pounds": str(action.cost_pounds),
            "notes": action.notes,
        }


class CaseDetailSerializer(CaseSerializer):
    """The case with what the case page shows the client's organisation: notes another
    organisation kept to itself are left out."""

    incidents = serializers.ListField(child=serializers.UUIDField())
    people = CasePersonSerializer(many=True)
    shares = ShareSerializer(many=True, help_text="Active and revoked")
    transfers = TransferSerializer(many=True)
    notes = NoteSerializer(many=True)
    actions = ActionSerializer(many=True)

    def to_representation(self, record: selectors.CaseRecord) -> dict:
        case = record.case
        for transfer in record.transfers:
            transfer.case = case
        return {
            **super().to_representation(case),
            "incidents": [str(incident.uuid) for incident in record.incidents],
            "people": [
                {
                    "uuid": str(link.person.uuid),
                    "given_name": link.person.given_name,
                    "family_name": link.person.family_name,
                    "role": link.role,
                }
                for link in record.people
            ],
            "shares": [ShareSerializer(share).data for share in record.shares],
            "transfers": [TransferSerializer(t).data for t in record.transfers],
            "notes": [
                NoteSerializer(entry["item"]).data
                for entry in reversed(record.timeline)
                if entry["kind"] == "note"
            ],
            "actions": [ActionSerializer(action).data for action in record.actions],
        }


CASE_EXAMPLE = {
    "uuid": "3b0f6c1e-0a77-4c8e-9d1c-4f6a2f1e7a21",
    "reference": "ASB-2026-000123",
    "title": "Noise at Elm Court",
    "summary": "Repeated late-night noise from flat 3.",
    "status": "investigating",
    "closure_reason": "",
    "risk_band": "medium",
    "incident_type": "noise",
    "lead_organisation": "livin",
    "lead_officer": {"name": "Sam Officer", "email": "officer@livin"},
    "local_authority": "E06000005",
    "opened_at": "2026-11-21T09:00:00Z",
    "closed_at": None,
    "version": 3,
    "created_at": "2026-11-21T09:00:00Z",
    "updated_at": "2026-11-22T10:30:00Z",
}
CASE_DETAIL_EXAMPLE = {
    **CASE_EXAMPLE,
    "incidents": [INCIDENT_EXAMPLE["uuid"]],
    "people": [
        {
            "uuid": INCIDENT_EXAMPLE["reporter"],
            "given_name": "Jamie",
            "family_name": "Example",
            "role": "victim",
        }
    ],
    "shares": [],
    "transfers": [],
    "notes": [],
    "actions": [],
}


# Cases: filters and views -----------------------------------------------------------------------


class CaseFilter(DateOrderFilterSet):
    status = filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    risk_band = filters.MultipleChoiceFilter(choices=RiskBand.choices)
    incident_type = filters.CharFilter(field_name="incident_type__code", max_length=60)
    area = filters.CharFilter(
        field_name="local_authority__code", max_length=9, help_text="Local authority (ONS code)"
    )
    lead_organisation = filters.CharFilter(field_name="lead_organisation__slug", max_length=60)
    reference = filters.CharFilter(field_name="reference", max_length=20)
    opened_from = filters.DateFilter(field_name="opened_at", lookup_expr="date__gte")
    opened_to = filters.DateFilter(field_name="opened_at", lookup_expr="date__lte")
    updated_since = UTCDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after (for syncing)"
    )

    date_pairs = (("opened_from", "opened_to"),)

    class Meta:
        model = Case
        fields: list[str] = []


class CaseCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    incident_type = serializers.CharField(max_length=60, help_text="The main problem's code")
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    risk_band = serializers.ChoiceField(choices=RiskBand.choices, default=RiskBand.STANDARD)
    lead_officer = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=150,
        help_text="Username of an officer of your organisation; blank leaves the case unowned",
    )
    incidents = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=50
    )
    location = LocationInputSerializer(required=False)

    def validate_incident_type(self, value: str):
        incident_type = _incident_types().get(value)
        if incident_type is None:
            raise serializers.ValidationError(f"{value!r} is not an incident type in use")
        return incident_type


class CaseListView(PartnerAPIView, ListModelMixin, GenericAPIView):
    required_permissions = {"GET": ["asb_cases.view_case"], "POST": ["asb_cases.add_case"]}
    serializer_class = CaseSerializer
    pagination_class = UpdatedCursorPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CaseFilter

    def get_queryset(self):
        return selectors.case_list_for_user(
            user=self.request.user, filters=selectors.CaseFilters(sort="updated")
        )

    @extend_schema(
        operation_id="cases_list",
        tags=["cases"],
        summary="Cases your organisation leads or that are shared with it",
        description="Newest change first; follow `next`. To sync, pass `updated_since`.",
        examples=[OpenApiExample("A page", value=CASE_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        operation_id="cases_create",
        tags=["cases"],
        summary="Open a case led by your organisation",
        request=CaseCreateSerializer,
        responses={201: CaseSerializer},
        examples=[
            OpenApiExample(
                "From an incident",
                value={
                    "title": "Noise at Elm Court",
                    "incident_type": "noise",
                    "risk_band": "medium",
                    "incidents": [INCIDENT_EXAMPLE["uuid"]],
                },
                request_only=True,
            ),
            OpenApiExample("Opened", value=CASE_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request):
        data = validated(CaseCreateSerializer, request.data)
        errors: dict[str, list[str]] = {}
        incidents = []
        for incident_uuid in dict.fromkeys(data["incidents"]):
            try:
                incidents.append(
                    selectors.incident_get_for_user(user=request.user, incident_uuid=incident_uuid)
                )
            except Http404:
                errors.setdefault("incidents", []).append(f"No such incident: {incident_uuid}")
        lead_officer = _case_worker(request.user, data["lead_officer"], errors)
        if errors:
            raise exceptions.ValidationError(errors)
        location = data.get("location") or {}
        case = services.case_open(
            actor=request.user,
            title=data["title"],
            incident_type=data["incident_type"],
            summary=data["summary"],
            risk_band=data["risk_band"],
            lead_officer=lead_officer,
            incidents=incidents,
            location=services.LocationInput(
                address=location.get("address", ""),
                postcode=location.get("postcode", ""),
                uprn=location.get("uprn", ""),
                latitude=location.get("latitude"),
                longitude=location.get("longitude"),
            ),
        )
        self.audit_target = case
        case = selectors.case_get_for_user(user=request.user, case_uuid=case.uuid)
        return Response(CaseSerializer(case).data, status=201)


def _case_worker(user, username: str, errors: dict, field: str = "lead_officer"):
    if not username:
        return None
    workers = selectors.case_workers_for(organisation=user.membership.organisation)
    found = next((worker for worker in workers if worker.username == username), None)
    if found is None:
        errors.setdefault(field, []).append("Not an officer of your organisation")
    return found


class CaseDetailView(PartnerAPIView):
    required_permissions = {"GET": ["asb_cases.view_case"]}

    @extend_schema(
        operation_id="cases_retrieve",
        tags=["cases"],
        summary="One case, with its people, incidents, shares, transfers, notes and actions",
        parameters=[_path_uuid("case_uuid", "case")],
        responses=CaseDetailSerializer,
        examples=[OpenApiExample("A case", value=CASE_DETAIL_EXAMPLE)],
    )
    def get(self, request, case_uuid: str):
        case = selectors.case_get_for_user(user=request.user, case_uuid=case_uuid)
        self.audit_target = case
        record = selectors.case_record_for_user(user=request.user, case=case)
        return Response(CaseDetailSerializer(record).data)


class CaseActionView(PartnerAPIView):
    """Something done to one case: the case is fetched through the selector (404 if the
    client's organisation cannot see it), then the service checks what it may do (403)."""

    def case(self, request, case_uuid: str) -> Case:
        case = selectors.case_get_for_user(user=request.user, case_uuid=case_uuid)
        self.audit_target = case
        return case


class CaseStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The version you read"
    )
    closure_reason = serializers.ChoiceField(
        choices=ClosureReason.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    version = serializers.IntegerField(help_text="The case's current version")


class CaseStatusView(CaseActionView):
    required_permissions = {"POST": ["asb_cases.change_case"]}
    audit_verbs = {"POST": Verb.CHANGED}

    @extend_schema(
        operation_id="cases_status",
        tags=["cases"],
        summary="Move a case to another status",
        description="Send the `version` you read: if the case changed since, nothing is "
        "changed and the answer is 409 with the current `version`.",
        parameters=[_path_uuid("case_uuid", "case")],
        request=CaseStatusSerializer,
        responses={200: CaseSerializer, 409: ConflictSerializer},
        examples=[
            OpenApiExample(
                "Close",
                value={"status": "closed", "version": 3, "closure_reason": "resolved"},
                request_only=True,
            ),
            OpenApiExample("Changed", value=CASE_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request, case_uuid: str):
        case = self.case(request, case_uuid)
        data = validated(CaseStatusSerializer, request.data)
        try:
            services.case_change_status(
                actor=request.user,
                case=case,
                status=data["status"],
                expected_version=data["version"],
                closure_reason=data["closure_reason"],
                note=data["note"],
            )
        except services.CaseConflict:
            current = selectors.case_get_for_user(user=request.user, case_uuid=case.uuid)
            return Response(
                {
                    "detail": f"{current.reference} changed since you read it: read it again",
                    "code": "conflict",
                    "version": current.version,
                },
                status=409,
            )
        case = selectors.case_get_for_user(user=request.user, case_uuid=case.uuid)
        return Response(CaseSerializer(case).data)


class NoteInputSerializer(StrictSerializer):
    body = serializers.CharField(max_length=10000)
    visibility = serializers.ChoiceField(choices=CaseNote.Visibility.choices)


class CaseNoteView(CaseActionView):
    required_permissions = {"POST": ["asb_cases.contribute_case"]}

    @extend_schema(
        operation_id="cases_notes_create",
        tags=["cases"],
        summary="Add a note to a case",
        parameters=[_path_uuid("case_uuid", "case")],
        request=NoteInputSerializer,
        responses={201: NoteSerializer},
        examples=[
            OpenApiExample(
                "A note",
                value={"body": "Spoke to the neighbour.", "visibility": "all_agencies"},
                request_only=True,
            ),
            OpenApiExample(
                "Added",
                value={
                    "id": 101,
                    "body": "Spoke to the neighbour.",
                    "visibility": "all_agencies",
                    "organisation": "livin",
                    "author": "Housing CRM (API client)",
                    "created_at": "2026-11-22T10:30:00Z",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, case_uuid: str):
        case = self.case(request, case_uuid)
        data = validated(NoteInputSerializer, request.data)
        note = services.case_add_note(
            actor=request.user, case=case, body=data["body"], visibility=data["visibility"]
        )
        return Response(NoteSerializer(note).data, status=201)


class ActionInputSerializer(StrictSerializer):
    action_type = serializers.CharField(max_length=60, help_text="The tool or power's code")
    started_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(
        choices=CaseAction.Outcome.choices, default=CaseAction.Outcome.PENDING
    )
    cost_pounds = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, default=Decimal("0.00")
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    subject = serializers.UUIDField(
        required=False, allow_null=True, help_text="The person on the case it is against"
    )

    def validate_started_at(self, value):
        if value < EARLIEST:
            raise serializers.ValidationError("This must be after 1900")
        return value


class CaseActionAddView(CaseActionView):
    required_permissions = {"POST": ["asb_cases.contribute_case"]}

    @extend_schema(
        operation_id="cases_actions_create",
        tags=["cases"],
        summary="Record a tool or power used on a case (its clocks are computed)",
        parameters=[_path_uuid("case_uuid", "case")],
        request=ActionInputSerializer,
        responses={201: ActionSerializer},
        examples=[
            OpenApiExample(
                "A warning letter",
                value={"action_type": "warning-letter", "started_at": "2026-11-22T10:00:00Z"},
                request_only=True,
            ),
            OpenApiExample(
                "Recorded",
                value={
                    "uuid": "a4e9d2c0-1b7f-4f5e-8a0c-2d3e4f5a6b7c",
                    "action_type": "warning-letter",
                    "organisation": "livin",
                    "officer": "Housing CRM (API client)",
                    "subject": None,
                    "started_at": "2026-11-22T10:00:00Z",
                    "expires_at": None,
                    "review_on": None,
                    "appeal_by": None,
                    "outcome": "pending",
                    "cost_pounds": "0.00",
                    "notes": "",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, case_uuid: str):
        case = self.case(request, case_uuid)
        data = validated(ActionInputSerializer, request.data)
        errors: dict[str, list[str]] = {}
        action_type = selectors.action_types_active().filter(code=data["action_type"]).first()
        if action_type is None:
            errors["action_type"] = [f"{data['action_type']!r} is not a tool or power in use"]
        subject = None
        if data.get("subject"):
            try:
                subject = selectors.case_person_get(case=case, person_uuid=data["subject"])
            except Http404:
                errors["subject"] = ["No such person on this case"]
        if errors:
            raise exceptions.ValidationError(errors)
        action = services.case_add_action(
            actor=request.user,
            case=case,
            action_type=action_type,
            started_at=data["started_at"],
            subject=subject,
            outcome=data["outcome"],
            cost_pounds=data["cost_pounds"],
            notes=data["notes"],
        )
        return Response(ActionSerializer(action).data, status=201)


# Shares and transfers ---------------------------------------------------------------------------


def _partner(user, slug: str, field: str):
    organisation = selectors.partner_organisations_for(user=user).filter(slug=slug).first()
    if organisation is None:
        raise exceptions.ValidationError({field: ["Not another active partner organisation"]})
    return organisation


class ShareInputSerializer(StrictSerializer):
    organisation = serializers.SlugField(max_length=60, help_text="The partner's slug")
    access_level = serializers.ChoiceField(choices=CaseShare.AccessLevel.choices)
    purpose = serializers.CharField(max_length=2000)
    legal_basis = serializers.ChoiceField(choices=CaseShare.LegalBasis.choices)


SHARE_EXAMPLE = {
    "uuid": "5d2c7b9a-6e1f-4a3b-8c7d-9e0f1a2b3c4d",
    "organisation": "durham-constabulary",
    "access_level": "view",
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
            organisation=_partner(request.user, data["organisation"], "organisation"),
            access_level=data["access_level"],
            purpose=data["purpose"],
            legal_basis=data["legal_basis"],
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
            to_organisation=_partner(request.user, data["to_organisation"], "to_organisation"),
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
        transfers = selectors.transfers_awaiting_user(user=request.user).select_related(
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
        transfer = selectors.transfer_get_for_user(user=request.user, transfer_uuid=transfer_uuid)
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
        transfer = selectors.transfer_get_for_user(user=request.user, transfer_uuid=transfer_uuid)
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
        transfer = selectors.transfer_get_for_user(user=request.user, transfer_uuid=transfer.uuid)
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
