"""The 2025 statutory guidance: a second report within six months prompts the officer at the
moment it is recorded, and the share told within the contact standard is shown; every
application has a single point of contact shown to the victim, and a closure notice with reasons;
staff record applications made by phone, letter or in person, and the figures are by channel."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from community_trigger import services
from community_trigger.models import Application, CaseReviewExplanation, Stage
from partners.working_days import add_working_days
from tests.community_trigger.conftest import apply_for, at, report
from tests.conftest import client_for
from tests.factories import make_person

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 12, 0)


@time_machine.travel(NOW, tick=False)
def test_a_second_report_prompts_the_officer_as_it_is_recorded(cast, victim):
    report(cast.owner.officer, victim, occurred=at(2026, 9, 1, 21))
    assert not CaseReviewExplanation.objects.exists()  # a first report: nothing to explain
    second = report(cast.partner.officer, victim, occurred=at(2026, 11, 19, 21))
    # No sweep has run: the prompt exists as soon as the report is recorded.
    prompt = CaseReviewExplanation.objects.get()
    assert prompt.incident == second and prompt.organisation == cast.partner.organisation
    assert prompt.due_on == add_working_days(dt.date(2026, 11, 19), prompt_days())
    page = client_for(cast.partner.officer).get("/case-reviews/").content.decode()
    assert 'data-testid="case-review-prompt"' in page
    assert f"/case-reviews/explain/{prompt.uuid}/" in page
    # The agency that did not record it is not prompted, and cannot open it.
    other = client_for(cast.unrelated.officer)
    assert 'data-testid="case-review-prompt"' not in other.get("/case-reviews/").content.decode()
    assert other.get(f"/case-reviews/explain/{prompt.uuid}/").status_code == 404
    # A third report in the window does not prompt again.
    report(cast.owner.officer, victim, occurred=at(2026, 11, 20, 1))
    assert CaseReviewExplanation.objects.count() == 1

    officer = client_for(cast.partner.officer)
    missing = officer.post(f"/case-reviews/explain/{prompt.uuid}/", {})
    assert "Select how you explained the ASB Case Review" in missing.content.decode()
    done = officer.post(f"/case-reviews/explain/{prompt.uuid}/", {"how": "phone", "notes": "Keen"})
    assert done.status_code == 302
    prompt.refresh_from_db()
    assert prompt.how == "phone" and prompt.explained_by == cast.partner.officer
    assert prompt.told_in_time
    after = officer.get("/case-reviews/").content.decode()
    assert 'data-testid="case-review-prompt"' not in after


def prompt_days() -> int:
    from victims.models import ContactStandard

    return ContactStandard.objects.get(risk_band="standard").first_contact_working_days


def test_the_dashboard_shows_the_share_told_within_the_contact_standard(cast):
    people = [
        make_person(cast.owner.officer, given_name=f"P{i}", family_name="Reporter")
        for i in range(2)
    ]
    with time_machine.travel(at(2026, 11, 2, 12), tick=False):
        for person in people:
            report(cast.owner.officer, person, occurred=at(2026, 10, 1, 21))
            report(cast.owner.officer, person, occurred=at(2026, 11, 1, 21))
    told_in_time, told_late = CaseReviewExplanation.objects.order_by("pk")
    with time_machine.travel(at(2026, 11, 3, 12), tick=False):
        services.explanation_record(
            actor=cast.owner.officer, explanation=told_in_time, how="in_person"
        )
    with time_machine.travel(at(2026, 12, 20, 12), tick=False):
        services.explanation_record(actor=cast.owner.officer, explanation=told_late, how="letter")
        page = client_for(cast.owner.supervisor).get("/case-reviews/dashboard/").content.decode()
        assert 'data-share="50"' in page
        champion = client_for(cast.champion).get("/case-reviews/dashboard/").content.decode()
        assert cast.owner.organisation.name in champion
        # Another agency sees only its own.
        unrelated = client_for(cast.unrelated.supervisor).get("/case-reviews/dashboard/")
        assert cast.owner.organisation.name not in re.sub(
            r"<header.*?</header>", "", unrelated.content.decode(), flags=re.S
        )


@time_machine.travel(NOW, tick=False)
def test_staff_record_an_application_by_letter_and_figures_are_by_channel(cast, victim):
    from asb_cases.models import IncidentType
    from partners.models import LocalAuthority

    officer = client_for(cast.owner.officer)
    data = {
        "channel": "letter",
        "relationship": "self",
        "applicant_name": "Mabel Thornbury",
        "applicant_address": "14 Elm Court",
        "victim_given_name": "Mabel",
        "victim_family_name": "Thornbury",
        "problem_type": IncidentType.objects.get(code="noise").pk,
        "problem_postcode": "DL1 4QT",
        "local_authority": LocalAuthority.objects.get(code="E06000005").pk,
        "description": "Music every night",
        "hate_motivated": "no",
    }
    missing = officer.post("/case-reviews/new/", data | {"channel": ""}).content.decode()
    assert "Select how they applied" in missing
    assert officer.post("/case-reviews/new/", data).status_code == 302
    application = Application.objects.get()
    assert application.channel == "letter" and application.source == "staff"
    # The officer who recorded it is the victim's single point of contact.
    assert application.contact_officer == cast.owner.officer
    apply_for(make_person(cast.owner.officer, given_name="On", family_name="Line"))
    page = client_for(cast.champion).get("/case-reviews/dashboard/").content.decode()
    assert 'data-channel="letter">1<' in page and 'data-channel="online">1<' in page
    assert 'data-channel="phone">0<' in page


@time_machine.travel(NOW, tick=False)
def test_the_single_point_of_contact_and_the_closure_notice_reach_the_victim(cast, victim):
    application = apply_for(victim)  # online, verified by the ASB Champion
    application.refresh_from_db()
    assert application.contact_officer == cast.champion
    champion = client_for(cast.champion)
    response = champion.post(
        f"/case-reviews/{application.uuid}/contact/", {"officer": cast.owner.officer.pk}
    )
    assert response.status_code == 302
    lookup = {"reference": application.reference, "postcode": "DL1 4QT"}
    status = Client().post("/case-review/status/", lookup).content.decode()
    assert 'data-testid="single-point-of-contact"' in status
    assert cast.owner.officer.display_name in status
    # Closure: not before the review has closed.
    url = f"/case-reviews/{application.uuid}/closure-notice/"
    early = champion.post(url, {"reasons": "Too soon", "how": "letter"}).content.decode()
    assert "once the Case Review has closed" in early
    services.application_evaluate(application_id=application.pk)
    services.application_decide_discretion(
        actor=cast.champion, application=application, outcome="not_met", reasons="One report"
    )
    services.application_record_applicant_told(
        actor=cast.champion, application=application, how="Phoned"
    )
    application.refresh_from_db()
    assert application.stage == Stage.NOT_MET
    empty = champion.post(url, {}).content.decode()
    assert "Enter the reasons the victim was given" in empty
    assert "Select how the victim was told" in empty
    reasons = "Only one report in six months; we will keep in touch through PC Hall."
    assert champion.post(url, {"reasons": reasons, "how": "letter"}).status_code == 302
    status = Client().post("/case-review/status/", lookup).content.decode()
    assert "Only one report in six months" in status
    detail = champion.get(f"/case-reviews/{application.uuid}/").content.decode()
    assert "Told by letter" in detail
    # Only the Champion records it.
    assert client_for(cast.owner.officer).get(url).status_code in (403, 404)
