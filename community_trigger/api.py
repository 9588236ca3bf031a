"""The API for ASB Case Review applications: a partner system records one for a victim, and reads
back the applications its organisation may see, with the threshold decisions and their evidence.

The same selectors and services as the pages: an application the client's organisation may not
see is 404, and each incident the engine considered is described only to an organisation that
can see it (otherwise it is a date and the agency it was reported to), exactly as on the page.
"""

from __future__ import annotations

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from asb_cases import selectors as case_selectors
from asb_cases.models import IncidentType
from community_trigger import selectors, services
from community_trigger.models import (
    Application,
    ApplicationStatement,
    Channel,
    Evidence,
    Recommendation,
    ResolutionMeeting,
    Stage,
    ThresholdDecision,
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
from partners.models import LocalAuthority, Organisation

# Output -----------------------------------------------------------------------------------------


class ClockSerializer(serializers.Serializer):
    label = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    done = serializers.BooleanField()
    state = serializers.ChoiceField(
        choices=[("", "No date yet"), ("done", "Done"), ("due", "Due"), ("overdue", "Overdue")]
    )


class ApplicationSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    reference = serializers.CharField(
        help_text="What the applicant follows it with, e.g. CR-K7QX-4M2P"
    )
    source = serializers.ChoiceField(choices=Application.Source.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    stage = serializers.ChoiceField(choices=Stage.choices)
    stage_label = serializers.CharField()
    local_authority = serializers.CharField(help_text="ONS code of the council area")
    local_authority_name = serializers.CharField()
    problem_type = serializers.CharField(help_text="Incident type code")
    problem_address = serializers.CharField()
    problem_postcode = serializers.CharField()
    hate_motivated = serializers.BooleanField()
    victim_given_name = serializers.CharField()
    victim_family_name = serializers.CharField()
    lead_case = serializers.CharField(
        allow_null=True, help_text="The case's reference, if your organisation can see it"
    )
    received_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    clocks = ClockSerializer(many=True)

    def to_representation(self, application: Application) -> dict:
        return {
            "uuid": str(application.uuid),
            "reference": application.reference,
            "source": application.source,
            "channel": application.channel,
            "stage": application.stage,
            "stage_label": application.get_stage_display(),
            "local_authority": application.local_authority.code,
            "local_authority_name": application.local_authority.name,
            "problem_type": application.problem_type.code,
            "problem_address": application.problem_address,
            "problem_postcode": application.problem_postcode,
            "hate_motivated": application.hate_motivated,
            "victim_given_name": application.victim_given_name,
            "victim_family_name": application.victim_family_name,
            "lead_case": self._lead_case(application),
            "received_at": iso(application.received_at),
            "updated_at": iso(application.updated_at),
            "clocks": [
                {
                    "label": clock.label,
                    "due": iso(clock.due),
                    "done": clock.done,
                    "state": clock.state,
                }
                for clock in selectors.clocks_for(application)
            ],
        }

    def _lead_case(self, application: Application) -> str | None:
        visible = self.context.get("visible_cases")
        if application.lead_case_id is None or visible is None:
            return None
        return application.lead_case.reference if application.lead_case_id in visible else None


class IncidentSummarySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    incident_type = serializers.CharField()
    hate_motivated = serializers.BooleanField()
    description = serializers.CharField()


class EvidenceSerializer(serializers.Serializer):
    """An incident the threshold engine considered. Where your organisation cannot see the
    incident, only its date and the agency it was reported to are given."""

    occurred_at = serializers.DateTimeField()
    reported_to = serializers.SlugField(help_text="The agency the incident was reported to")
    finding = serializers.ChoiceField(choices=Evidence.Finding.choices, allow_null=True)
    counted = serializers.BooleanField(allow_null=True)
    routes = serializers.ListField(
        child=serializers.ChoiceField(choices=["individual", "community", "hate"]),
        allow_null=True,
        help_text="The routes a counted incident counts towards; empty when not counted",
    )
    explanation = serializers.CharField(allow_null=True)
    incident = IncidentSummarySerializer(
        allow_null=True,
        help_text="Null unless your organisation can see the incident: the details are held by "
        "the agency it was reported to",
    )


class DecisionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    outcome = serializers.ChoiceField(choices=ThresholdDecision.Outcome.choices)
    route = serializers.ChoiceField(
        choices=[("", "No route"), *ThresholdDecision.Route.choices],
    )
    automatic = serializers.BooleanField(help_text="Made by the threshold engine")
    decided_at = serializers.DateTimeField()
    decided_by = serializers.CharField(help_text="Blank for the threshold engine")
    counted = serializers.IntegerField(help_text="Incidents that counted towards the threshold")
    people_reporting = serializers.IntegerField()
    reasons = serializers.CharField()
    caveats = serializers.ListField(child=serializers.CharField())
    caveat_justification = serializers.CharField()
    policy_version = serializers.IntegerField()
    evidence = EvidenceSerializer(many=True)


class MeetingSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    scheduled_for = serializers.DateTimeField()
    location = serializers.CharField()
    status = serializers.ChoiceField(choices=ResolutionMeeting.Status.choices)
    chair = serializers.CharField()
    invited = serializers.ListField(child=serializers.SlugField())
    victim_participation = serializers.ChoiceField(
        choices=ResolutionMeeting.VictimParticipation.choices
    )


class RecommendationSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    text = serializers.CharField()
    lead_organisation = serializers.SlugField()
    due_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Recommendation.Status.choices)


class ApplicationDetailSerializer(ApplicationSerializer):
    """An application as its page shows it to your organisation."""

    applicant_name = serializers.CharField()
    relationship = serializers.ChoiceField(choices=Application.Relationship.choices)
    description = serializers.CharField(help_text="The applicant's words")
    agencies_told = serializers.ListField(child=serializers.SlugField())
    decisions = DecisionSerializer(many=True, help_text="Newest first")
    meetings = MeetingSerializer(many=True)
    recommendations = RecommendationSerializer(many=True)
    appeals = serializers.IntegerField(help_text="How many appeals were lodged")

    def to_representation(self, record: selectors.ApplicationRecord) -> dict:
        application = record.application
        data = super().to_representation(application)
        data.update(
            {
                "applicant_name": application.applicant_name,
                "relationship": application.relationship,
                "description": application.description,
                "agencies_told": sorted(o.slug for o in application.agencies_told.all()),
                "decisions": [
                    self._decision(decision, record.evidence.get(decision.pk, []))
                    for decision in record.decisions
                ],
                "meetings": [
                    {
                        "uuid": str(meeting.uuid),
                        "scheduled_for": iso(meeting.scheduled_for),
                        "location": meeting.location,
                        "status": meeting.status,
                        "chair": meeting.chair_name,
                        "invited": sorted(o.slug for o in meeting.invited.all()),
                        "victim_participation": meeting.victim_participation,
                    }
                    for meeting in record.meetings
                ],
                "recommendations": [
                    {
                        "uuid": str(recommendation.uuid),
                        "text": recommendation.text,
                        "lead_organisation": recommendation.lead_organisation.slug,
                        "due_on": iso(recommendation.due_on),
                        "status": recommendation.status,
                    }
                    for recommendation in record.recommendations
                ],
                "appeals": len(record.appeals),
            }
        )
        return data

    @staticmethod
    def _decision(decision: ThresholdDecision, lines: list[selectors.EvidenceLine]) -> dict:
        return {
            "uuid": str(decision.uuid),
            "outcome": decision.outcome,
            "route": decision.route,
            "automatic": decision.automatic,
            "decided_at": iso(decision.decided_at),
            "decided_by": decision.decided_by.display_name if decision.decided_by else "",
            "counted": decision.counted,
            "people_reporting": decision.people_reporting,
            "reasons": decision.reasons,
            "caveats": list(decision.caveats or []),
            "caveat_justification": decision.caveat_justification,
            "policy_version": decision.policy.version,
            "evidence": [
                {
                    "occurred_at": iso(line.incident.occurred_at),
                    "reported_to": line.incident.reported_to.slug,
                    "finding": line.evidence.finding if line.judged else None,
                    "counted": line.evidence.finding == Evidence.Finding.COUNTED
                    if line.judged
                    else None,
                    "routes": list(line.evidence.routes) if line.judged else None,
                    "explanation": line.evidence.explanation if line.judged else None,
                    "incident": {
                        "uuid": str(line.incident.uuid),
                        "incident_type": line.incident.incident_type.code,
                        "hate_motivated": line.incident.hate_motivated,
                        "description": line.incident.description,
                    }
                    if line.described
                    else None,
                }
                for line in lines
            ],
        }


APPLICATION_EXAMPLE = {
    "uuid": "5d1c7f0e-2a4b-4c1e-9a55-0c8e7b3a9f21",
    "reference": "CR-K7QX-4M2P",
    "source": "staff",
    "channel": "phone",
    "stage": "review",
    "stage_label": "Threshold met: review being arranged",
    "local_authority": "E06000005",
    "local_authority_name": "Darlington",
    "problem_type": "noise",
    "problem_address": "14 Elm Court",
    "problem_postcode": "DL1 4QT",
    "hate_motivated": False,
    "victim_given_name": "Mabel",
    "victim_family_name": "Thornbury",
    "lead_case": "ASB-2026-000123",
    "received_at": "2026-11-02T10:15:00Z",
    "updated_at": "2026-11-02T10:15:04Z",
    "clocks": [
        {"label": "Check the threshold", "due": "2026-11-09", "done": True, "state": "done"},
        {"label": "Tell the applicant", "due": "2026-11-16", "done": False, "state": "due"},
        {"label": "Hold the review meeting", "due": "2026-11-16", "done": False, "state": "due"},
        {"label": "Send the outcome", "due": None, "done": False, "state": ""},
        {"label": "Appeal window closes", "due": None, "done": False, "state": ""},
    ],
}
APPLICATION_DETAIL_EXAMPLE = {
    **APPLICATION_EXAMPLE,
    "applicant_name": "Mabel Thornbury",
    "relationship": "self",
    "description": "Loud music most nights since the summer.",
    "agencies_told": ["durham-constabulary", "livin"],
    "decisions": [
        {
            "uuid": "9b2e4c61-7d0a-4f3b-8e2c-1a6d5f7e9c30",
            "outcome": "met",
            "route": "individual",
            "automatic": True,
            "decided_at": "2026-11-02T10:15:04Z",
            "decided_by": "",
            "counted": 3,
            "people_reporting": 1,
            "reasons": "3 reports about the same problem in 6 months, each within a month.",
            "caveats": [],
            "caveat_justification": "",
            "policy_version": 1,
            "evidence": [
                {
                    "occurred_at": "2026-09-12T22:30:00Z",
                    "reported_to": "livin",
                    "finding": "counted",
                    "counted": True,
                    "routes": ["individual", "community"],
                    "explanation": "Counted",
                    "incident": {
                        "uuid": "0f6c1b7e-3d2a-4b8c-9e1f-5a7d3c2b1e40",
                        "incident_type": "noise",
                        "hate_motivated": False,
                        "description": "Loud music until 2am.",
                    },
                },
                {
                    "occurred_at": "2026-10-03T23:10:00Z",
                    "reported_to": "durham-constabulary",
                    "finding": "counted",
                    "counted": True,
                    "routes": ["individual", "community"],
                    "explanation": "Counted",
                    "incident": None,
                },
            ],
        }
    ],
    "meetings": [],
    "recommendations": [],
    "appeals": 0,
}


# Input ------------------------------------------------------------------------------------------


class ApplicationInputSerializer(StrictSerializer):
    relationship = serializers.ChoiceField(
        choices=Application.Relationship.choices, help_text="Who is applying, to the victim"
    )
    victim_consents = serializers.BooleanField(
        default=False, help_text="Required when someone applies for the victim: they agree"
    )
    applicant_name = serializers.CharField(max_length=200, help_text="Never anonymous")
    applicant_email = serializers.EmailField(
        required=False, allow_blank=True, default="", max_length=254
    )
    applicant_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40
    )
    applicant_address = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    victim_given_name = serializers.CharField(max_length=100)
    victim_family_name = serializers.CharField(max_length=100)
    victim_date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    problem_type = serializers.CharField(max_length=60, help_text="An incident type code")
    problem_address = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    problem_postcode = serializers.CharField(max_length=10)
    local_authority = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=9,
        help_text="ONS code of the council area; found from the postcode when blank",
    )
    description = serializers.CharField(max_length=10000)
    hate_motivated = serializers.BooleanField(default=False)
    agencies_told = serializers.ListField(
        child=serializers.SlugField(), required=False, default=list, max_length=50
    )
    lead_case = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="A case your organisation sees"
    )
    impact_statement = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20000,
        help_text="The victim's own words, never edited",
    )
    reading = serializers.ChoiceField(
        choices=ApplicationStatement.Reading.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="How the statement is used at the meeting; required with a statement",
    )
    channel = serializers.ChoiceField(
        choices=[(k, v) for k, v in Channel.choices if k != Channel.ONLINE],
        required=False,
        default="in_person",
        help_text="How the applicant applied to your organisation (2025 guidance)",
    )

    # The applicant's contact, consent for someone else, the postcode and the date of birth are
    # checked by `services.application_submit`, as for the pages: its errors name these fields.

    def validate_problem_type(self, value: str) -> IncidentType:
        problem_type = case_selectors.incident_types_active().filter(code=value).first()
        if problem_type is None:
            raise serializers.ValidationError(f"{value!r} is not an incident type in use")
        return problem_type

    def validate_local_authority(self, value: str) -> LocalAuthority | None:
        if not value:
            return None
        local_authority = LocalAuthority.objects.filter(code=value.strip().upper()).first()
        if local_authority is None:
            raise serializers.ValidationError(
                f"{value!r} is not a council area the partnership covers"
            )
        return local_authority

    def validate_agencies_told(self, value: list[str]) -> list[Organisation]:
        wanted = dict.fromkeys(value)
        found = {o.slug: o for o in Organisation.objects.filter(active=True, slug__in=wanted)}
        unknown = [slug for slug in wanted if slug not in found]
        if unknown:
            raise serializers.ValidationError(
                [f"Not an active partner organisation: {slug}" for slug in unknown]
            )
        return list(found.values())

    def validate(self, attrs):
        if attrs["impact_statement"].strip() and not attrs["reading"]:
            raise serializers.ValidationError(
                {"reading": ["Say how the statement is to be used at the meeting"]}
            )
        return attrs


