from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = _("Stakeholder register")

    def ready(self) -> None:
        from stakeholders.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="stakeholders.sync_role_groups")
