"""The incidents API: input and output serializers, examples, the filters, and the views
for the list (and one incident sent), the bulk endpoint and one incident.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from asb_cases import selectors, services
from asb_cases.api._common import EARLIEST, Verb, _path_uuid
from asb_cases.models import Category, Channel, Incident, ProtectedCharacteristic
from partners.api.base import (
    DateOrderFilterSet,
    PartnerAPIView,
    StrictSerializer,
    UpdatedCursorPagination,
    UTCDateTimeFilter,
    iso,
    validated,
)
from partners.paging import UnionQuery
from partners.postcodes import is_valid_postcode, normalise_postcode

BULK_LIMIT = 500


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


def _person(details: dict | None) -> services.ImportedPerson | None:
    if not details:
        return None
    return services.ImportedPerson(
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
            selectors.incident_list_for_viewer(viewer=self.viewer)
            .select_related("reporter", "victim", "local_authority")
            .order_by("-updated_at", "-id")
        )

    def list(self, request, *args, **kwargs):
        """On PostgreSQL a page is read from the two parts of the visibility rule
        (reported to us, on a case we can see), each filtered, ordered by the cursor's order and
        limited on its own, then joined (partners.paging.UnionQuery): no index serves the
        rule's OR (docs/adr/0023-incident-visibility-and-matching-in-the-database.md)."""
        queryset = self.filter_queryset(self.get_queryset())
        branches = [
            self.filter_queryset(branch)
            for branch in selectors.incident_branches_for_viewer(viewer=self.viewer)
        ]
        if UnionQuery.supports_union(queryset, branches):
            queryset = UnionQuery(queryset, branches)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

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

    def audit_verb(self, request, response=None) -> str:
        if request.method == "POST" and getattr(self, "audit_detail", {}).get("outcome") == (
            services.IMPORT_UPDATED
        ):
            return Verb.CHANGED
        return super().audit_verb(request, response)


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
        incident = selectors.incident_get_for_viewer(
            viewer=self.viewer, incident_uuid=incident_uuid
        )
        self.audit_target = incident
        return Response(IncidentSerializer(incident).data)
