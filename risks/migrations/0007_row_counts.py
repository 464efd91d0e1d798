from django.db import migrations

from samverkan_project.rowcounts import CountRows


class Migration(migrations.Migration):
    dependencies = [("risks", "0006_scan_busiest_people")]

    operations = [CountRows("assessments_riskflag")]
