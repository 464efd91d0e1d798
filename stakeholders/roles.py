"""The two role groups and their permissions, kept in step with the models after every migrate."""

from django.utils.translation import gettext_lazy as _

COORDINATORS = "Samordnare"
READERS = "Läsare"
# Apps whose models coordinators manage and readers may read.
DOMAIN_APPS = ("stakeholders", "agreements", "assessments")
COORDINATOR_EXTRA_APPS = ("django_celery_beat", "authtoken")
# Individual assessment answers are for coordinators only; readers see the results.
READER_WITHHELD = ("view_answer",)

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
    readable = domain.filter(codename__startswith="view_")
    readers.permissions.add(*readable.exclude(codename__in=READER_WITHHELD))
    readers.permissions.remove(*readable.filter(codename__in=READER_WITHHELD))
