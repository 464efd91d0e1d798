"""Every existing person gets one open employment period: their current organisation and title, from the day
they were registered (their career before that is unknown)."""

from django.db import migrations
from django.utils import timezone


def open_periods(apps, schema_editor):
    Person = apps.get_model("stakeholders", "Person")
    Employment = apps.get_model("stakeholders", "Employment")
    has_period = set(Employment.objects.values_list("person_id", flat=True))
    rows = []
    for person in Person.objects.order_by("id").iterator(chunk_size=2000):
        if person.pk in has_period:
            continue
        started = timezone.localdate(person.created_at) if person.created_at else timezone.localdate()
        if person.left_on is not None and person.left_on < started:
            started = person.left_on
        rows.append(
            Employment(person_id=person.pk, organization_id=person.organization_id, title=person.title, started_on=started)
        )
        if len(rows) >= 2000:
            Employment.objects.bulk_create(rows)
            rows = []
    Employment.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0008_careers")]

    operations = [migrations.RunPython(open_periods, migrations.RunPython.noop)]
