from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Tooling without models: demo data, operator commands, the benchmarks and the load test."""

    name = "ops"
    verbose_name = _("Operations")