APPLICATION_INPUT_EXAMPLE = {
    "relationship": "self",
    "applicant_name": "Mabel Thornbury",
    "applicant_email": "mabel.thornbury@example.org",
    "victim_given_name": "Mabel",
    "victim_family_name": "Thornbury",
    "victim_date_of_birth": "1948-06-02",
    "problem_type": "noise",
    "problem_address": "14 Elm Court",
    "problem_postcode": "DL1 4QT",
    "description": "Loud music most nights since the summer.",
    "agencies_told": ["durham-constabulary", "livin"],
}


# Views ------------------------------------------------------------------------------------------


class ApplicationFilter(DateOrderFilterSet):
    stage = filters.ChoiceFilter(choices=Stage.choices)
    local_authority = filters.CharFilter(field_name="local_authority__code")
    updated_since = UTCDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    received_from = UTCDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_to = UTCDateTimeFilter(field_name="received_at", lookup_expr="lte")

    date_pairs = (("received_from", "received_to"),)

    class Meta:
        model = Application
        fields = ["stage", "local_authority", "updated_since", "received_from", "received_to"]


def _visible_cases(viewer, applications) -> set[int]:
    """Of these applications' lead cases, the ones the client's organisation can see."""
    ids = {a.lead_case_id for a in applications if a.lead_case_id}
    if not ids:
        return set()
    return set(
        case_selectors.case_list_for_viewer(viewer=viewer)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )


