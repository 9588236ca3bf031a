"""The API for people: a signpost for anyone in the partnership, and their details only where the
client's organisation can see them (it has a case or an incident with them), as on the pages."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from partners.api.base import PartnerAPIView, StrictSerializer, validated
from partners.postcodes import is_valid_postcode, normalise_postcode
from victims import matching, selectors
from victims.models import Person, RiskBand


class AgencySerializer(serializers.Serializer):
    organisation = serializers.SlugField()
    organisation_name = serializers.CharField()
    contact_name = serializers.CharField(help_text="Blank when the person withdrew consent")
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    has_open_case = serializers.BooleanField()
    last_seen = serializers.DateTimeField(allow_null=True, help_text="Their latest incident there")


class StatusSerializer(serializers.Serializer):
    is_repeat = serializers.BooleanField()
    repeat_reason = serializers.CharField()
    is_vulnerable = serializers.BooleanField()
    vulnerable_reason = serializers.CharField()
    risk_band = serializers.ChoiceField(choices=[("", "Not assessed"), *RiskBand.choices])


class SignpostSerializer(serializers.Serializer):
    known_to = serializers.IntegerField(help_text="How many partner agencies know the person")
    consent_withdrawn = serializers.BooleanField()
    status = StatusSerializer(allow_null=True)
    agencies = AgencySerializer(many=True, help_text="Whom to contact at each agency")

    def to_representation(self, signpost: selectors.Signpost) -> dict:
        withdrawn = signpost.consent_withdrawn
        status = signpost.status
        return {
            "known_to": signpost.known_to,
            "consent_withdrawn": withdrawn,
            "status": None
            if status is None
            else {
                "is_repeat": status.is_repeat,
                "repeat_reason": status.repeat_reason,
                "is_vulnerable": status.is_vulnerable,
                "vulnerable_reason": status.vulnerable_reason,
                "risk_band": status.risk_band,
            },
            "agencies": [
                {
                    "organisation": agency.organisation.slug,
                    "organisation_name": agency.organisation.name,
                    # Without consent, only the agency itself is named (as on the pages).
                    "contact_name": "" if withdrawn else agency.contact_name,
                    "contact_email": agency.organisation.contact_email
                    if withdrawn
                    else agency.contact_email,
                    "contact_phone": "" if withdrawn else agency.contact_phone,
                    "has_open_case": agency.has_open_case,
                    "last_seen": serializers.DateTimeField().to_representation(agency.last_seen)
                    if agency.last_seen
                    else None,
                }
                for agency in signpost.agencies
            ],
        }


class PersonDetailsSerializer(serializers.Serializer):
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    address = serializers.CharField()
    postcode = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    """A person: their signpost, and their details when `visible` (the client's organisation
    has a case or an incident with them); otherwise `details` is null."""

    uuid = serializers.UUIDField()
    visible = serializers.BooleanField()
    details = PersonDetailsSerializer(allow_null=True)
    signpost = SignpostSerializer()

    def to_representation(self, value: tuple[Person, bool, selectors.Signpost]) -> dict:
        person, visible, signpost = value
        return {
            "uuid": str(person.uuid),
            "visible": visible,
            "details": {
                "given_name": person.given_name,
                "family_name": person.family_name,
                "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
                "address": person.address,
                "postcode": person.postcode,
            }
            if visible
            else None,
            "signpost": SignpostSerializer(signpost).data,
        }


class CandidateSerializer(PersonSerializer):
    score = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())


SIGNPOST_EXAMPLE = {
    "known_to": 2,
    "consent_withdrawn": False,
    "status": {
        "is_repeat": True,
        "repeat_reason": "3 incidents in the last 12 months",
        "is_vulnerable": False,
        "vulnerable_reason": "",
        "risk_band": "medium",
    },
    "agencies": [
        {
            "organisation": "livin",
            "organisation_name": "Livin",
            "contact_name": "Sam Officer",
            "contact_email": "officer@livin",
            "contact_phone": "",
            "has_open_case": True,
            "last_seen": "2026-11-21T08:15:00Z",
        }
    ],
}
PERSON_EXAMPLE = {
    "uuid": "0b8f3c2e-8d44-4a8a-bb0e-6f0b2a4f1c55",
    "visible": False,
    "details": None,
    "signpost": SIGNPOST_EXAMPLE,
}


class PersonSearchSerializer(StrictSerializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    uprn = serializers.RegexField(r"^\d{1,12}$", required=False, allow_blank=True, default="")

    def validate_postcode(self, value: str) -> str:
        if value.strip() and not is_valid_postcode(value):
            raise serializers.ValidationError("Enter a real postcode, like DL1 5QT")
        return normalise_postcode(value) if value.strip() else ""

    def validate_date_of_birth(self, value):
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError("The date of birth must be in the past")
        return value

    def validate(self, attrs):
        if not (attrs.get("date_of_birth") or attrs.get("postcode") or attrs.get("uprn")):
            raise serializers.ValidationError(
                {"date_of_birth": ["Give a date of birth, postcode or UPRN as well as the name"]}
            )
        return attrs


class PersonSearchView(PartnerAPIView):
    required_permissions = {"GET": ["victims.view_person"]}

    @extend_schema(
        operation_id="people_search",
        tags=["people"],
        summary="Find a person the partnership knows: best matches first, at most 10",
        description="A name and at least one of date of birth, postcode or UPRN, as on the "
        "pages. Each match has its signpost, and its details only where your organisation can "
        "see the person.",
        parameters=[
            OpenApiParameter("given_name", str, required=True),
            OpenApiParameter("family_name", str, required=True),
            OpenApiParameter("date_of_birth", OpenApiTypes.DATE),
            OpenApiParameter("postcode", str),
            OpenApiParameter("uprn", str),
        ],
        responses=CandidateSerializer(many=True),
        examples=[
            OpenApiExample(
                "A match",
                value=[{**PERSON_EXAMPLE, "score": 90, "reasons": ["same date of birth"]}],
            )
        ],
    )
    def get(self, request):
        data = validated(PersonSearchSerializer, request.query_params.dict())
        query = matching.Query(
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data.get("date_of_birth"),
            postcode=data["postcode"],
            uprn=data["uprn"],
        )
        candidates = selectors.person_candidates(user=request.user, query=query)
        self.audit_detail = {"results": len(candidates)}
        return Response(
            [
                {
                    **PersonSerializer((c.person, c.visible, c.signpost)).data,
                    "score": c.match.score,
                    "reasons": c.match.reasons,
                }
                for c in candidates
            ]
        )


class PersonDetailView(PartnerAPIView):
    required_permissions = {"GET": ["victims.view_person"]}

    @extend_schema(
        operation_id="people_retrieve",
        tags=["people"],
        summary="A person's signpost, and their details where your organisation can see them",
        description="A merged record answers with the person it was merged into.",
        parameters=[
            OpenApiParameter(
                "person_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The id"
            )
        ],
        responses=PersonSerializer,
        examples=[OpenApiExample("A signpost", value=PERSON_EXAMPLE)],
    )
    def get(self, request, person_uuid: str):
        person = selectors.person_get_for_signpost(user=request.user, person_uuid=person_uuid)
        visible = selectors.person_is_visible(user=request.user, person=person)
        self.audit_target = person
        self.audit_detail = {"visible": visible}
        return Response(PersonSerializer((person, visible, selectors.signpost_for(person))).data)
