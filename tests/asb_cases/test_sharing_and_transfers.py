"""Sharing and ownership write django-guardian's rows, the single source of truth for access."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from asb_cases import services
from asb_cases.models import CaseGroupObjectPermission, CaseShare, OwnershipTransfer
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.factories import make_case, share_case


def organisation_case_permissions(organisation, case) -> set[str]:
    """The object permissions the organisation's group holds on the case (the guardian rows
    access.grants writes)."""
    return set(
        CaseGroupObjectPermission.objects.filter(
            content_object=case, group_id=organisation.group_id
        ).values_list("permission__codename", flat=True)
    )


pytestmark = pytest.mark.django_db

LEAD = {"view_case", "change_case", "contribute_case", "share_case", "view_case_people"}


def test_creating_a_case_grants_the_lead_organisation_and_nobody_else(cast):
    case = make_case(cast.owner.officer)
    assert organisation_case_permissions(cast.owner.organisation, case) == LEAD
    assert CaseGroupObjectPermission.objects.filter(content_object=case).count() == len(LEAD)


def test_shares_grant_view_or_contribute_and_revoking_removes_them(cast):
    case = make_case(cast.owner.officer)
    share = share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    assert organisation_case_permissions(cast.partner.organisation, case) == {
        "view_case",
        "view_case_people",
    }
    contribute = share_case(
        case,
        by=cast.owner.officer,
        with_organisation=cast.contributor.organisation,
        level="contribute",
    )
    assert organisation_case_permissions(cast.contributor.organisation, case) == {
        "view_case",
        "contribute_case",
        "view_case_people",
    }
    services.case_share_revoke(actor=cast.owner.officer, share=share, reason="Done")
    services.case_share_revoke(actor=cast.owner.officer, share=contribute)
    assert organisation_case_permissions(cast.partner.organisation, case) == set()
    assert organisation_case_permissions(cast.contributor.organisation, case) == set()
    share.refresh_from_db()
    assert share.revoked_by == cast.owner.officer and share.revoke_reason == "Done"
    revoked = AuditEvent.objects.filter(action="case_share_revoke").order_by("id").first()
    assert revoked.detail["permissions"]["revoked"] == [
        "org:test-police view_case",
        "org:test-police view_case_people",
    ]


def test_a_share_records_purpose_and_legal_basis_and_is_audited(cast):
    case = make_case(cast.owner.officer)
    client = client_for(cast.owner.officer)
    response = client.post(
        f"/cases/{case.uuid}/share/",
        {
            "organisation": cast.partner.organisation.pk,
            "access_level": "view",
            "include_people": "no",
            "purpose": "Police are investigating the threats",
            "legal_basis": "cda_1998_s115",
        },
    )
    assert response.status_code == 302
    share = CaseShare.objects.get()
    assert not share.include_people
    assert organisation_case_permissions(cast.partner.organisation, case) == {"view_case"}
    assert share.purpose == "Police are investigating the threats"
    assert share.legal_basis == "cda_1998_s115"
    event = AuditEvent.objects.get(action="case_share_with_partner")
    assert event.verb == "shared"
    assert event.detail["with"] == "test-police"
    assert event.detail["permissions"]["granted"] == ["org:test-police view_case"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"organisation": "own"}, "Select a valid choice"),  # own organisation is not offered
        ({"purpose": ""}, "Enter why the partner needs the case"),
        ({"legal_basis": ""}, "Select the legal basis for sharing"),
        ({"access_level": "admin"}, "Select a valid choice"),
    ],
)
def test_share_form_errors(cast, data, message):
    case = make_case(cast.owner.officer)
    form = {
        "organisation": cast.partner.organisation.pk,
        "access_level": "view",
        "purpose": "Why",
        "legal_basis": "consent",
    }
    if data.get("organisation") == "own":
        data = {"organisation": cast.owner.organisation.pk}
    response = client_for(cast.owner.officer).post(f"/cases/{case.uuid}/share/", form | data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CaseShare.objects.exists()


def test_the_service_refuses_a_share_with_your_own_organisation_or_a_second_share(cast):
    case = make_case(cast.owner.officer)
    with pytest.raises(ValidationError, match="your own organisation"):
        share_case(case, by=cast.owner.officer, with_organisation=cast.owner.organisation)
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    with pytest.raises(ValidationError, match="already shared"):
        share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)


def test_a_partner_cannot_reshare_a_case_it_was_given(cast):
    case = make_case(cast.owner.officer)
    share_case(
        case,
        by=cast.owner.officer,
        with_organisation=cast.contributor.organisation,
        level="contribute",
    )
    with pytest.raises(PermissionDenied):
        share_case(case, by=cast.contributor.officer, with_organisation=cast.unrelated.organisation)


class TestTransfers:
    def propose(self, cast, case):
        return services.case_transfer_propose(
            actor=cast.owner.officer,
            case=case,
            to_organisation=cast.partner.organisation,
            reason="It is a police matter",
        )

    def test_the_receiving_organisation_sees_the_case_while_it_decides(self, cast):
        case = make_case(cast.owner.officer)
        police = client_for(cast.partner.officer)
        assert police.get(f"/cases/{case.uuid}/").status_code == 404
        transfer = self.propose(cast, case)
        assert police.get(f"/cases/{case.uuid}/").status_code == 200
        inbox = police.get("/cases/transfers/").content.decode()
        assert case.reference in inbox
        assert organisation_case_permissions(cast.partner.organisation, case) == {
            "view_case",
            "view_case_people",
        }
        assert transfer.status == "pending"

    def test_a_supervisor_accepts_and_the_lead_moves_keeping_the_old_lead_involved(self, cast):
        case = make_case(cast.owner.officer)
        transfer = self.propose(cast, case)
        supervisor = client_for(cast.partner.supervisor)
        response = supervisor.post(
            f"/cases/transfers/{transfer.uuid}/",
            {"decision": "accept", "lead_officer": cast.partner.officer.pk},
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.lead_organisation == cast.partner.organisation
        assert case.lead_officer == cast.partner.officer
        assert organisation_case_permissions(cast.partner.organisation, case) == LEAD
        assert organisation_case_permissions(cast.owner.organisation, case) == {
            "view_case",
            "contribute_case",
            "view_case_people",
        }
        history = AuditEvent.objects.get(action="case_transfer_accept").detail
        assert history["lead_organisation"] == {"before": "test-housing", "after": "test-police"}

    def test_a_case_officer_cannot_decide_and_declining_needs_a_reason(self, cast):
        case = make_case(cast.owner.officer)
        transfer = self.propose(cast, case)
        officer = client_for(cast.partner.officer)
        assert (
            officer.post(f"/cases/transfers/{transfer.uuid}/", {"decision": "accept"}).status_code
            == 403
        )
        supervisor = client_for(cast.partner.supervisor)
        no_reason = supervisor.post(f"/cases/transfers/{transfer.uuid}/", {"decision": "decline"})
        assert b"Enter why you are declining the case" in no_reason.content
        declined = supervisor.post(
            f"/cases/transfers/{transfer.uuid}/",
            {"decision": "decline", "reason": "Housing tenancy issue, not criminal"},
        )
        assert declined.status_code == 302
        transfer.refresh_from_db()
        assert transfer.status == "declined"
        assert organisation_case_permissions(cast.partner.organisation, case) == set()
        case.refresh_from_db()
        assert case.lead_organisation == cast.owner.organisation

    def test_an_unrelated_organisation_cannot_see_or_decide_a_transfer(self, cast):
        transfer = self.propose(cast, make_case(cast.owner.officer))
        client = client_for(cast.unrelated.supervisor)
        assert client.get(f"/cases/transfers/{transfer.uuid}/").status_code == 404
        assert (
            client.post(f"/cases/transfers/{transfer.uuid}/", {"decision": "accept"}).status_code
            == 404
        )
        assert transfer.case.reference not in client.get("/cases/transfers/").content.decode()

    def test_only_one_transfer_waits_at_a_time_and_it_can_be_withdrawn(self, cast):
        case = make_case(cast.owner.officer)
        transfer = self.propose(cast, case)
        with pytest.raises(ValidationError, match="already awaiting"):
            services.case_transfer_propose(
                actor=cast.owner.officer,
                case=case,
                to_organisation=cast.contributor.organisation,
                reason="x",
            )
        client = client_for(cast.owner.officer)
        assert client.post(f"/cases/transfers/{transfer.uuid}/withdraw/").status_code == 302
        transfer.refresh_from_db()
        assert transfer.status == OwnershipTransfer.Status.WITHDRAWN
        assert organisation_case_permissions(cast.partner.organisation, case) == set()

    def test_a_view_share_survives_a_declined_transfer(self, cast):
        case = make_case(cast.owner.officer)
        share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
        transfer = self.propose(cast, case)
        services.case_transfer_decline(
            actor=cast.partner.supervisor, transfer=transfer, reason="No"
        )
        assert organisation_case_permissions(cast.partner.organisation, case) == {
            "view_case",
            "view_case_people",
        }
