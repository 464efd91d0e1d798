"""Every write to the register that carries a rule goes through here."""

from django.db import transaction

from samverkan_project.services import validated_save
from stakeholders.models import Organization, Person

ORGANIZATION_FIELDS = {
    "name",
    "org_number",
    "sector",
    "parent",
    "power",
    "interest",
    "legitimacy",
    "urgency",
    "resource_level",
    "resources",
    "drivers",
    "constraints",
    "is_active",
}
PERSON_FIELDS = {
    "reminders_opt_out",
    "first_name",
    "last_name",
    "email",
    "phone",
    "organization",
    "title",
    "language",
    "left_on",
    "user",
}


@transaction.atomic
def organization_create(**values) -> Organization:
    """Create a validated organisation (org number normalised, parent chain without cycles)."""
    return validated_save(Organization(), ORGANIZATION_FIELDS, values)


@transaction.atomic
def organization_update(*, instance: Organization, **values) -> Organization:
    """Update an organisation, validating the whole record again."""
    return validated_save(instance, ORGANIZATION_FIELDS, values)


@transaction.atomic
def person_create(**values) -> Person:
    """Create a validated person."""
    return validated_save(Person(), PERSON_FIELDS, values)


@transaction.atomic
def person_update(*, instance: Person, **values) -> Person:
    """Update a person, validating the whole record again."""
    return validated_save(instance, PERSON_FIELDS, values)
