"""The partnership's admin brings a housing provider in under its information sharing
agreement, then suspends an organisation: its users and API clients stop at once, its records
stay. axe checks every page at desktop width and at 375 px."""

from __future__ import annotations

from django.test import Client

from asb_cases.models import Case
from partners import services
from partners.models import AuditEvent, Organisation, User
from tests.factories import TEST_ACTOR, make_case


def test_the_partnership_admin_adds_an_organisation_and_suspends_another(journey, cast):
    admin_membership = cast.pcc.admin.membership
    admin_membership.is_partnership_admin = True
    admin_membership.save(update_fields=["is_partnership_admin"])
    case = make_case(cast.owner.officer, title="Kept while suspended")
    token = services.api_client_create(
        actor=TEST_ACTOR,
        organisation=cast.owner.organisation,
        name="Housing CRM",
        role="case_officer",
    ).token

    admin = journey()
    admin.sign_in("admin@test-opcc")
    admin.visit("/partnership/organisations/")
    admin.submit("Add an organisation")
    admin.submit("Add organisation and invite its admin")  # empty: the error summary
    assert admin.page.title().startswith("Error:")
    assert (
        "Enter the organisation's name" in admin.page.locator(".govuk-error-summary").inner_text()
    )

    admin.fill("Name", "Teesside Homes")
    admin.fill("Short name", "teesside-homes")
    admin.choose("Housing provider")
    admin.page.get_by_label("Darlington", exact=False).first.check()
    admin.choose("UK GDPR Article 6(1)(e): public task")
    admin.fill("Information sharing agreement reference", "ISA-DARL-2026-07")
    admin.page.locator("[name='isa_starts_on-day']").fill("1")
    admin.page.locator("[name='isa_starts_on-month']").fill("12")
    admin.page.locator("[name='isa_starts_on-year']").fill("2026")
    admin.page.locator("[name='isa_ends_on-day']").fill("30")
    admin.page.locator("[name='isa_ends_on-month']").fill("11")
    admin.page.locator("[name='isa_ends_on-year']").fill("2026")  # before it starts
    admin.fill("First partner admin: first name", "Rowan")
    admin.fill("First partner admin: last name", "Teeside")
    admin.fill("First partner admin: work e-mail address", "rowan@teesside-homes.example.org")
    admin.submit("Add organisation and invite its admin")
    assert "The agreement must end after it starts" in admin.text()
    assert not Organisation.objects.filter(slug="teesside-homes").exists()
    admin.page.locator("[name='isa_ends_on-year']").fill("2029")
    admin.submit("Add organisation and invite its admin")
    assert "Teesside Homes has been added" in admin.text()

    added = Organisation.objects.get(slug="teesside-homes")
    assert added.kind == "housing_provider" and added.isa_reference == "ISA-DARL-2026-07"
    assert str(added.isa_starts_on) == "2026-12-01" and str(added.isa_ends_on) == "2029-11-30"
    assert list(added.areas.values_list("code", flat=True)) == ["E06000005"]
    first_admin = User.objects.get(username="rowan@teesside-homes.example.org")
    assert first_admin.membership.organisation == added
    assert first_admin.membership.role == "partner_admin"
    assert AuditEvent.objects.filter(action="organisation_onboard", actor=cast.pcc.admin).exists()

    # The owner's officer is signed in when their organisation is suspended.
    officer = journey()
    officer.sign_in("officer@test-housing")
    officer.visit(f"/cases/{case.uuid}/")
    assert "Kept while suspended" in officer.text()

    admin.visit("/partnership/organisations/")
    admin.follow("Suspend Test Housing")
    admin.submit("Suspend organisation")  # no reason: an error
    assert "Enter why the organisation is being suspended" in admin.text()
    admin.fill("Why is the organisation being suspended?", "Agreement lapsed pending renewal")
    admin.submit("Suspend organisation")
    assert "Test Housing is suspended" in admin.text()
    assert "Suspended" in admin.text()

    officer.visit(f"/cases/{case.uuid}/")
    assert officer.page.url.startswith(officer.base_url + "/sign-in/")
    officer.sign_in("officer@test-housing")
    assert "There is a problem" in officer.text()
    api = Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token}")
    assert api.status_code == 401
    assert Case.objects.filter(pk=case.pk, title="Kept while suspended").exists()

    # At 375 px wide.
    admin.page.set_viewport_size({"width": 375, "height": 800})
    admin.visit("/partnership/organisations/")
    admin.submit("Add an organisation")
    admin.visit("/partnership/organisations/")
    admin.submit("Reinstate Test Housing")
    assert "Test Housing is active again" in admin.text()


def test_only_the_partnership_admin_may_add_or_suspend(journey, cast):
    admin = journey()
    admin.sign_in("admin@test-housing")
    admin.visit("/partnership/organisations/add/")
    assert "Page not found" in admin.text()
    admin.visit(f"/partnership/organisations/{cast.partner.organisation.slug}/suspend/")
    assert "Page not found" in admin.text()
