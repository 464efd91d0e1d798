from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from simple_history.signals import post_create_historical_record

        from integrations import privacy  # noqa: F401  (registers its part of a person's export and erasure)
        from integrations.history import note_token_write, token_notes
        from samverkan_project.cache import create_cache_tables
        from samverkan_project.history_admin import register_history_note

        post_create_historical_record.connect(note_token_write, dispatch_uid="integrations.note_token_write")
        # The column's title is translated on the page ({% trans column %} in simple_history's template).
        register_history_note(gettext_noop("API token"), token_notes)
        # The database cache's table (the failure counts of the token, link and login limits), once per migrate.
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="samverkan_project.create_cache_tables")
