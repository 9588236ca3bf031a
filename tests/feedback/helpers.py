"""A closed case whose victim gets a survey link, as the outbox task sends it."""

from __future__ import annotations

import re

from django.core import mail

from asb_cases import services as case_services
from feedback import services
from partners.models import OutboxTask
from tests.factories import make_case, make_incident, make_person


def close_case_with_victim(officer, email="mabel@example.org"):
    victim = make_person(officer, given_name="Mabel", family_name="Thornbury", email=email)
    case = make_case(officer, incidents=[make_incident(officer, victim=victim)])
    case_services.case_change_status(
        actor=officer,
        case=case,
        status="closed",
        closure_reason="resolved",
        expected_version=case.version,
    )
    case.refresh_from_db()
    return case


def survey_link_after_closing(officer) -> str:
    """Close a case, run the outbox task it recorded, and return the path in the e-mail."""
    case = close_case_with_victim(officer)
    task = OutboxTask.objects.filter(task_name="feedback.invite_after_case").latest("pk")
    assert task.kwargs == {"case_id": case.pk}
    assert services.survey_invite_after_case(**task.kwargs) == 1
    body = mail.outbox[-1].body
    return re.search(r"https?://[^/\s]+(/feedback/[^/\s]+/)", body).group(1)
