"""Documents in retention: disposing of a case or an incident removes its files from storage
(after the disposal commits, so a rollback keeps them) and their rows; a document on a record
under legal hold stays (docs/adr/0016, addendum)."""

from __future__ import annotations

import hashlib
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from asb_cases import services as case_services
from documents.models import Document
from governance import services
from governance.models import DisposalItem, RecordType
from partners.models import AuditEvent
from tests.factories import make_case, make_incident, make_person

Status = DisposalItem.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_document(actor, title: str = "Photo of the door", **on) -> Document:
    content = f"{title} evidence".encode()
    document = Document(
        **on,
        kind=Document.Kind.EVIDENCE,
        title=title,
        file_name="evidence.txt",
        content_type="text/plain",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        visibility=Document.Visibility.ALL_AGENCIES,
        organisation=actor.membership.organisation,
        uploaded_by=actor,
        scan_status=Document.ScanStatus.NOT_SCANNED,
        created_at=timezone.now(),
    )
    document.file.save("evidence.txt", ContentFile(content), save=False)
    document.save()
    return document


def stored(document: Document) -> bool:
    return document.file.storage.exists(document.file.name)


def closed_case(officer, **kw):
    incident = make_incident(officer, victim=make_person(officer, family_name="Docholder"))
    case = make_case(officer, incidents=[incident], **kw)
    case.refresh_from_db()
    case_services.case_change_status(
        actor=officer,
        case=case,
        status="closed",
        closure_reason="resolved",
        expected_version=case.version,
    )
    return case, incident


def approved(organisation, record_type, record_id) -> DisposalItem:
    return DisposalItem.objects.create(
        organisation=organisation,
        record_type=record_type,
        record_id=record_id,
        label="test item",
        due_on=timezone.localdate(),
        action="anonymise",
        status=Status.APPROVED,
    )


def test_disposing_of_a_case_removes_its_documents_files_and_rows_after_commit(
    cast, django_capture_on_commit_callbacks
):
    owner = cast.owner
    case, incident = closed_case(owner.officer)
    on_case = make_document(owner.officer, case=case)
    partner_copy = make_document(owner.admin, title="Letter scan", case=case)
    on_incident = make_document(owner.officer, title="Noise recording", incident=incident)
    other_case, _ = closed_case(owner.officer, title="Another case")
    elsewhere = make_document(owner.officer, case=other_case)
    item = approved(owner.organisation, RecordType.CLOSED_CASE, case.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.disposal_item_dispose(item_id=item.pk) == "disposed"
        # Inside the transaction the files are still there: they go only once it commits.
        assert stored(on_case) and stored(on_incident)

    assert callbacks
    assert not Document.objects.filter(pk__in=[on_case.pk, partner_copy.pk, on_incident.pk])
    assert not stored(on_case) and not stored(partner_copy) and not stored(on_incident)
    assert Document.objects.filter(pk=elsewhere.pk).exists() and stored(elsewhere)
    event = AuditEvent.objects.get(action="retention_dispose", target_id=str(case.pk))
    assert event.detail["removed"]["documents"] == 3


def test_a_disposal_rolled_back_keeps_the_files_and_the_rows(
    cast, django_capture_on_commit_callbacks
):
    owner = cast.owner
    case, _ = closed_case(owner.officer)
    document = make_document(owner.officer, case=case)
    item = approved(owner.organisation, RecordType.CLOSED_CASE, case.pk)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        mock.patch.object(services, "audit_record", side_effect=RuntimeError("worker killed")),
        pytest.raises(RuntimeError),
    ):
        services.disposal_item_dispose(item_id=item.pk)

    assert callbacks == []
    assert Document.objects.filter(pk=document.pk).exists()
    assert stored(document)
    item.refresh_from_db()
    assert item.status == Status.APPROVED
    case.refresh_from_db()
    assert case.title != "Disposed case"


def test_disposing_of_an_incident_removes_its_documents(cast, django_capture_on_commit_callbacks):
    owner = cast.owner
    incident = make_incident(owner.officer)
    document = make_document(owner.officer, incident=incident)
    item = approved(owner.organisation, RecordType.INCIDENT, incident.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.disposal_item_dispose(item_id=item.pk) == "disposed"

    assert not Document.objects.filter(pk=document.pk).exists()
    assert not stored(document)


def test_documents_on_a_held_case_stay(cast, django_capture_on_commit_callbacks):
    owner = cast.owner
    case, incident = closed_case(owner.officer)
    on_case = make_document(owner.officer, case=case)
    on_incident = make_document(owner.officer, incident=incident)
    services.legal_hold_place(
        actor=owner.admin,
        organisation=owner.organisation,
        scope="case",
        target_id=case.pk,
        reason="Disrepair claim",
    )
    item = approved(owner.organisation, RecordType.CLOSED_CASE, case.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.disposal_item_dispose(item_id=item.pk) == "held"
    item.refresh_from_db()

    assert item.status == Status.HELD
    assert Document.objects.filter(pk__in=[on_case.pk, on_incident.pk]).count() == 2
    assert stored(on_case) and stored(on_incident)


def test_a_held_incident_on_a_disposed_case_keeps_its_documents(
    cast, django_capture_on_commit_callbacks
):
    owner = cast.owner
    case, incident = closed_case(owner.officer)
    on_case = make_document(owner.officer, case=case)
    on_incident = make_document(owner.officer, incident=incident)
    services.legal_hold_place(
        actor=owner.admin,
        organisation=owner.organisation,
        scope="incident",
        target_id=incident.pk,
        reason="Complaint to the ombudsman about this report",
    )
    item = approved(owner.organisation, RecordType.CLOSED_CASE, case.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.disposal_item_dispose(item_id=item.pk) == "disposed"

    assert not Document.objects.filter(pk=on_case.pk).exists() and not stored(on_case)
    assert Document.objects.filter(pk=on_incident.pk).exists() and stored(on_incident)
    incident.refresh_from_db()
    assert incident.description != services.DISPOSED_TEXT
    # Not marked disposed with the case: it waits for its own turn, and its hold.
    assert not DisposalItem.objects.filter(
        record_type=RecordType.INCIDENT, record_id=incident.pk
    ).exists()
