from django.db import migrations

from samverkan_project.rowcounts import CountRows


class Migration(migrations.Migration):
    dependencies = [("agreements", "0008_list_order_indexes")]

    operations = [
        CountRows(
            "agreements_agreement",
            "agreements_party",
            "agreements_representative",
            "agreements_responsibility",
            "agreements_anchoring",
            "agreements_commitment",
            "agreements_interaction",
            "agreements_followup",
        )
    ]
