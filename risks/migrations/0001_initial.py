"""The risk models move here from ``assessments`` (issue 12). State only: the tables were created by the
assessments migrations and keep their names (each model's ``db_table``), so an existing database keeps every row,
index and constraint, and a new one gets the same tables from assessments 0001-0009."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('assessments', '0009_riskflag_partial_indexes'),
        ('agreements', '0002_plausible_dates'),
        ('stakeholders', '0005_role_groups'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='HistoricalRiskFlag',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('rule', models.CharField(max_length=50, verbose_name='rule')),
                    ('severity', models.CharField(choices=[('high', 'High'), ('medium', 'Medium'), ('low', 'Low')], max_length=10, verbose_name='severity')),
                    ('status', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('resolved', 'Resolved')], default='open', max_length=20, verbose_name='status')),
                    ('subject_type', models.CharField(choices=[('agreement', 'Agreement'), ('party', 'Party'), ('person', 'Person'), ('responsibility', 'Responsibility')], max_length=20, verbose_name='subject type')),
                    ('subject_key', models.CharField(editable=False, max_length=100, verbose_name='subject key')),
                    ('first_seen_at', models.DateTimeField(verbose_name='first seen')),
                    ('last_seen_at', models.DateTimeField(verbose_name='last seen')),
                    ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved')),
                    ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='acknowledged')),
                    ('acknowledgement_note', models.TextField(blank=True, verbose_name='note')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('acknowledged_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='acknowledged by')),
                    ('agreement', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='agreements.agreement', verbose_name='agreement')),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('party', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='agreements.party', verbose_name='party')),
                    ('person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='stakeholders.person', verbose_name='person')),
                    ('responsibility', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='agreements.responsibility', verbose_name='responsibility')),
                ],
                options={
                    'verbose_name': 'historical risk flag',
                    'verbose_name_plural': 'historical risk flags',
                    'db_table': 'assessments_historicalriskflag',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='ReportDelivery',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('report', models.CharField(choices=[('coordinator', "Coordinator's agreements"), ('portfolio', 'Whole portfolio')], max_length=20, verbose_name='report')),
                    ('period_start', models.DateField(verbose_name='period')),
                    ('recipient_key', models.CharField(max_length=40, verbose_name='recipient key')),
                    ('email', models.EmailField(max_length=254, verbose_name='e-mail')),
                    ('language', models.CharField(choices=[('sv', 'Swedish'), ('en', 'English')], default='sv', max_length=2, verbose_name='language')),
                    ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed (will be retried)'), ('skipped', 'Skipped')], default='pending', max_length=20, verbose_name='status')),
                    ('since', models.DateTimeField(verbose_name='changes since')),
                    ('until', models.DateTimeField(verbose_name='changes until')),
                    ('subject', models.CharField(blank=True, max_length=255, verbose_name='subject')),
                    ('new_count', models.PositiveIntegerField(default=0, verbose_name='new')),
                    ('open_count', models.PositiveIntegerField(default=0, verbose_name='open')),
                    ('resolved_count', models.PositiveIntegerField(default=0, verbose_name='resolved')),
                    ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                    ('last_error', models.TextField(blank=True, verbose_name='last error')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='claimed')),
                    ('last_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='last attempt')),
                    ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                    ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='stakeholders.person', verbose_name='person')),
                    ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                ],
                options={
                    'verbose_name': 'report delivery',
                    'verbose_name_plural': 'report deliveries',
                    'db_table': 'assessments_reportdelivery',
                    'ordering': ['-period_start', 'report', 'recipient_key'],
                    'indexes': [models.Index(fields=['status'], name='assessments_status_c40ec7_idx')],
                    'constraints': [models.UniqueConstraint(fields=('report', 'period_start', 'recipient_key'), name='reportdelivery_one_per_recipient_and_period', violation_error_message='This recipient already has this report for the period.'), models.CheckConstraint(condition=models.Q(('report__in', ['coordinator', 'portfolio'])), name='reportdelivery_report_valid'), models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'sent', 'failed', 'skipped'])), name='reportdelivery_status_valid'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='reportdelivery_sent_has_time'), models.CheckConstraint(condition=models.Q(('until__gte', models.F('since'))), name='reportdelivery_window_in_order')],
                },
            ),
            migrations.CreateModel(
                name='RiskFlag',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('rule', models.CharField(max_length=50, verbose_name='rule')),
                    ('severity', models.CharField(choices=[('high', 'High'), ('medium', 'Medium'), ('low', 'Low')], max_length=10, verbose_name='severity')),
                    ('status', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('resolved', 'Resolved')], default='open', max_length=20, verbose_name='status')),
                    ('subject_type', models.CharField(choices=[('agreement', 'Agreement'), ('party', 'Party'), ('person', 'Person'), ('responsibility', 'Responsibility')], max_length=20, verbose_name='subject type')),
                    ('subject_key', models.CharField(editable=False, max_length=100, verbose_name='subject key')),
                    ('details', models.JSONField(blank=True, default=dict, verbose_name='details')),
                    ('first_seen_at', models.DateTimeField(verbose_name='first seen')),
                    ('last_seen_at', models.DateTimeField(verbose_name='last seen')),
                    ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved')),
                    ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='acknowledged')),
                    ('acknowledgement_note', models.TextField(blank=True, verbose_name='note')),
                    ('acknowledged_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='acknowledged by')),
                    ('agreement', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='risk_flags', to='agreements.agreement', verbose_name='agreement')),
                    ('party', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='risk_flags', to='agreements.party', verbose_name='party')),
                    ('person', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='risk_flags', to='stakeholders.person', verbose_name='person')),
                    ('responsibility', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='risk_flags', to='agreements.responsibility', verbose_name='responsibility')),
                ],
                options={
                    'verbose_name': 'risk flag',
                    'verbose_name_plural': 'risk flags',
                    'db_table': 'assessments_riskflag',
                    'ordering': ['-first_seen_at', '-id'],
                    'indexes': [models.Index(fields=['status', 'severity'], name='assessments_status_fef5fd_idx'), models.Index(fields=['agreement', 'status'], name='assessments_agreeme_1d762f_idx'), models.Index(fields=['first_seen_at'], name='assessments_first_s_7bc264_idx'), models.Index(condition=models.Q(('resolved_at__isnull', False)), fields=['resolved_at'], name='riskflag_resolved_at'), models.Index(condition=models.Q(('party__isnull', False)), fields=['party'], name='riskflag_party'), models.Index(condition=models.Q(('person__isnull', False)), fields=['person'], name='riskflag_person'), models.Index(condition=models.Q(('responsibility__isnull', False)), fields=['responsibility'], name='riskflag_responsibility'), models.Index(condition=models.Q(('acknowledged_by__isnull', False)), fields=['acknowledged_by'], name='riskflag_acknowledged_by')],
                    'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'resolved'), _negated=True), fields=('rule', 'subject_key'), name='riskflag_one_unresolved_per_subject', violation_error_message='This risk is already flagged.'), models.CheckConstraint(condition=models.Q(('severity__in', ['high', 'medium', 'low'])), name='riskflag_severity_valid'), models.CheckConstraint(condition=models.Q(('status__in', ['open', 'acknowledged', 'resolved'])), name='riskflag_status_valid'), models.CheckConstraint(condition=models.Q(('subject_type__in', ['agreement', 'party', 'person', 'responsibility'])), name='riskflag_subject_type_valid'), models.CheckConstraint(condition=models.Q(models.Q(('resolved_at__isnull', False), ('status', 'resolved')), models.Q(models.Q(('status', 'resolved'), _negated=True), ('resolved_at__isnull', True)), _connector='OR'), name='riskflag_resolved_has_time'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'acknowledged'), _negated=True), ('acknowledged_at__isnull', False), _connector='OR'), name='riskflag_acknowledged_has_time'), models.CheckConstraint(condition=models.Q(('last_seen_at__gte', models.F('first_seen_at'))), name='riskflag_seen_in_order')],
                },
            ),
            migrations.CreateModel(
                name='RiskReportSubscription',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('language', models.CharField(choices=[('sv', 'Swedish'), ('en', 'English')], default='sv', max_length=2, verbose_name='language')),
                    ('is_active', models.BooleanField(default=True, verbose_name='active')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                    ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='risk_report_subscription', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                ],
                options={
                    'verbose_name': 'risk report subscription',
                    'verbose_name_plural': 'risk report subscriptions',
                    'db_table': 'assessments_riskreportsubscription',
                    'ordering': ['user__username'],
                    'constraints': [models.CheckConstraint(condition=models.Q(('language__in', ['sv', 'en'])), name='riskreportsubscription_language_valid')],
                },
            ),
            migrations.CreateModel(
                name='RiskScan',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('trigger', models.CharField(choices=[('schedule', 'Schedule'), ('admin', 'Admin'), ('api', 'API'), ('command', 'Command')], max_length=20, verbose_name='trigger')),
                    ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='queued', max_length=20, verbose_name='status')),
                    ('slot', models.CharField(blank=True, editable=False, max_length=40, null=True, unique=True, verbose_name='slot')),
                    ('task_id', models.CharField(blank=True, max_length=64, verbose_name='task id')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='requested')),
                    ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started')),
                    ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                    ('chunks_total', models.PositiveIntegerField(default=0, verbose_name='chunks')),
                    ('chunks_done', models.PositiveIntegerField(default=0, verbose_name='chunks done')),
                    ('workers', models.JSONField(blank=True, default=list, verbose_name='workers')),
                    ('agreements_scanned', models.PositiveIntegerField(default=0, verbose_name='agreements scanned')),
                    ('findings', models.PositiveIntegerField(default=0, verbose_name='findings')),
                    ('new_count', models.PositiveIntegerField(default=0, verbose_name='new flags')),
                    ('persisting_count', models.PositiveIntegerField(default=0, verbose_name='still open')),
                    ('resolved_count', models.PositiveIntegerField(default=0, verbose_name='resolved flags')),
                    ('error', models.TextField(blank=True, verbose_name='error')),
                    ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ],
                options={
                    'verbose_name': 'risk scan',
                    'verbose_name_plural': 'risk scans',
                    'db_table': 'assessments_riskscan',
                    'ordering': ['-created_at', '-id'],
                    'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'succeeded', 'failed'])), name='riskscan_status_valid'), models.CheckConstraint(condition=models.Q(('trigger__in', ['schedule', 'admin', 'api', 'command'])), name='riskscan_trigger_valid'), models.CheckConstraint(condition=models.Q(('chunks_done__lte', models.F('chunks_total'))), name='riskscan_chunks_done_le_total')],
                },
            ),
        ],
        ),
    ]
