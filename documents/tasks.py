"""Celery tasks: thin, taking ids, calling a service; idempotent, acks_late, time-limited."""

from celery import shared_task

from documents import services
from documents.scanning import ScanUnavailable


@shared_task(
    name="documents.scan",
    acks_late=True,
    time_limit=300,
    autoretry_for=(ScanUnavailable,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=20,
)
def document_scan(document_id: int) -> str:
    return services.document_scan(document_id=document_id)


@shared_task(name="documents.orphans_sweep", acks_late=True, time_limit=3600)
def orphans_sweep() -> int:
    return services.orphan_files_sweep()
