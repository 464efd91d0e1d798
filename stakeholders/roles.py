"""The two role groups and their permissions: created by a migration (stakeholders 0005) and kept in step
with the models after every migrate."""

from django.apps import apps as global_apps
from django.utils.translation import gettext_lazy as _

COORDINATORS = "Samordnare"
READERS = "Läsare"
# Apps whose models coordinators manage and readers may read.
DOMAIN_APPS = ("stakeholders", "agreements", "assessments", "risks")
# Coordinators also run the schedules and issue API tokens (never for an account that may do more than they).
COORDINATOR_EXTRA_APPS = ("django_celery_beat", "integrations")
# DRF's own tokens can be made for any account, a superuser's too, and keep the key in clear: superusers only.
COORDINATOR_WITHHELD_APPS = ("authtoken",)
# Individual assessment answers are for coordinators only; readers see the results.
READER_WITHHELD = ("view_answer",)

GROUP_DESCRIPTIONS = {
    COORDINATORS: _("Coordinators: full access to the register, agreements, assessments and risks."),
    READERS: _("Readers: read-only access."),
}


def sync_role_groups(sender=None, using="default", apps=global_apps, **kwargs) -> None:
    """Create the role groups and grant them every permission of the domain apps (``apps``: a migration's)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    domain = Permission.objects.using(using).filter(content_type__app_label__in=DOMAIN_APPS)
    extra = Permission.objects.using(using).filter(content_type__app_label__in=COORDINATOR_EXTRA_APPS)
    coordinators, _created = Group.objects.using(using).get_or_create(name=COORDINATORS)
    coordinators.permissions.add(*domain, *extra)
    coordinators.permissions.remove(
        *Permission.objects.using(using).filter(content_type__app_label__in=COORDINATOR_WITHHELD_APPS)
    )
    readers, _created = Group.objects.using(using).get_or_create(name=READERS)
    readable = domain.filter(codename__startswith="view_")
    readers.permissions.add(*readable.exclude(codename__in=READER_WITHHELD))
    readers.permissions.remove(*readable.filter(codename__in=READER_WITHHELD))


def role_group(name: str, using: str = "default"):
    """The role group ``name``, (re)created with its permissions if it is missing (a flushed database)."""
    from django.contrib.auth.models import Group

    group = Group.objects.using(using).filter(name=name).first()
    if group is None:
        sync_role_groups(using=using)
        group = Group.objects.using(using).get(name=name)
    return group
