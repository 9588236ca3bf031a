"""The API for people: a signpost for anyone in the partnership, and details only as on the
pages (access.redaction): the client's organisation's own record of the person, else a record a
case share showed it."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from access import redaction
from partners.api.base import PartnerAPIView, StrictSerializer, validated
from partners.postcodes import is_valid_postcode, normalise_postcode
from victims import matching, selectors
from victims.models import RiskBand


class AgencySerializer(serializers.Serializer):
    organisation = serializers.SlugField()
    organisation_name = serializers.CharField()
    contact_name = serializers.CharField(
        help_text="The lead officer of the person's case there, else the agency's ASB team "
        "(always the team when the person withdrew consent)"
    )
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()


class SignpostSerializer(serializers.Serializer):
    """What any agency may know about a person: no more than this."""

    known_to = serializers.IntegerField(help_text="How many partner agencies know the person")
    is_repeat = serializers.BooleanField()
    is_vulnerable = serializers.BooleanField()
    risk_band = serializers.ChoiceField(choices=[("", "Not assessed"), *RiskBand.choices])
    consent_withdrawn = serializers.BooleanField()
    agencies = AgencySerializer(many=True, help_text="Whom to contact at each agency")

    def to_representation(self, signpost: redaction.Signpost) -> dict:
        return {
            "known_to": signpost.known_to,
            "is_repeat": signpost.is_repeat,
            "is_vulnerable": signpost.is_vulnerable,
            "risk_band": signpost.risk_band,
            "consent_withdrawn": signpost.consent_withdrawn,
            "agencies": [
                {
                    "organisation": agency.organisation.slug,
                    "organisation_name": agency.organisation.name,
                    "contact_name": agency.contact_name,
                    "contact_email": agency.contact_email,
                    "contact_phone": agency.contact_phone,
                }
                for agency in signpost.agencies
            ],
        }


class PersonDetailsSerializer(serializers.Serializer):
    recorded_by = serializers.SlugField(help_text="The organisation whose record this is")
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    address = serializers.CharField()
    postcode = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    """A person as your organisation may see them (access.redaction): `level` says which view
    applies; `details` is your organisation's own record of them, else one shared with it on a
    case, else null; the signpost is always there."""

    uuid = serializers.UUIDField()
    level = serializers.ChoiceField(choices=redaction.LEVELS)
    visible = serializers.BooleanField(help_text="Whether `details` is given (level not signpost)")
    details = PersonDetailsSerializer(allow_null=True)
    signpost = SignpostSerializer()

    def to_representation(self, view: redaction.PersonView) -> dict:
        details = view.details
        return {
            "uuid": str(view.person.uuid),
            "level": view.level,
            "visible": details is not None,
            "details": None
            if details is None
            else {
                "recorded_by": details.organisation.slug,
                "given_name": details.given_name,
                "family_name": details.family_name,
                "date_of_birth": details.date_of_birth.isoformat()
                if details.date_of_birth
                else None,
                "address": details.address,
                "postcode": details.postcode,
            },
            "signpost": SignpostSerializer(view.signpost).data,
        }


class CandidateSerializer(PersonSerializer):
    score = serializers.IntegerField()
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="How the record matches; never what it holds"
    )


SIGNPOST_EXAMPLE = {
    "known_to": 2,
    "is_repeat": True,
    "is_vulnerable": False,
    "risk_band": "medium",
    "consent_withdrawn": False,
    "agencies": [
        {
            "organisation": "livin",
            "organisation_name": "Livin",
            "contact_name": "Sam Officer",
            "contact_email": "officer@livin",
            "contact_phone": "",
        }
    ],
}
PERSON_EXAMPLE = {
    "uuid": "0b8f3c2e-8d44-4a8a-bb0e-6f0b2a4f1c55",
    "level": "signpost",
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
        "pages. Each match has its signpost, and details only where your organisation recorded "
        "the person itself or a case share shows them; the reasons never quote a record.",
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
        candidates = selectors.person_candidates(viewer=self.viewer, query=query)
        self.audit_detail = {"results": [str(c.person.uuid) for c in candidates]}
        return Response(
            [
                {
                    **PersonSerializer(c.view).data,
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
        summary="A person's signpost, and their details as your organisation may see them",
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
        person = selectors.person_get_for_signpost(viewer=self.viewer, person_uuid=person_uuid)
        view = redaction.person_view(self.viewer, person)
        self.audit_target = person
        self.audit_detail = {"level": view.level}
        return Response(PersonSerializer(view).data)
