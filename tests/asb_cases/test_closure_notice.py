"""The closure notice to a case's victims (issue 14, item 8): the lead organisation records why
the case closed, how each victim was told and who their single point of contact is; an e-mail
notice goes through the outbox, once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from asb_cases import services
from asb_cases.models import CaseClosureNotice
from asb_cases.services import closure
from partners.models import AuditEvent, OutboxTask
from tests.conftest import client_for
from tests.factories import make_incident, make_person

VICTIM_EMAIL = "marigold@example.org"


def close(case, actor, reason="resolved"):
    services.case_change_status(
        actor=actor,
        case=case,
        status="closed",
        closure_reason=reason,
        expected_version=case.version,
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def closed_case(cast, shared_case):
    """The shared case, closed; its victim's details (with an e-mail) held by the lead."""
    victim = shared_case.incident.victim
    victim.details.filter(organisation=cast.owner.organisation).update(email=VICTIM_EMAIL)
    return close(shared_case.case, cast.owner.officer)


def notice_url(case) -> str:
    return f"/cases/{case.uuid}/closure-notice/"


def record(case, actor, how="letter", person=None, reasons="The noise has stopped."):
    person = person or case.person_links.get(role="victim").person
    return closure.case_closure_notice_record(
        actor=actor, case=case, person=person, reasons=reasons, how=how
    )


def test_the_lead_records_a_letter_notice_naming_the_single_point_of_contact(cast, closed_case):
    notice = record(closed_case, cast.owner.supervisor)
    assert notice.contact_officer == cast.owner.officer  # the case's lead officer
    assert notice.contact_name == cast.owner.officer.display_name
    assert notice.contact_organisation == cast.owner.organisation
    assert not OutboxTask.objects.filter(task_name=closure.SEND_TASK).exists()
    assert AuditEvent.objects.filter(action="case_closure_notice_record").count() == 1


def test_an_email_notice_is_sent_once_through_the_outbox(cast, closed_case):
    mail.outbox.clear()
    notice = record(closed_case, cast.owner.officer, how="email")
    task = OutboxTask.objects.get(task_name=closure.SEND_TASK)
    assert task.kwargs == {"notice_id": notice.pk}
    from asb_cases.tasks import send_closure_notice

    assert send_closure_notice(**task.kwargs) is True
    assert send_closure_notice(**task.kwargs) is False  # idempotent
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [VICTIM_EMAIL]
    assert closed_case.reference in sent.subject
    assert "The noise has stopped." in sent.body
    assert f"{cast.owner.officer.display_name}, {cast.owner.organisation.name}" in sent.body
    # Nothing about the case beyond what the victim needs.
    assert closed_case.title not in sent.body
    notice.refresh_from_db()
    assert notice.email_sent_at is not None


def test_what_a_notice_needs(cast, closed_case, shared_case):
    person = closed_case.person_links.get(role="victim").person
    with pytest.raises(ValidationError) as no_reasons:
        record(closed_case, cast.owner.officer, reasons="  ", how="fax")
    assert set(no_reasons.value.message_dict) == {"reasons", "how"}
    person.details.filter(organisation=cast.owner.organisation).update(email="")
    with pytest.raises(ValidationError) as no_email:
        record(closed_case, cast.owner.officer, how="email")
    assert "no e-mail address" in no_email.value.message_dict["how"][0]
    # Someone who is not a victim on the case.
    stranger = make_person(cast.owner.officer, given_name="Rowan", family_name="Unlinked")
    with pytest.raises(ValidationError) as not_on_case:
        record(closed_case, cast.owner.officer, person=stranger)
    assert "person" in not_on_case.value.message_dict
    assert not CaseClosureNotice.objects.exists()


def test_only_once_closed_and_only_with_a_lead_officer(cast):
    from tests.factories import make_case

    victim = make_person(cast.owner.officer, given_name="Ada", family_name="Quill")
    case = make_case(
        cast.owner.officer, incidents=[make_incident(cast.owner.officer, victim=victim)]
    )
    with pytest.raises(ValidationError, match="once the case is closed"):
        record(case, cast.owner.officer, person=victim)
    close(case, cast.owner.officer)
    case.lead_officer = None
    case.save(update_fields=["lead_officer"])
    with pytest.raises(ValidationError, match="Assign the case a lead officer"):
        record(case, cast.owner.officer, person=victim)


def test_partners_may_not_record_one(cast, closed_case):
    for actor in (cast.partner.officer, cast.contributor.officer, cast.owner.analyst):
        with pytest.raises(PermissionDenied):
            record(closed_case, actor)


def test_the_page_who_may_and_the_error_summary(cast, closed_case):
    url = notice_url(closed_case)
    assert client_for(cast.partner.officer).get(url).status_code == 403
    assert client_for(cast.contributor.supervisor).get(url).status_code == 403
    assert client_for(cast.unrelated.supervisor).get(url).status_code == 404

    client = client_for(cast.owner.officer)
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Problem resolved." in body  # the reasons, prefilled from the closure reason
    assert "Marigold Featherstone" in body
    assert cast.owner.officer.display_name in body

    empty = client.post(url, {"reasons": ""})
    body = empty.content.decode()
    assert empty.status_code == 200
    assert "govuk-error-summary" in body
    assert "Select the victim who was told" in body
    assert "Select how the victim was told" in body
    assert not CaseClosureNotice.objects.exists()

    person = closed_case.person_links.get(role="victim").person
    saved = client.post(
        url, {"person": str(person.uuid), "reasons": "The noise has stopped.", "how": "phone"}
    )
    assert saved.status_code == 302
    notice = CaseClosureNotice.objects.get()
    assert notice.how == "phone" and notice.recorded_by == cast.owner.officer

    case_page = client.get(f"/cases/{closed_case.uuid}/").content.decode()
    assert "Closure notice to Marigold Featherstone (by phone)" in case_page  # the timeline
    assert "Single point of contact: " in case_page
    # A partner sees the case but not the notice about the victim.
    partner_page = client_for(cast.partner.officer).get(f"/cases/{closed_case.uuid}/")
    assert "Single point of contact: " not in partner_page.content.decode()
