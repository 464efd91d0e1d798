"""Every write to the register that carries a rule goes through here."""

from django.db import transaction

from stakeholders.models import Organization, Person

ORGANIZATION_FIELDS = {
    "name", "org_number", "sector", "parent", "power", "interest", "resource_level",
    "resources", "drivers", "constraints", "is_active",
}
PERSON_FIELDS = {
    "first_name", "last_name", "email", "phone", "organization", "title", "language", "left_on", "user",
}


def _assign(instance, fields: set[str], values: dict) -> None:
    unknown = set(values) - fields
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        setattr(instance, name, value)


@transaction.atomic
def organization_create(**values) -> Organization:
    """Create a validated organisation (org number normalised, parent chain without cycles)."""
    organization = Organization()
    _assign(organization, ORGANIZATION_FIELDS, values)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def organization_update(*, instance: Organization, **values) -> Organization:
    """Update an organisation, validating the whole record again."""
    _assign(instance, ORGANIZATION_FIELDS, values)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def person_create(**values) -> Person:
    """Create a validated person."""
    person = Person()
    _assign(person, PERSON_FIELDS, values)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_update(*, instance: Person, **values) -> Person:
    """Update a person, validating the whole record again."""
    _assign(instance, PERSON_FIELDS, values)
    instance.full_clean()
    instance.save()
    return instance
