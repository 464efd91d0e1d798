"""Before the constraints of 0004: agreement and role titles without bidirectional controls or control
characters (a title of nothing else becomes "-")."""

import re

from django.db import migrations

FORBIDDEN = re.compile("[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def forwards(apps, schema_editor):
    for model_name in ("Agreement", "Responsibility"):
        model = apps.get_model("agreements", model_name)
        for row in model.objects.filter(title__regex=FORBIDDEN.pattern).only("pk", "title"):
            model.objects.filter(pk=row.pk).update(title=FORBIDDEN.sub("", row.title).strip() or "-")


class Migration(migrations.Migration):
    dependencies = [("agreements", "0002_plausible_dates")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