class ApplicationListView(PartnerAPIView, ListModelMixin, GenericAPIView):
    required_permissions = {
        "GET": ["community_trigger.view_application"],
        "POST": ["community_trigger.add_application"],
    }
    serializer_class = ApplicationSerializer
    pagination_class = UpdatedCursorPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ApplicationFilter

    def get_queryset(self):
        return selectors.application_list_for_viewer(viewer=self.viewer)

    def get_serializer(self, *args, **kwargs):
        if args:
            kwargs.setdefault("context", {})["visible_cases"] = _visible_cases(self.viewer, args[0])
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        operation_id="case_reviews_list",
        tags=["case reviews"],
        summary="ASB Case Review applications your organisation may see",
        description="Those your organisation recorded, about a case it can see, or to whose "
        "meeting or action plan it is party. Newest change first; follow `next`; to sync, pass "
        "`updated_since`.",
        examples=[OpenApiExample("A page", value=APPLICATION_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        operation_id="case_reviews_create",
        tags=["case reviews"],
        summary="Record an application for an ASB Case Review on a victim's behalf",
        description="As a member of staff records one on the pages: the clocks start now and the "
        "threshold engine checks the reports made to every agency in the background; read the "
        "application back for its decision. The applicant is e-mailed the reference when an "
        "e-mail address is given.",
        request=ApplicationInputSerializer,
        responses={201: ApplicationDetailSerializer},
        examples=[
            OpenApiExample("By the victim", value=APPLICATION_INPUT_EXAMPLE, request_only=True),
            OpenApiExample(
                "Received",
                value={
                    **APPLICATION_DETAIL_EXAMPLE,
                    "stage": "received",
                    "stage_label": "Received: checking the threshold",
                    "decisions": [],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        data = validated(ApplicationInputSerializer, request.data)
        lead_case = None
        if data["lead_case"] is not None:
            try:
                lead_case = case_selectors.case_get_for_viewer(
                    viewer=self.viewer, case_uuid=data["lead_case"]
                )
            except Http404:
                raise exceptions.ValidationError({"lead_case": ["No such case"]}) from None
        application = services.application_submit(
            actor=request.user,
            applicant_name=data["applicant_name"],
            applicant_email=data["applicant_email"],
            applicant_phone=data["applicant_phone"],
            applicant_address=data["applicant_address"],
            relationship=data["relationship"],
            victim_consents=data["victim_consents"],
            victim_given_name=data["victim_given_name"],
            victim_family_name=data["victim_family_name"],
            victim_date_of_birth=data["victim_date_of_birth"],
            problem_type=data["problem_type"],
            problem_address=data["problem_address"],
            problem_postcode=data["problem_postcode"],
            local_authority=data["local_authority"],
            description=data["description"],
            hate_motivated=data["hate_motivated"],
            agencies_told=data["agencies_told"],
            lead_case=lead_case,
            impact_statement=data["impact_statement"],
            reading=data["reading"],
            channel=data["channel"],
        )
        self.audit_target = application
        return Response(_detail(self.viewer, application.uuid), status=201)


def _detail(viewer, application_uuid) -> dict:
    application = selectors.application_get_for_viewer(
        viewer=viewer, application_uuid=application_uuid
    )
    record = selectors.application_record_for_viewer(viewer=viewer, application=application)
    return ApplicationDetailSerializer(
        record, context={"visible_cases": _visible_cases(viewer, [application])}
    ).data


class ApplicationDetailView(PartnerAPIView):
    required_permissions = {"GET": ["community_trigger.view_application"]}

    @extend_schema(
        operation_id="case_reviews_retrieve",
        tags=["case reviews"],
        summary="One application: its stage, clocks, threshold decisions and evidence",
        description="Every incident the threshold engine considered is listed with its finding; "
        "its details only where your organisation can see it.",
        parameters=[
            OpenApiParameter(
                "application_uuid",
                OpenApiTypes.UUID,
                OpenApiParameter.PATH,
                description="The application's id",
            )
        ],
        responses=ApplicationDetailSerializer,
        examples=[OpenApiExample("An application", value=APPLICATION_DETAIL_EXAMPLE)],
    )
    def get(self, request, application_uuid: str):
        application = selectors.application_get_for_viewer(
            viewer=self.viewer, application_uuid=application_uuid
        )
        self.audit_target = application
        return Response(_detail(self.viewer, application.uuid))
