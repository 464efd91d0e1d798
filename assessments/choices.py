from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    SCALE = "scale", _("Rating on the scale")
    TEXT = "text", _("Free text")


class RoundStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
