"""Health of the services the system depends on: the database and the Celery broker."""

import logging

from django.db import connection

logger = logging.getLogger(__name__)


def database_is_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "down"; the reason goes to the log only
        logger.warning("health: database unreachable", exc_info=True)
        return False
    return True


def broker_is_up(timeout: float = 2.0) -> bool:
    from samverkan_project.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            # ensure_connection is lazy for some transports; a channel proves the socket works.
            conn.default_channel  # noqa: B018
    except Exception:
        logger.warning("health: broker unreachable", exc_info=True)
        return False
    return True


def health_status() -> dict[str, str]:
    """Up/down per service, and the overall status; no detail beyond that."""
    services = {
        "database": "up" if database_is_up() else "down",
        "broker": "up" if broker_is_up() else "down",
    }
    overall = "ok" if all(state == "up" for state in services.values()) else "unavailable"
    return {"status": overall, **services}
