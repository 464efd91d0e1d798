"""Upgrading a database made before the risks app: the risk models moved from ``assessments`` to ``risks``
(risks 0001-0002, assessments 0010). The database is taken back to the last migration before the move, filled
through the historical models as the old code would have, and migrated forward: every row is kept with its id,
the content types (and with them permissions, group rights, admin log entries) are moved rather than recreated,
and the beat schedules name tasks the worker knows."""

import datetime as dt
import sys

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from risks.models import ReportDelivery, RiskFlag, RiskReportSubscription, RiskScan
from samverkan_project.celery import app as celery_app
from stakeholders.roles import READERS
from tests.factories import UserFactory

BEFORE = [("assessments", "0009_riskflag_partial_indexes"), ("risks", None)]
MOVED = ("riskflag", "historicalriskflag", "riskscan", "riskreportsubscription", "reportdelivery")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    # The models as the applied migrations define them, i.e. as the code of that time had them.
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def shipped_schedules() -> list[tuple]:
    """The beat schedules every migration creates (their ``SCHEDULES``), read from the migration files, so the
    check holds even when an earlier test flushed the rows."""
    loader = MigrationExecutor(connection).loader
    schedules = []
    for migration in loader.disk_migrations.values():
        schedules += getattr(sys.modules[type(migration).__module__], "SCHEDULES", [])
    return schedules


def migrated_with_shipped_data():
    """The database at the latest migration with what ``migrate`` ships after it (content types, permissions,
    role groups), whatever an earlier test flushed."""
    migrate(latest())
    emit_post_migrate_signal(0, False, "default")
    ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_risks_app_migrates_forward_with_nothing_lost():
    migrated_with_shipped_data()
    user = UserFactory(username="rapportlasare", is_staff=True)
    old_apps = migrate(BEFORE)
    ContentTypeOld = old_apps.get_model("contenttypes", "ContentType")
    # The old state: the models and their content types belong to assessments.
    before_types = {ct.model: ct.pk for ct in ContentTypeOld.objects.filter(app_label="assessments", model__in=MOVED)}
    assert set(before_types) == set(MOVED)
    assert not ContentTypeOld.objects.filter(app_label="risks").exists()

    now = timezone.now()
    Scan = old_apps.get_model("assessments", "RiskScan")
    Flag = old_apps.get_model("assessments", "RiskFlag")
    HistoricalFlag = old_apps.get_model("assessments", "HistoricalRiskFlag")
    Subscription = old_apps.get_model("assessments", "RiskReportSubscription")
    Delivery = old_apps.get_model("assessments", "ReportDelivery")
    scan = Scan.objects.create(trigger="command", status="succeeded", started_at=now, finished_at=now, findings=1)
    flag = Flag.objects.create(
        rule="role_concentration",
        severity="medium",
        status="acknowledged",
        subject_type="agreement",
        subject_key="agreement:0",
        details={"count": 4},
        first_seen_at=now,
        last_seen_at=now,
        acknowledged_at=now,
        acknowledged_by_id=user.pk,
        acknowledgement_note="Vi tar upp det på styrgruppen.",
    )
    HistoricalFlag.objects.create(
        id=flag.pk,
        rule=flag.rule,
        severity=flag.severity,
        status=flag.status,
        subject_type=flag.subject_type,
        subject_key=flag.subject_key,
        first_seen_at=now,
        last_seen_at=now,
        acknowledged_at=now,
        acknowledgement_note=flag.acknowledgement_note,
        history_date=now,
        history_type="~",
        history_user_id=user.pk,
        history_change_reason="kvitterad",
    )
    subscription = Subscription.objects.create(user_id=user.pk, language="en")
    delivery = Delivery.objects.create(
        report="portfolio",
        period_start=dt.date(2026, 11, 30),
        recipient_key=f"user:{user.pk}",
        user_id=user.pk,
        email="rapport@example.se",
        status="sent",
        since=now,
        until=now,
        sent_at=now,
        new_count=1,
    )
    view_flag = Permission.objects.get(content_type_id=before_types["riskflag"], codename="view_riskflag")
    readers = Group.objects.get(name=READERS)
    assert readers.permissions.filter(pk=view_flag.pk).exists()
    user.groups.add(readers)
    log = LogEntry.objects.create(
        user_id=user.pk,
        content_type_id=before_types["riskflag"],
        object_id=str(flag.pk),
        object_repr="Risk",
        action_flag=CHANGE,
        change_message="kvitterad",
    )

    migrate(latest())

    # The content types moved, with their ids: nothing left under assessments, nothing created anew.
    after_types = {ct.model: ct.pk for ct in ContentType.objects.filter(app_label="risks", model__in=MOVED)}
    assert after_types == before_types
    assert not ContentType.objects.filter(app_label="assessments", model__in=MOVED).exists()
    assert ContentType.objects.get_for_model(RiskFlag).pk == before_types["riskflag"]
    # Every row is kept, read through the new models.
    assert RiskScan.objects.get(pk=scan.pk).findings == 1
    moved_flag = RiskFlag.objects.get(pk=flag.pk)
    assert (moved_flag.status, moved_flag.details, moved_flag.acknowledged_by_id) == (
        "acknowledged",
        {"count": 4},
        user.pk,
    )
    assert moved_flag.history.get().history_change_reason == "kvitterad"
    assert RiskReportSubscription.objects.get(pk=subscription.pk).language == "en"
    assert ReportDelivery.objects.get(pk=delivery.pk).email == "rapport@example.se"
    # Permissions follow the model: the same row, the group keeps it, the user's rights name the new app.
    assert Permission.objects.get(pk=view_flag.pk).content_type_id == before_types["riskflag"]
    assert Group.objects.get(name=READERS).permissions.filter(pk=view_flag.pk).exists()
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("risks.view_riskflag")
    assert not user.has_perm("assessments.view_riskflag")
    assert Permission.objects.filter(codename="view_riskflag").count() == 1
    # The admin log entry still opens the flag.
    assert LogEntry.objects.get(pk=log.pk).get_edited_object() == moved_flag
    # The beat schedules the migrations create (and any in the database) name tasks a worker knows.
    celery_app.loader.import_default_modules()  # what a worker does at start: every app's tasks module
    known = set(celery_app.tasks)
    shipped = {task for _name, task, *_rest in shipped_schedules()}
    assert {"assessments.risk_scan_scheduled", "assessments.risk_reports_send"} <= shipped
    assert shipped <= known
    assert set(PeriodicTask.objects.exclude(task="celery.backend_cleanup").values_list("task", flat=True)) <= known


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone():
    """Unapplying the move puts the content types back under assessments (a rollback of a failed deploy)."""
    migrated_with_shipped_data()
    ct = ContentType.objects.get(app_label="risks", model="riskflag").pk
    old_apps = migrate(BEFORE)
    assert old_apps.get_model("contenttypes", "ContentType").objects.get(pk=ct).app_label == "assessments"
    migrate(latest())
    assert ContentType.objects.get(pk=ct).app_label == "risks"
