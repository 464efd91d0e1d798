"""Thin Celery tasks over the register's services."""

from celery import shared_task


@shared_task(name="stakeholders.privacy_retention")
def privacy_retention(today: str | None = None) -> str:
    """Daily: anonymise people who left long ago and make old assessment answers anonymous."""
    from datetime import date

    from django.utils import timezone

    from stakeholders.privacy import privacy_retention as retention

    day = date.fromisoformat(today) if today else None
    # A schedule given a day ahead would anonymise, irreversibly, people not yet due (everyone who has left).
    if day is not None and day > timezone.localdate():
        raise ValueError(f"privacy_retention refuses a day in the future ({day.isoformat()})")
    summary = retention(today=day)
    return summary.describe()
