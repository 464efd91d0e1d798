"""Thin Celery tasks over the agreements' services."""

from celery import shared_task


@shared_task(name="agreements.retired_documents_delete")
def retired_documents_delete() -> str:
    """Nightly: delete the signed documents retired longer ago than AGREEMENT_DOCUMENT_RETENTION_DAYS."""
    from agreements.services import retired_documents_delete as delete

    deleted = delete()
    return f"{deleted} retired document{'' if deleted == 1 else 's'} deleted"
