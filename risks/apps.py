from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    """The risk engine: rules registered with ``risks.engine``, scans, flags and the weekly report."""

    name = "risks"
    verbose_name = _("Risks")

    def ready(self) -> None:
        # Each rules module registers its rules and fact loaders with the engine when imported; another app
        # plugs in a rule the same way, from its own AppConfig.ready().
        from risks import (
            privacy,  # noqa: F401  (registers its part of a person's export and erasure)
            reminders,  # noqa: F401  (renders the weekly reminders the report deliveries send)
        )
        from risks.rules import agreements, assessments, collaboration, dialogue, sectors  # noqa: F401
