from django.db import migrations

STEM_SV = "I vilken grad …"
STEM_EN = "To what degree …"


def add_stem(apps, schema_editor):
    """The source's stem before each block of "Testa din samverkan!" (installed without it before)."""
    InstrumentSection = apps.get_model("assessments", "InstrumentSection")
    sections = InstrumentSection.objects.filter(instrument__code="testa-din-samverkan", instrument__is_builtin=True)
    sections.filter(description_sv="").update(description_sv=STEM_SV)
    sections.filter(description_en="").update(description_en=STEM_EN)


def remove_stem(apps, schema_editor):
    InstrumentSection = apps.get_model("assessments", "InstrumentSection")
    sections = InstrumentSection.objects.filter(instrument__code="testa-din-samverkan", instrument__is_builtin=True)
    sections.filter(description_sv=STEM_SV).update(description_sv="")
    sections.filter(description_en=STEM_EN).update(description_en="")


class Migration(migrations.Migration):
    dependencies = [("assessments", "0011_text_limits")]

    operations = [migrations.RunPython(add_stem, remove_stem)]
