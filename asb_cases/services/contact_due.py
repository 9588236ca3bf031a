"""The next contact due for each victim, kept on their case link (CasePerson.contact_due_on,
with the lead organisation and officer who owe it) so My work reads it from an index.

The date is victims.selectors.contact_due of the case's opening, its risk band, the last contact
that reached the victim on the case and the contact standards: none of these depend on today,
so a stored date stays right until one of them changes. Every service that changes one calls
`victims_contact_due_refresh` for the case, in its transaction: a victim put on a case, a
contact logged, the risk band, the lead organisation or officer, or the status changed. A change
to the contact standards (or to the bank holidays, with the `holidays` package) moves every
date: `contact_due_refresh_all`, run by a background task through the outbox or by the
`contact_due_refresh` command.

The last contact is every agency's (made_contact) contact with the victim on the case: what the
lead organisation reads through access.rules.contacts, since it holds the people level on the
cases it leads and consent never hides a case's people from its lead.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Max

from asb_cases.models import Case, CasePerson, CaseStatus, ContactLog, PersonRole
from partners.outbox import outbox_enqueue
from victims.selectors import contact_due, contact_standards

# Cases per statement when refreshing the whole partnership.
BATCH = 2000

_UPDATE = """
    UPDATE asb_cases_caseperson AS link
    SET contact_due_on = v.due_on,
        contact_organisation_id = v.organisation_id,
        contact_officer_id = v.officer_id
    FROM unnest(%s::bigint[], %s::date[], %s::uuid[], %s::bigint[])
        AS v(id, due_on, organisation_id, officer_id)
    WHERE link.id = v.id
"""


def victims_contact_due_refresh(*, case_ids: Iterable[int]) -> int:
    """Recompute the stored next contact of every victim on these cases; write only those that
    changed (one statement). Returns how many changed."""
    case_ids = sorted(set(case_ids))
    if not case_ids:
        return 0
    links = list(
        CasePerson.objects.filter(case_id__in=case_ids, role=PersonRole.VICTIM).values_list(
            "pk",
            "case_id",
            "person_id",
            "case__status",
            "case__opened_at",
            "case__risk_band",
            "case__lead_organisation_id",
            "case__lead_officer_id",
            "contact_due_on",
            "contact_organisation_id",
            "contact_officer_id",
        )
    )
    if not links:
        return 0
    last = {
        (case_id, person_id): at
        for case_id, person_id, at in ContactLog.objects.filter(
            case_id__in=case_ids, made_contact=True
        )
        .values("case_id", "person_id")
        .annotate(last=Max("contacted_at"))
        .values_list("case_id", "person_id", "last")
        .order_by()
    }
    standards = contact_standards()
    changed: tuple[list, list, list, list] = ([], [], [], [])
    for (
        pk,
        case_id,
        person_id,
        status,
        opened_at,
        risk_band,
        organisation_id,
        officer_id,
        *stored,
    ) in links:
        due_on = None
        if status != CaseStatus.CLOSED:
            due_on = contact_due(
                opened_at=opened_at,
                risk_band=risk_band,
                last_contact=last.get((case_id, person_id)),
                standards=standards,
            ).due_on
        wanted = (due_on, organisation_id, officer_id) if due_on else (None, None, None)
        if list(wanted) != stored:
            for column, value in zip(changed, (pk, *wanted), strict=True):
                column.append(value)
    if changed[0]:
        if connection.vendor == "postgresql":
            _write_in_one_statement(changed)
        else:  # the embedded SQLite default of `make run`: no arrays to unnest
            _write_with_the_orm(changed)
    return len(changed[0])


def contact_due_refresh_all() -> int:
    """Every victim's stored next contact, recomputed: those on cases that are not closed, and
    any stale date left on a closed one. In batches of cases; returns how many changed."""
    open_cases = Case.objects.exclude(status=CaseStatus.CLOSED).filter(
        person_links__role=PersonRole.VICTIM
    )
    stale = CasePerson.objects.filter(contact_due_on__isnull=False).exclude(
        case__in=open_cases.values("pk")
    )
    case_ids = sorted(
        set(open_cases.values_list("pk", flat=True)) | set(stale.values_list("case_id", flat=True))
    )
    return sum(
        victims_contact_due_refresh(case_ids=case_ids[start : start + BATCH])
        for start in range(0, len(case_ids), BATCH)
    )


def contact_standards_changed() -> None:
    """After the contact standards change: recompute every victim's next contact in the
    background (through the outbox, so it survives a broker restart; idempotent)."""
    outbox_enqueue(task_name="asb_cases.contact_due_refresh_all", kwargs={})


def _write_in_one_statement(changed: tuple[list, list, list, list]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE, list(changed))


def _write_with_the_orm(changed: tuple[list, list, list, list]) -> None:
    CasePerson.objects.bulk_update(
        [
            CasePerson(
                pk=pk,
                contact_due_on=due_on,
                contact_organisation_id=organisation_id,
                contact_officer_id=officer_id,
            )
            for pk, due_on, organisation_id, officer_id in zip(*changed, strict=True)
        ],
        ["contact_due_on", "contact_organisation", "contact_officer"],
    )
