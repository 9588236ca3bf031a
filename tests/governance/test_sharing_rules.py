"""The partnership's default sharing rules: "the police see housing providers' cases with hate
incidents at view level", set by the partnership's admin and applied, through the case sharing
service, when a case gets a matching incident (docs/adr/0017, addendum)."""

from __future__ import annotations

import datetime as dt

import pytest

from access import rules as access_rules
from access.viewer import viewer_for
from asb_cases import services as case_services
from asb_cases.models import CaseShare, IncidentType
from asb_cases.services.incidents import IncidentInput
from governance import sharing
from governance.models import SharingRule
from partners.models import AuditEvent, Organisation
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person

pytestmark = pytest.mark.django_db


def partnership_admin(cast):
    admin = cast.pcc.admin
    admin.membership.is_partnership_admin = True
    admin.membership.save(update_fields=["is_partnership_admin"])
    return admin


@pytest.fixture
def hate_rule(cast):
    return sharing.sharing_rule_create(
        actor=partnership_admin(cast),
        from_kind=Organisation.Kind.HOUSING_PROVIDER,
        to_organisation=cast.partner.organisation,
        hate_only=True,
        access_level="view",
    )


def hate_incident(officer, **kw):
    return make_incident(officer, hate_motivated=True, protected_characteristic="race", **kw)


def police_see(cast, case) -> bool:
    return access_rules.cases(viewer_for(cast.partner.officer)).filter(pk=case.pk).exists()


def test_a_housing_case_with_a_hate_incident_is_shared_with_the_police_at_view_level(
    cast, hate_rule
):
    case = make_case(cast.owner.officer, incidents=[hate_incident(cast.owner.officer)])

    share = CaseShare.objects.get(case=case)
    assert share.organisation == cast.partner.organisation
    assert share.access_level == "view" and share.include_people is False
    assert share.legal_basis == CaseShare.LegalBasis.ISA
    assert share.purpose.startswith("Partnership default rule: Test Police see cases led by")
    assert share.shared_by == hate_rule.created_by
    assert police_see(cast, case)
    assert not access_rules.CaseAccess.of(viewer_for(cast.partner.officer), case).allows(
        access_rules.CONTRIBUTE
    )
    event = AuditEvent.objects.get(action="case_share_with_partner", target_id=str(case.pk))
    assert event.actor_label == "system:sharing-rule"
    assert event.organisation == cast.owner.organisation
    assert event.detail["rule"] == hate_rule.pk
    assert event.detail["rule_set_by"] == hate_rule.created_by.get_username()
    assert event.detail["legal_basis"] == "isa"


def test_a_case_without_a_matching_incident_is_not_shared_until_it_gets_one(cast, hate_rule):
    officer = cast.owner.officer
    case = make_case(officer, incidents=[make_incident(officer)])
    # Another kind of lead: the council's hate incident is not the rule's business.
    council = cast.contributor.officer
    council_case = make_case(council, incidents=[hate_incident(council)])
    assert not CaseShare.objects.filter(case__in=[case, council_case]).exists()

    case_services.case_link_incident(actor=officer, case=case, incident=hate_incident(officer))

    assert CaseShare.objects.get(case=case).organisation == cast.partner.organisation
    assert not CaseShare.objects.filter(case=council_case).exists()


def test_an_incident_recorded_again_as_hate_shares_the_open_cases_it_is_on(cast, hate_rule):
    officer = cast.owner.officer
    incident = make_incident(officer)
    case = make_case(officer, incidents=[incident])
    assert not police_see(cast, case)

    case_services.incident_update(
        actor=officer,
        incident=incident,
        data=IncidentInput(
            occurred_at=incident.occurred_at,
            reported_at=incident.reported_at,
            channel=incident.channel,
            category=incident.category,
            incident_type=incident.incident_type,
            description=incident.description,
            hate_motivated=True,
            protected_characteristic="religion",
        ),
    )

    assert police_see(cast, case)


def test_a_share_the_lead_revoked_is_not_made_again(cast, hate_rule):
    officer = cast.owner.officer
    case = make_case(officer, incidents=[hate_incident(officer)])
    case_services.case_share_revoke(
        actor=officer, share=CaseShare.objects.get(case=case), reason="Not needed"
    )

    case_services.case_link_incident(actor=officer, case=case, incident=hate_incident(officer))

    assert CaseShare.objects.filter(case=case).count() == 1
    assert not police_see(cast, case)


