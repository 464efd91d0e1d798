from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# Most severe first: reports and the dashboard list flags in this order.
SEVERITY_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW)


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


UNRESOLVED = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


class SubjectType(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement")
    PARTY = "party", _("Party")
    PERSON = "person", _("Person")
    RESPONSIBILITY = "responsibility", _("Responsibility")


class ScanStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class ScanTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    ADMIN = "admin", _("Admin")
    API = "api", _("API")
    COMMAND = "command", _("Command")


class ReportKind(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator's agreements")
    PORTFOLIO = "portfolio", _("Whole portfolio")
    REMINDER = "reminder", _("Reminder of commitments and follow-ups")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (will be retried)")
    SKIPPED = "skipped", _("Skipped")
