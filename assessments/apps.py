from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def install_instruments(sender=None, using="default", **kwargs) -> None:
    """Put back the shipped instruments if they are missing (after a test's flush, say); never changes one."""
    from assessments.instruments import install_builtin_instruments

    install_builtin_instruments(using=using)


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from assessments import privacy  # noqa: F401  (registers its part of a person's export and erasure)

        post_migrate.connect(install_instruments, sender=self, dispatch_uid="assessments.install_instruments")
