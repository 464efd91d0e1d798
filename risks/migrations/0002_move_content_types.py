"""The content types of the moved models follow them from ``assessments`` to ``risks``: moved, not recreated, so
their permissions (and the role groups' and users' rights), admin log entries and history keep pointing at the
same rows. On a new database there is nothing to move yet; Django creates them under ``risks`` after migrate."""

from django.db import migrations

MODELS = ("riskflag", "historicalriskflag", "riskscan", "riskreportsubscription", "reportdelivery")


def _move(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is not None:
            # Created under the new label by an earlier, interrupted upgrade: the rows that point at the old
            # content type are the ones that matter; the fresh one owns at most its own default permissions.
            Permission = apps.get_model("auth", "Permission")
            Permission.objects.filter(content_type=new).delete()
            new.delete()
        old.app_label = target
        old.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _move(apps, "assessments", "risks")


def backwards(apps, schema_editor):
    _move(apps, "risks", "assessments")


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0001_initial"),
        ("assessments", "0010_move_risk_models_to_risks"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
