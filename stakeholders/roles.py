"""The two role groups and their permissions, kept in step with the models after every migrate."""

from django.utils.translation import gettext_lazy as _

COORDINATORS = "Samordnare"
READERS = "Läsare"
# Apps whose models coordinators manage and readers may read.
DOMAIN_APPS = ("stakeholders", "agreements", "assessments")
COORDINATOR_EXTRA_APPS = ("django_celery_beat", "authtoken")

GROUP_DESCRIPTIONS = {
    COORDINATORS: _("Coordinators: full access to the register, agreements, assessments and risks."),
    READERS: _("Readers: read-only access."),
}


def sync_role_groups(sender=None, using="default", **kwargs) -> None:
    """Create the role groups and grant them every permission of the domain apps."""
    from django.contrib.auth.models import Group, Permission

    domain = Permission.objects.using(using).filter(content_type__app_label__in=DOMAIN_APPS)
    extra = Permission.objects.using(using).filter(content_type__app_label__in=COORDINATOR_EXTRA_APPS)
    coordinators, _created = Group.objects.using(using).get_or_create(name=COORDINATORS)
    coordinators.permissions.add(*domain, *extra)
    readers, _created = Group.objects.using(using).get_or_create(name=READERS)
    readers.permissions.add(*domain.filter(codename__startswith="view_"))
