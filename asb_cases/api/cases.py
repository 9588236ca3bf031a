"""The cases API: the case as the API shows it (with its people, shares, transfers, notes
and actions), examples, the filters, and the views that list, open and change cases.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from access import redaction
from asb_cases import selectors, services
from asb_cases.api._common import EARLIEST, Verb, _path_uuid
from asb_cases.api.incidents import INCIDENT_EXAMPLE, LocationInputSerializer, _incident_types
from asb_cases.models import (
    Case,
    CaseAction,
    CaseNote,
    CaseShare,
    CaseStatus,
    ClosureReason,
    OwnershipTransfer,
    PersonRole,
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
from victims.models import RiskBand

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
    """A person on the case, as your organisation may see them: `given_name` and
    `family_name` are blank where only the signpost is visible to it (a share without people,
    or a person who kept their information to the lead agency); `recorded_by` names whose
    record the names come from."""

    uuid = serializers.UUIDField()
    level = serializers.ChoiceField(choices=redaction.LEVELS)
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    recorded_by = serializers.SlugField(allow_null=True)
    role = serializers.ChoiceField(choices=PersonRole.choices)


class ShareSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    organisation = serializers.SlugField()
    access_level = serializers.ChoiceField(choices=CaseShare.AccessLevel.choices)
    include_people = serializers.BooleanField()
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
            "include_people": share.include_people,
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


class RequirementSerializer(StrictSerializer):
    text = serializers.CharField(max_length=500, allow_blank=True)
    supervisor_name = serializers.CharField(max_length=200, allow_blank=True, default="")
    supervisor_organisation = serializers.CharField(max_length=200, allow_blank=True, default="")


def action_gate_representation(action: CaseAction) -> dict:
    gate = getattr(action, "gate", None)
    return {
        "requirements": [
            {
                "text": r.text,
                "supervisor_name": r.supervisor_name,
                "supervisor_organisation": r.supervisor_organisation,
            }
            for r in action.requirements.all()
        ],
        "rule_version": gate.rule.version if gate else None,
        "notice_hours": gate.notice_hours if gate else None,
        "authorised_by": (
            f"{gate.authorised_by_name}, {gate.authorised_by_role}"
            if gate and gate.authorised_by_name
            else None
        ),
        "breaches": [
            {
                "occurred_at": iso(b.occurred_at),
                "offence_referral": b.offence_referral,
                "referred_to": b.referred_to,
            }
            for b in action.breaches.all()
        ],
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
    requirements = RequirementSerializer(many=True)
    rule_version = serializers.IntegerField(allow_null=True)
    notice_hours = serializers.IntegerField(allow_null=True)
    authorised_by = serializers.CharField(allow_null=True)
    breaches = serializers.ListField(child=serializers.DictField())

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
            **action_gate_representation(action),
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
                    "level": link.view.level,
                    "given_name": link.view.details.given_name if link.view.details else "",
                    "family_name": link.view.details.family_name if link.view.details else "",
                    "recorded_by": link.view.recorded_by.slug if link.view.details else None,
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
            "level": "own",
            "given_name": "Jamie",
            "family_name": "Example",
            "recorded_by": "livin",
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
        return selectors.case_list_for_viewer(
            viewer=self.viewer, filters=selectors.CaseFilters(sort="updated")
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
                    selectors.incident_get_linkable(viewer=self.viewer, incident_uuid=incident_uuid)
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
        case = selectors.case_get_for_viewer(viewer=self.viewer, case_uuid=case.uuid)
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
        case = selectors.case_get_for_viewer(viewer=self.viewer, case_uuid=case_uuid)
        self.audit_target = case
        record = selectors.case_record_for_viewer(viewer=self.viewer, case=case)
        return Response(CaseDetailSerializer(record).data)


class CaseActionView(PartnerAPIView):
    """Something done to one case: the case is fetched through the selector (404 if the
    client's organisation cannot see it), then the service checks what it may do (403)."""

    def case(self, request, case_uuid: str) -> Case:
        case = selectors.case_get_for_viewer(viewer=self.viewer, case_uuid=case_uuid)
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
            current = selectors.case_get_for_viewer(viewer=self.viewer, case_uuid=case.uuid)
            return Response(
                {
                    "detail": f"{current.reference} changed since you read it: read it again",
                    "code": "conflict",
                    "version": current.version,
                },
                status=409,
            )
        case = selectors.case_get_for_viewer(viewer=self.viewer, case_uuid=case.uuid)
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
    # What the Crime and Policing Act 2026 tools need; each tool's rule says which.
    risk_assessment = serializers.UUIDField(
        required=False, allow_null=True, help_text="The pre-application risk assessment"
    )
    requirements = RequirementSerializer(many=True, required=False, default=list)
    notice_hours = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=24 * 365
    )
    authorised_by_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    authorised_by_role = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    prior_warning_given = serializers.BooleanField(required=False, allow_null=True, default=None)

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
                subject = selectors.case_person_get(
                    viewer=self.viewer, case=case, person_uuid=data["subject"]
                )
            except Http404:
                errors["subject"] = ["No such person on this case"]
        risk_assessment = None
        if data.get("risk_assessment"):
            risk_assessment = (
                selectors.case_pre_application_risks(viewer=self.viewer, case=case)
                .filter(uuid=data["risk_assessment"])
                .first()
            )
            if risk_assessment is None:
                errors["risk_assessment"] = ["No such risk assessment on this case"]
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
            gates=services.GateInput(
                risk_assessment=risk_assessment,
                requirements=[services.Requirement(**row) for row in data["requirements"]],
                notice_hours=data.get("notice_hours"),
                authorised_by_name=data["authorised_by_name"],
                authorised_by_role=data["authorised_by_role"],
                prior_warning_given=data.get("prior_warning_given"),
            ),
        )
        return Response(ActionSerializer(action).data, status=201)
