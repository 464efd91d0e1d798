from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments and risks")

    def ready(self) -> None:
        # Registers the agreement and assessment risk rules with the engine.
        from assessments import assessment_rules, risk_rules  # noqa: F401
