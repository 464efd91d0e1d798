from django.db import migrations

from samverkan_project.rowcounts import CountRows


class Migration(migrations.Migration):
    dependencies = [("assessments", "0015_list_order_indexes")]

    operations = [CountRows("assessments_assessmentround")]
