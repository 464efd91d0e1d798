from django.db import migrations

from samverkan_project.rowcounts import CountRows


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0012_list_order_indexes")]

    operations = [CountRows("stakeholders_organization", "stakeholders_person")]
