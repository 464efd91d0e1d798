"""The start page's notice deadlines (``valid_to`` less the notice period, of active agreements) from an index in
their order, on PostgreSQL; elsewhere the expression is computed while reading (a small database)."""

from django.db import migrations

INDEX = "agreement_notice_deadline"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON agreements_agreement "
            "(((valid_to - make_interval(months => notice_period_months::int))::date), id) "
            "WHERE status = 'active' AND notice_period_months > 0"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("agreements", "0009_row_counts")]

    operations = [migrations.RunPython(create, drop)]
