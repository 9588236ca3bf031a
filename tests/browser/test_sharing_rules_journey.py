"""The partnership's admin sets a default sharing rule ("the police see housing providers'
cases with hate incidents, at view level") beside onboarding, and a housing case that gets a
hate incident is shared with the police. axe checks every page at desktop width and 375 px."""

from __future__ import annotations

from asb_cases.models import CaseShare
from governance.models import SharingRule
from tests.factories import make_case, make_incident


def test_the_partnership_admin_sets_a_default_sharing_rule(journey, cast):
    membership = cast.pcc.admin.membership
    membership.is_partnership_admin = True
    membership.save(update_fields=["is_partnership_admin"])

    admin = journey()
    admin.sign_in("admin@test-opcc")
    admin.visit("/partnership/organisations/")
    admin.follow("default sharing rules")
    assert "No rules" in admin.text()
    admin.submit("Add rule")  # nothing chosen: the error summary
    assert admin.page.title().startswith("Error:")
    summary = admin.page.locator(".govuk-error-summary").inner_text()
    assert "Select the organisation that sees the cases" in summary

    admin.page.get_by_label("Which organisation sees the cases").select_option(label="Test Police")
    admin.page.get_by_label("Cases led by any organisation of this kind").select_option(
        label="Housing provider"
    )
    admin.page.get_by_label("Only cases with a hate incident").check()
    admin.choose("View")
    admin.submit("Add rule")
    rule_text = "Test Police see cases led by Housing provider with hate incidents, at view level"
    assert f"Rule added: {rule_text}" in admin.text()
    assert SharingRule.objects.get().describe() == rule_text

    officer = cast.owner.officer
    case = make_case(
        officer,
        incidents=[make_incident(officer, hate_motivated=True, protected_characteristic="race")],
    )
    assert CaseShare.objects.get(case=case).organisation == cast.partner.organisation

    admin.submit(f"Retire the rule: {rule_text}")
    assert "Rule retired" in admin.text() and "No rules" in admin.text()
