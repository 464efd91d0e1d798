from django.db import migrations


def install(apps, schema_editor):
    from assessments.instruments import LEVELS_OF_COLLABORATION, install_instrument
    from assessments.instruments import _LOC as spec

    assert spec["code"] == LEVELS_OF_COLLABORATION
    install_instrument(
        spec, models={name: apps.get_model("assessments", name) for name in ("Instrument", "InstrumentSection", "Item", "Band")}
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0013_pairwise")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