def test_a_rule_cannot_share_past_a_victims_withdrawn_consent_and_says_so(cast, hate_rule):
    from victims import services as victim_services

    officer = cast.owner.officer
    victim = make_person(officer, family_name="Nosharing")
    case = make_case(officer, incidents=[make_incident(officer, victim=victim)])
    victim_services.person_consent_withdraw(
        actor=officer, person=victim, withdrawn_on=dt.date.today()
    )

    linked = case_services.case_link_incident(
        actor=officer, case=case, incident=hate_incident(officer)
    )

    assert linked is True
    assert not CaseShare.objects.filter(case=case).exists()
    event = AuditEvent.objects.get(action="sharing_rule_not_applied")
    assert event.target_id == str(case.pk) and event.detail["rule"] == hate_rule.pk
    assert "withdrew consent" in event.detail["reason"]


def test_a_retired_rule_shares_nothing_more(cast, hate_rule):
    officer = cast.owner.officer
    first = make_case(officer, incidents=[hate_incident(officer)])

    sharing.sharing_rule_retire(actor=hate_rule.created_by, rule=hate_rule)
    second = make_case(officer, incidents=[hate_incident(officer)])

    assert police_see(cast, first)  # what it shared stays, for the lead to revoke
    assert not CaseShare.objects.filter(case=second).exists()
    assert AuditEvent.objects.filter(action="sharing_rule_retire").exists()


def test_rules_by_organisation_type_and_category_and_contribute_with_people(cast):
    admin = partnership_admin(cast)
    noise = IncidentType.objects.get(code="noise")
    sharing.sharing_rule_create(
        actor=admin,
        from_organisation=cast.owner.organisation,
        to_organisation=cast.contributor.organisation,
        incident_type=noise,
        category="personal",
        access_level="contribute",
        include_people=True,
    )
    officer = cast.owner.officer
    other = make_case(officer, incidents=[make_incident(officer, category="nuisance")])
    case = make_case(officer, incidents=[make_incident(officer, category="personal")])

    assert not CaseShare.objects.filter(case=other).exists()
    share = CaseShare.objects.get(case=case)
    assert share.organisation == cast.contributor.organisation
    assert share.access_level == "contribute" and share.include_people is True


def test_only_the_partnership_admin_sets_rules(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        sharing.sharing_rule_create(
            actor=cast.owner.admin,
            from_kind="housing_provider",
            to_organisation=cast.partner.organisation,
            hate_only=True,
            access_level="view",
        )


def test_the_partnership_admin_adds_and_retires_a_rule_in_the_page(cast):
    admin = partnership_admin(cast)
    client = client_for(admin)

    page = client.get("/partnership/sharing-rules/")
    assert page.status_code == 200 and b"No rules" in page.content

    bad = client.post(
        "/partnership/sharing-rules/",
        {"to_organisation": cast.partner.organisation.pk, "access_level": "view"},
    )
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "govuk-error-summary" in html
    assert "Select either a kind of organisation or one organisation" in html
    assert "Select which incidents the rule is about" in html
    assert not SharingRule.objects.exists()

    added = client.post(
        "/partnership/sharing-rules/",
        {
            "to_organisation": cast.partner.organisation.pk,
            "from_kind": "housing_provider",
            "hate_only": "on",
            "access_level": "view",
        },
    )
    assert added.status_code == 302
    rule = SharingRule.objects.get()
    assert rule.describe() == (
        "Test Police see cases led by Housing provider with hate incidents, at view level"
    )
    listing = client.get("/partnership/sharing-rules/").content.decode()
    assert rule.describe() in listing

    retired = client.post(f"/partnership/sharing-rules/{rule.pk}/retire/")
    assert retired.status_code == 302
    rule.refresh_from_db()
    assert rule.retired_at is not None and rule.retired_by == admin


@pytest.mark.parametrize("who", ["owner_admin", "partner_admin", "owner_officer"])
def test_the_rules_pages_are_not_found_for_anyone_else(cast, who):
    agency, role = who.split("_")
    user = getattr(getattr(cast, agency if agency != "partner" else "partner"), role)
    rule = sharing.sharing_rule_create(
        actor=partnership_admin(cast),
        from_kind="housing_provider",
        to_organisation=cast.partner.organisation,
        hate_only=True,
        access_level="view",
    )
    client = client_for(user)

    assert client.get("/partnership/sharing-rules/").status_code == 404
    assert client.post("/partnership/sharing-rules/", {}).status_code == 404
    assert client.post(f"/partnership/sharing-rules/{rule.pk}/retire/").status_code == 404
    rule.refresh_from_db()
    assert rule.retired_at is None
