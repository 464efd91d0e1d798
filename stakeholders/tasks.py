"""Thin Celery tasks over the register's services."""

from celery import shared_task


@shared_task(name="stakeholders.privacy_retention")
def privacy_retention(today: str | None = None) -> str:
    """Daily: anonymise people who left long ago and make old assessment answers anonymous."""
    from datetime import date

    from stakeholders.privacy import privacy_retention as retention

    summary = retention(today=date.fromisoformat(today) if today else None)
    return summary.describe()
