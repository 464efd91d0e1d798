"""Before the constraints of 0007: phone numbers in one format (E.164) and names without control characters.

A phone number libphonenumber cannot read as a valid number (Swedish unless it has a country code) is emptied;
the person's change history still holds it. Bidirectional controls and control characters are taken out of
names (a name of nothing else becomes "-").
"""

import re

import phonenumbers
from django.db import migrations

FORBIDDEN = re.compile("[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def e164(value: str) -> str:
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "SE")
    except phonenumbers.NumberParseException:
        return ""
    if not text.isascii() or not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_name(value: str) -> str:
    return FORBIDDEN.sub("", value).strip() or "-"


def forwards(apps, schema_editor):
    Person = apps.get_model("stakeholders", "Person")
    Organization = apps.get_model("stakeholders", "Organization")
    for person in Person.objects.exclude(phone="").only("pk", "phone").iterator():
        phone = e164(person.phone)
        if phone != person.phone:
            Person.objects.filter(pk=person.pk).update(phone=phone)
    pattern = FORBIDDEN.pattern
    for person in Person.objects.filter(first_name__regex=pattern) | Person.objects.filter(last_name__regex=pattern):
        Person.objects.filter(pk=person.pk).update(
            first_name=clean_name(person.first_name), last_name=clean_name(person.last_name)
        )
    for organization in Organization.objects.filter(name__regex=pattern):
        Organization.objects.filter(pk=organization.pk).update(name=clean_name(organization.name))


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0005_role_groups")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
