"""Create the role groups Samordnare (coordinators) and Läsare (readers) with their permissions.

The permissions of the models that exist at this point are created first, as Django would after the
migration; ``stakeholders.roles.sync_role_groups`` (also run after every migrate) keeps them in step later.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from stakeholders.roles import sync_role_groups


def create_role_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None
    sync_role_groups(using=using, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0004_privacy_retention_schedule"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # So that the groups get the permissions of every domain model at once.
        ("agreements", "0002_plausible_dates"),
        ("assessments", "0007_respondent_person_nullable"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("integrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
