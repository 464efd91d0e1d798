from django.db import migrations


def install(apps, schema_editor):
    from assessments.instruments import install_builtin_instruments

    install_builtin_instruments(
        {name: apps.get_model("assessments", name) for name in ("Instrument", "InstrumentSection", "Item", "Band")}
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_instruments_rounds")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
