"""The worker probe: ``check_worker`` sends it through the broker; the answer proves a worker reaches the database."""

from celery import shared_task


@shared_task(name="samverkan.probe", ignore_result=False)
def probe() -> dict:
    """Report, from inside a worker, that it reaches the database (and how many organisations it sees)."""
    from samverkan_project.health import database_is_up
    from stakeholders.models import Organization

    up = database_is_up()
    return {"database": "up" if up else "down", "organizations": Organization.objects.count() if up else None}
