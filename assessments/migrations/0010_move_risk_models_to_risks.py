"""The risk models now belong to the risks app (risks 0001): removed from this app's state only; the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0009_riskflag_partial_indexes'),
        ('risks', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='reportdelivery',
                name='person',
            ),
            migrations.RemoveField(
                model_name='reportdelivery',
                name='user',
            ),
            migrations.RemoveField(
                model_name='riskflag',
                name='acknowledged_by',
            ),
            migrations.RemoveField(
                model_name='riskflag',
                name='agreement',
            ),
            migrations.RemoveField(
                model_name='riskflag',
                name='party',
            ),
            migrations.RemoveField(
                model_name='riskflag',
                name='person',
            ),
            migrations.RemoveField(
                model_name='riskflag',
                name='responsibility',
            ),
            migrations.RemoveField(
                model_name='riskreportsubscription',
                name='user',
            ),
            migrations.RemoveField(
                model_name='riskscan',
                name='requested_by',
            ),
            migrations.DeleteModel(
                name='HistoricalRiskFlag',
            ),
            migrations.DeleteModel(
                name='ReportDelivery',
            ),
            migrations.DeleteModel(
                name='RiskFlag',
            ),
            migrations.DeleteModel(
                name='RiskReportSubscription',
            ),
            migrations.DeleteModel(
                name='RiskScan',
            ),
        ],
        ),
    ]
